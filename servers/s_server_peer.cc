#include "s_server_peer.h"

#include <fcntl.h>
#include <openssl/pem.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "openssl_ptr.h"
#include "spawn.h"
#include "shakedown/tls/version.h"

namespace shakedown::servers {
namespace {

namespace fs = std::filesystem;
constexpr const char* kOpenssl = "/usr/bin/openssl";
constexpr auto kStartTimeout = std::chrono::seconds(5);
constexpr size_t kMaxLog = 1u << 20;

// EndpointConfig's version names as s_server's -min_protocol takes them.
std::string protocol_name(const std::string& version) {
  if (auto v = tls::parse_config_name(version)) return std::string(tls::openssl_name(*v));
  throw std::runtime_error("server.versions: unknown TLS version '" + version +
                           "' (expected tls1.0, tls1.1, tls1.2 or tls1.3)");
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) throw std::runtime_error("s_server peer: cannot write " + path.string());
}

void write_key(const fs::path& path, EVP_PKEY* key) {
  BioPtr bio(BIO_new_file(path.c_str(), "w"));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    throw std::runtime_error("s_server peer: cannot write " + path.string() + ": " + take_openssl_errors());
  }
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
}

struct PeerFiles {
  fs::path cert, key;
  fs::path chain;      // the certificates sent after the leaf; empty: none
  fs::path client_ca;  // the root trusted for client certificates; empty: no client auth
};

PeerFiles write_files(const EndpointConfig& config, const fs::path& dir) {
  if (config.chain == nullptr || config.chain->certs.size() < 2)
    throw std::runtime_error("server: no certificate chain");
  const Chain& chain = *config.chain;
  // As TestServer: `send` lists the leaf first; empty sends every intermediate.
  std::vector<size_t> send;
  if (config.send.empty()) {
    for (size_t i = chain.certs.size() - 1; i-- > 1;) send.push_back(i);
  } else {
    send.assign(config.send.begin() + 1, config.send.end());
  }
  fs::create_directories(dir);
  PeerFiles files{dir / "leaf.pem", dir / "leaf-key.pem", {}, {}};
  write_text(files.cert, chain.leaf().pem);
  write_key(files.key, chain.leaf().key.get());
  if (!send.empty()) {
    std::string pem;
    for (size_t i : send) {
      if (i >= chain.certs.size()) throw std::runtime_error("server.send: no certificate " + std::to_string(i));
      pem += chain.certs[i].pem;
    }
    files.chain = dir / "chain.pem";
    write_text(files.chain, pem);
  }
  if (config.client_auth != ClientAuth::kNone) {
    if (config.client_ca == nullptr) throw std::runtime_error("server.client_auth: no client_ca chain");
    files.client_ca = dir / "client-ca.pem";
    write_text(files.client_ca, config.client_ca->root().pem);
  }
  return files;
}

std::vector<std::string> s_server_argv(const EndpointConfig& config, const PeerFiles& files, int max_connections) {
  std::vector<std::string> a = {kOpenssl, "s_server", "-accept", "127.0.0.1:0"};
  auto add = [&a](std::string option, std::string value) {
    a.push_back(std::move(option));
    a.push_back(std::move(value));
  };
  if (max_connections > 0) add("-naccept", std::to_string(max_connections));
  add("-cert", files.cert.string());
  add("-key", files.key.string());
  if (!files.chain.empty()) {
    add("-cert_chain", files.chain.string());
  } else {
    // Without a chain OpenSSL would complete one from its trust store; a
    // chain store holding only the leaf keeps it to the leaf, as sent.
    add("-chainCAfile", files.cert.string());
  }
  add("-min_protocol", protocol_name(config.min_version));
  add("-max_protocol", protocol_name(config.max_version));
  // Security level 0, as TestServer: serve SHA-1, small keys, old versions.
  std::string ciphers;
  for (const auto& s : config.ciphersuites) ciphers += s + ":";
  add("-cipher", (ciphers.empty() ? std::string("DEFAULT:") : ciphers) + "@SECLEVEL=0");
  if (!config.tls13_ciphersuites.empty()) {
    std::string tls13;
    for (const auto& s : config.tls13_ciphersuites) tls13 += (tls13.empty() ? "" : ":") + s;
    add("-ciphersuites", tls13);
  }
  if (!config.signature_algorithms.empty()) add("-sigalgs", config.signature_algorithms);
  if (!config.groups.empty()) add("-groups", config.groups);
  if (!config.session_tickets) a.push_back("-no_ticket");
  if (config.psk) {
    std::string hex;
    for (uint8_t b : config.psk->key) hex += fmt::format("{:02x}", b);
    add("-psk", hex);
    add("-psk_identity", config.psk->identity);
  }
  if (config.record_size >= 512) add("-max_send_frag", std::to_string(std::min<size_t>(config.record_size, 16384)));
  if (config.client_auth != ClientAuth::kNone) {
    add(config.client_auth == ClientAuth::kRequire ? "-Verify" : "-verify", "10");
    // Without it s_server logs a bad client certificate and carries on.
    a.push_back("-verify_return_error");
    add("-CAfile", files.client_ca.string());
  } else {
    a.push_back("-no-CAfile");
  }
  a.push_back("-no-CApath");
  a.push_back("-no-CAstore");
  return a;
}

// The port from s_server's "ACCEPT 127.0.0.1:PORT" line; 0 until it is complete.
uint16_t accepted_port(const std::string& output) {
  constexpr std::string_view kPrefix = "ACCEPT 127.0.0.1:";
  const size_t at = output.find(kPrefix);
  if (at == std::string::npos) return 0;
  const size_t begin = at + kPrefix.size();
  const size_t end = output.find('\n', begin);
  if (end == std::string::npos) return 0;
  unsigned port = 0;
  auto [ptr, ec] = std::from_chars(output.data() + begin, output.data() + end, port);
  if (ec != std::errc() || port == 0 || port > 65535) return 0;
  return static_cast<uint16_t>(port);
}

std::string shell_quoted(const std::string& arg) {
  const bool plain = !arg.empty() && std::all_of(arg.begin(), arg.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("_./:@=,+-", c) != nullptr;
  });
  if (plain) return arg;
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::string SServerPeer::unsupported(const EndpointConfig& c) {
  if (c.on_handshake_failure != OnHandshakeFailure::kAlert)
    return "on_handshake_failure: s_server always answers a failed handshake with OpenSSL's alert";
  if (c.version_refusal_alert)
    return "version_refusal_alert: s_server refuses a ClientHello's versions with OpenSSL's alert";
  if (c.after_client_hello != AfterClientHello::kNegotiate)
    return "after_client_hello: s_server always negotiates; breaking off after the ClientHello is TestServer's";
  if (c.stall_before >= 0 && c.stall_for.count() > 0)
    return "stall_before: s_server cannot pause before a handshake message";
  if (c.record_size > 0 && c.record_size < 512)
    return fmt::format("record_size: s_server's -max_send_frag goes no lower than 512 bytes, not {}", c.record_size);
  if (c.dribble_bytes > 0) return "dribble_bytes: s_server writes each flight at once";
  if (!c.sni_chains.empty()) return "sni_chains: choosing a chain by SNI is TestServer's";
  if (c.require_sni) return "require_sni: refusing a ClientHello without a known name is TestServer's";
  return {};
}

SServerPeer::SServerPeer(const EndpointConfig& config, const fs::path& work_dir, int max_connections) {
  if (std::string why = unsupported(config); !why.empty()) throw std::runtime_error("s_server cannot play " + why);
  argv_ = s_server_argv(config, write_files(config, work_dir), max_connections);
  spawn(argv_);
  try {
    reader_ = std::thread([this] { read_output(); });
    port_ = wait_for_port(kStartTimeout);
  } catch (...) {
    stop();
    throw;
  }
  if (port_ == 0) {
    bool exited = false;  // its output closed: it exited (or is about to)
    {
      std::lock_guard lock(mutex_);
      exited = output_closed_;
    }
    stop();
    throw std::runtime_error(
        fmt::format("s_server {}: {}", exited ? "exited" : "did not report its port within 5 s", log()));
  }
}

SServerPeer::~SServerPeer() {
  stop();
}

void SServerPeer::spawn(const std::vector<std::string>& argv) {
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]), ::close(in[1]);
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  }
  try {
    // Dies with shakedown, however shakedown dies: no s_server is left
    // listening with its key file.
    pid_ = process::spawn({.argv = argv, .stdin_fd = in[0], .stdout_fd = out[1], .stderr_fd = out[1]});
  } catch (...) {
    pid_ = -1;
    ::close(in[0]), ::close(in[1]), ::close(out[0]), ::close(out[1]);
    throw;
  }
  ::close(in[0]);
  ::close(out[1]);
  stdin_fd_ = in[1];
  output_fd_ = out[0];
}

void SServerPeer::read_output() {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    pollfd p{output_fd_, POLLIN, 0};
    const int n = ::poll(&p, 1, 100);  // wakes to notice stop()
    if (n == 0 || (n < 0 && errno == EINTR)) continue;
    char buf[4096];
    const ssize_t got = n > 0 ? ::read(output_fd_, buf, sizeof buf) : -1;
    if (got < 0 && errno == EINTR) continue;
    std::lock_guard lock(mutex_);
    if (got > 0) {
      const size_t keep = std::min(static_cast<size_t>(got), kMaxLog - output_.size());
      output_.append(buf, keep);
      dropped_ += static_cast<size_t>(got) - keep;
    } else {
      output_closed_ = true;
    }
    output_changed_.notify_all();
    if (output_closed_) return;
  }
}

uint16_t SServerPeer::wait_for_port(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  output_changed_.wait_for(lock, timeout, [this] { return accepted_port(output_) != 0 || output_closed_; });
  return accepted_port(output_);
}

bool SServerPeer::running() {
  if (pid_ <= 0 || reaped_) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == 0) return true;
  reaped_ = true;
  return false;
}

bool SServerPeer::wait_for_exit(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  {
    std::unique_lock lock(mutex_);
    output_changed_.wait_until(lock, deadline, [this] { return output_closed_; });
  }
  while (running()) {  // its output closes just before it exits
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

void SServerPeer::stop() {
  if (pid_ > 0 && !reaped_) {
    ::kill(-pid_, SIGKILL);  // its process group: s_server and anything it started
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
  }
  if (reader_.joinable()) {
    {
      // What it wrote before it died is still in the pipe: let the reader
      // take it, for a while.
      std::unique_lock lock(mutex_);
      output_changed_.wait_for(lock, std::chrono::seconds(1), [this] { return output_closed_; });
      stopping_ = true;
    }
    reader_.join();
  }
  if (stdin_fd_ >= 0) ::close(stdin_fd_), stdin_fd_ = -1;
  if (output_fd_ >= 0) ::close(output_fd_), output_fd_ = -1;
}

std::string SServerPeer::log() const {
  std::lock_guard lock(mutex_);
  if (dropped_ == 0) return output_;
  return output_ + fmt::format("\n[... {} more bytes not kept]\n", dropped_);
}

bool SServerPeer::wait_for_log(std::string_view text, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return output_changed_.wait_for(lock, timeout, [&] {
    return output_.find(text) != std::string::npos || output_closed_;
  }) && output_.find(text) != std::string::npos;
}

std::string SServerPeer::command_line() const {
  std::string line;
  for (const auto& a : argv_) line += (line.empty() ? "" : " ") + shell_quoted(a);
  return line;
}

}  // namespace shakedown::servers
