#include "bench_relay.h"

#include <fmt/format.h>

#include <array>
#include <asio.hpp>

#include "bench_file.h"

namespace shakedown::targets {
namespace {

using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;

constexpr auto kIdle = std::chrono::seconds(120);  // a relayed connection silent this long is dropped

// Ends a socket's connection with a reset rather than a FIN.
void reset(tcp::socket& socket) {
  asio::error_code ignored;
  socket.set_option(asio::socket_base::linger(true, 0), ignored);
  socket.close(ignored);
}

struct Pipe {
  tcp::socket board;
  tcp::socket server;
  asio::steady_timer idle;
  bool done = false;
};

// Ends both sides with a reset, once, whichever end noticed first.
void end_pipe(Pipe& pipe) {
  if (pipe.done) return;
  pipe.done = true;
  reset(pipe.board);
  reset(pipe.server);
  pipe.idle.cancel();
}

// Copies one direction until it ends; an orderly end is passed on as a
// half-close, a reset as a reset of both.
awaitable<void> pump(std::shared_ptr<Pipe> pipe, tcp::socket& from, tcp::socket& to) {
  std::array<uint8_t, 4096> buffer;
  for (;;) {
    asio::error_code ec;
    const size_t n = co_await from.async_read_some(asio::buffer(buffer), asio::redirect_error(use_awaitable, ec));
    if (ec == asio::error::eof) {
      to.shutdown(tcp::socket::shutdown_send, ec);
      co_return;
    }
    if (ec) break;
    pipe->idle.expires_after(kIdle);
    co_await asio::async_write(to, asio::buffer(buffer.data(), n), asio::redirect_error(use_awaitable, ec));
    if (ec) break;
  }
  end_pipe(*pipe);
}

awaitable<void> watch_idle(std::shared_ptr<Pipe> pipe) {
  for (;;) {
    asio::error_code ec;
    co_await pipe->idle.async_wait(asio::redirect_error(use_awaitable, ec));
    if (pipe->done) co_return;
    if (pipe->idle.expiry() <= asio::steady_timer::clock_type::now()) {
      end_pipe(*pipe);
      co_return;
    }
  }
}

}  // namespace

struct BenchRelay::State {
  asio::io_context io;
  tcp::acceptor acceptor{io};
};

namespace {

// The parameters are copied into the coroutine's frame. The relay owns the
// state and outlives the loop: its destructor stops the context, and the
// context's own destruction frees the loop's frame. (A shared_ptr here would
// be a cycle: the state's context holding the frame holding the state.)
awaitable<void> accept_loop(BenchRelay::State* state, asio::ip::address_v4 board, std::atomic<uint64_t>& server,
                            std::atomic<uint32_t>& refused) {
  for (;;) {
    asio::error_code accept_ec;
    tcp::socket socket = co_await state->acceptor.async_accept(asio::redirect_error(use_awaitable, accept_ec));
    if (accept_ec == asio::error::operation_aborted) co_return;
    if (accept_ec) continue;
    asio::error_code peer_ec;
    const auto peer = socket.remote_endpoint(peer_ec);
    if (peer_ec || peer.address() != board) {
      ++refused;
      reset(socket);
      continue;
    }
    socket.set_option(tcp::no_delay(true), peer_ec);
    auto pipe =
        std::make_shared<Pipe>(Pipe{std::move(socket), tcp::socket(state->io), asio::steady_timer(state->io, kIdle)});
    asio::error_code connect_ec;
    const uint64_t to = server.load();
    co_await pipe->server.async_connect(
        tcp::endpoint(asio::ip::address_v4(static_cast<uint32_t>(to >> 16)), static_cast<uint16_t>(to & 0xffff)),
        asio::redirect_error(use_awaitable, connect_ec));
    if (connect_ec) {
      // Nobody on the server port: the board sees a reset, as from a closed port.
      reset(pipe->board);
      continue;
    }
    pipe->server.set_option(tcp::no_delay(true), connect_ec);
    asio::co_spawn(state->io, pump(pipe, pipe->board, pipe->server), asio::detached);
    asio::co_spawn(state->io, pump(pipe, pipe->server, pipe->board), asio::detached);
    asio::co_spawn(state->io, watch_idle(pipe), asio::detached);
  }
}

}  // namespace

BenchRelay::BenchRelay(const std::string& listen_address, const std::string& board_address, uint16_t port)
    : state_(std::make_unique<State>()), listen_address_(listen_address) {
  if (!is_bench_listen_address(listen_address)) {
    throw std::runtime_error(
        fmt::format("{}: a bench listens only on a private, link-local or loopback address", listen_address));
  }
  asio::error_code ec;
  const auto listen = asio::ip::make_address_v4(listen_address, ec);
  if (ec) throw std::runtime_error(fmt::format("{}: not an IPv4 address", listen_address));
  const auto board = asio::ip::make_address_v4(board_address, ec);
  if (ec) throw std::runtime_error(fmt::format("{}: not an IPv4 address", board_address));
  auto& acceptor = state_->acceptor;
  acceptor.open(tcp::v4());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  acceptor.bind(tcp::endpoint(listen, port), ec);
  if (ec) {
    throw std::runtime_error(
        fmt::format("cannot listen on {}:{}: {} (is it this host's address on the bench network{}?)", listen_address,
                    port, ec.message(), port == 0 ? "" : ", and is the port free"));
  }
  acceptor.listen();
  port_ = acceptor.local_endpoint().port();

  asio::co_spawn(state_->io, accept_loop(state_.get(), board, server_, refused_), asio::detached);
  thread_ = std::thread([state = state_.get()] { state->io.run(); });
}

BenchRelay::~BenchRelay() {
  // Stopping the context abandons the relayed connections; their sockets
  // close (with a FIN) as the context is destroyed.
  state_->io.stop();
  if (thread_.joinable()) thread_.join();
}

void BenchRelay::set_server(const std::string& address, uint16_t port) {
  asio::error_code ec;
  const auto ip = asio::ip::make_address_v4(address, ec);
  if (ec) throw std::runtime_error(fmt::format("the bench relay's server '{}' is no IPv4 address", address));
  server_ = uint64_t{ip.to_uint()} << 16 | port;
}

}  // namespace shakedown::targets
