#pragma once
// PcapWriter and TcpConversation: one test-server connection as a pcap file,
// so a person can open it in Wireshark and, with the connection's key log
// (key_log.h), read it decrypted. The TLS bytes are the real ones; the IPv4
// and TCP headers around them are synthesized, between 127.0.0.1:<client
// port> and 127.0.0.1:<server port>.
//
// How the test server uses them, per connection, on the connection's thread:
//
//   PcapWriter pcap(dir / "connection-<n>.pcap");
//   TcpConversation tcp(pcap, socket.remote_endpoint(ec).port(),  // the client's port
//                       socket.local_endpoint(ec).port());        // the server's port
//   attach_key_log(ssl.get(), &key_log);  // after SSL_new; install_key_log(ctx) once
//   // Connection::read(), after async_read_some returned n bytes:
//   tcp.client_to_server({buffer.data(), n});
//   // Connection::flush(), the bytes taken from wbio, before async_write:
//   tcp.server_to_client({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
//   // Bytes discarded with BIO_reset(wbio) never reached the wire: not fed.
//   // The end of the connection:
//   //   the server resets it (OnHandshakeFailure::kReset)  tcp.reset(/*by_server=*/true)
//   //   the client reset it (read error connection_reset)  tcp.reset(/*by_server=*/false)
//   //   the client closed first (EOF on read)              tcp.close(/*by_server=*/false)
//   //   the server closes first (kClose, timeout, done)    tcp.close(/*by_server=*/true)
//   // Then write key_log to "connection-<n>.keys"; a person runs
//   // wireshark -r connection-<n>.pcap -o tls.keylog_file:connection-<n>.keys
//
// Nothing here throws into the event loop: a failed open or write is
// recorded, later writes are skipped, and ok()/error() tell. Every packet is
// flushed to the kernel as it is written, so the file stays readable if the
// process dies later. Neither class is thread-safe.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <span>
#include <string>

namespace shakedown::servers {

// A pcap file (the classic format: magic 0xa1b2c3d4, version 2.4, written
// little-endian, microsecond timestamps) of raw IPv4 packets.
class PcapWriter {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;
  static constexpr uint32_t kLinkTypeRaw = 101;  // LINKTYPE_RAW: each packet starts with its IP header
  static constexpr uint32_t kSnapLength = 65535;

  // Creates (truncates) `path` and writes the global header. `clock` stamps
  // each packet; empty: the wall clock.
  explicit PcapWriter(const std::filesystem::path& path, Clock clock = {});
  ~PcapWriter();
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;

  // Appends one IPv4 packet as a record stamped now, and flushes. Does
  // nothing after a failure, or for a packet longer than kSnapLength.
  void write_packet(std::span<const uint8_t> packet);

  bool ok() const { return error_.empty(); }
  // The first failure, e.g. "/x/c.pcap: write: No space left on device"; empty while ok().
  const std::string& error() const { return error_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  void fail(const std::string& what, int error_number);
  void write(const void* data, size_t size);

  std::filesystem::path path_;
  Clock clock_;
  std::FILE* file_ = nullptr;
  std::string error_;
};

// One TCP connection, synthesized into a PcapWriter, which must outlive it.
// Sequence and acknowledgement numbers follow the bytes fed: every segment
// acknowledges all the peer has sent so far.
class TcpConversation {
 public:
  static constexpr size_t kMaxSegmentSize = 1460;  // data is split at this size, announced in SYN and SYN-ACK
  static constexpr uint32_t kClientInitialSequence = 0x1000'0000;
  static constexpr uint32_t kServerInitialSequence = 0x2000'0000;

  // Writes the three-way handshake: SYN, SYN-ACK (both with MSS and window
  // scale options), ACK.
  TcpConversation(PcapWriter& pcap, uint16_t client_port, uint16_t server_port);

  // Writes `bytes` as PSH|ACK segments of at most kMaxSegmentSize bytes.
  // Nothing for empty bytes, or once the conversation has ended.
  void client_to_server(std::span<const uint8_t> bytes);
  void server_to_client(std::span<const uint8_t> bytes);

  // Ends it with FIN|ACK from the side that closes, FIN|ACK from the other,
  // ACK from the first. Does nothing once it has ended.
  void close(bool by_server = true);
  // Ends it with one RST|ACK from that side. Does nothing once it has ended.
  void reset(bool by_server);

  bool ended() const { return ended_; }

 private:
  struct Endpoint {
    uint16_t port = 0;
    uint32_t next_sequence = 0;  // of the next byte (or SYN/FIN) it sends
    uint16_t ip_id = 1;
  };
  enum Flags : uint8_t { kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10 };

  void data(Endpoint& from, const Endpoint& to, std::span<const uint8_t> bytes);
  void send(Endpoint& from, const Endpoint& to, uint8_t flags, std::span<const uint8_t> payload = {});

  PcapWriter& pcap_;
  Endpoint client_;
  Endpoint server_;
  bool ended_ = false;
};

}  // namespace shakedown::servers
