#include "pcap_writer.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace shakedown::servers {

namespace {

constexpr size_t kIpHeaderSize = 20;
constexpr size_t kTcpHeaderSize = 20;
constexpr size_t kSynOptionsSize = 8;  // MSS (4), NOP (1), window scale (3)
constexpr uint8_t kWindowScale = 7;    // so a window of 65535 never limits what a burst may carry
constexpr uint8_t kProtocolTcp = 6;
constexpr uint32_t kLoopback = 0x7f00'0001;  // 127.0.0.1

void put_le32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

void put_le16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}

void put_be16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

void put_be32(uint8_t* p, uint32_t v) {
  put_be16(p, static_cast<uint16_t>(v >> 16));
  put_be16(p + 2, static_cast<uint16_t>(v));
}

// RFC 1071: the one's complement sum of 16-bit big-endian words, an odd last
// byte padded with zero. Not yet folded or complemented.
uint32_t add_words(std::span<const uint8_t> bytes, uint32_t sum) {
  size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) sum += static_cast<uint32_t>(bytes[i] << 8 | bytes[i + 1]);
  if (i < bytes.size()) sum += static_cast<uint32_t>(bytes[i] << 8);
  return sum;
}

uint16_t internet_checksum(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

}  // namespace

PcapWriter::PcapWriter(const std::filesystem::path& path, Clock clock) : path_(path), clock_(std::move(clock)) {
  file_ = std::fopen(path.c_str(), "wb");
  if (file_ == nullptr) {
    fail("open", errno);
    return;
  }
  std::array<uint8_t, 24> header{};
  put_le32(&header[0], 0xa1b2'c3d4);  // microsecond timestamps
  put_le16(&header[4], 2);            // version 2.4
  put_le16(&header[6], 4);
  // thiszone and sigfigs stay 0: timestamps are UTC.
  put_le32(&header[16], kSnapLength);
  put_le32(&header[20], kLinkTypeRaw);
  write(header.data(), header.size());
  if (ok() && std::fflush(file_) != 0) fail("flush", errno);
}

PcapWriter::~PcapWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

void PcapWriter::write_packet(std::span<const uint8_t> packet) {
  if (!ok() || packet.size() > kSnapLength) return;
  const auto now = clock_ ? clock_() : std::chrono::system_clock::now();
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  std::array<uint8_t, 16> record{};
  put_le32(&record[0], static_cast<uint32_t>(us / 1'000'000));
  put_le32(&record[4], static_cast<uint32_t>(us % 1'000'000));
  put_le32(&record[8], static_cast<uint32_t>(packet.size()));   // captured length
  put_le32(&record[12], static_cast<uint32_t>(packet.size()));  // length on the wire
  write(record.data(), record.size());
  write(packet.data(), packet.size());
  if (ok() && std::fflush(file_) != 0) fail("flush", errno);
}

void PcapWriter::write(const void* data, size_t size) {
  if (ok() && std::fwrite(data, 1, size, file_) != size) fail("write", errno);
}

void PcapWriter::fail(const std::string& what, int error_number) {
  if (ok()) error_ = path_.string() + ": " + what + ": " + std::strerror(error_number);
}

TcpConversation::TcpConversation(PcapWriter& pcap, uint16_t client_port, uint16_t server_port)
    : pcap_(pcap),
      client_{.port = client_port, .next_sequence = kClientInitialSequence},
      server_{.port = server_port, .next_sequence = kServerInitialSequence} {
  send(client_, server_, kSyn);
  send(server_, client_, kSyn | kAck);
  send(client_, server_, kAck);
}

void TcpConversation::client_to_server(std::span<const uint8_t> bytes) {
  data(client_, server_, bytes);
}

void TcpConversation::server_to_client(std::span<const uint8_t> bytes) {
  data(server_, client_, bytes);
}

void TcpConversation::close(bool by_server) {
  if (ended_) return;
  Endpoint& first = by_server ? server_ : client_;
  Endpoint& second = by_server ? client_ : server_;
  send(first, second, kFin | kAck);
  send(second, first, kFin | kAck);
  send(first, second, kAck);
  ended_ = true;
}

void TcpConversation::reset(bool by_server) {
  if (ended_) return;
  if (by_server) {
    send(server_, client_, kRst | kAck);
  } else {
    send(client_, server_, kRst | kAck);
  }
  ended_ = true;
}

void TcpConversation::data(Endpoint& from, const Endpoint& to, std::span<const uint8_t> bytes) {
  if (ended_) return;
  while (!bytes.empty()) {
    const size_t take = std::min(bytes.size(), kMaxSegmentSize);
    send(from, to, kPsh | kAck, bytes.first(take));
    bytes = bytes.subspan(take);
  }
}

void TcpConversation::send(Endpoint& from, const Endpoint& to, uint8_t flags, std::span<const uint8_t> payload) {
  std::array<uint8_t, kIpHeaderSize + kTcpHeaderSize + kSynOptionsSize + kMaxSegmentSize> packet{};
  const size_t tcp_header_size = kTcpHeaderSize + ((flags & kSyn) ? kSynOptionsSize : 0);
  const size_t tcp_size = tcp_header_size + payload.size();
  const size_t total = kIpHeaderSize + tcp_size;

  uint8_t* ip = packet.data();
  ip[0] = 0x45;  // IPv4, 5 words of header
  put_be16(ip + 2, static_cast<uint16_t>(total));
  put_be16(ip + 4, from.ip_id++);
  put_be16(ip + 6, 0x4000);  // don't fragment
  ip[8] = 64;                // TTL
  ip[9] = kProtocolTcp;
  put_be32(ip + 12, kLoopback);
  put_be32(ip + 16, kLoopback);
  put_be16(ip + 10, internet_checksum(add_words({ip, kIpHeaderSize}, 0)));

  uint8_t* tcp = ip + kIpHeaderSize;
  put_be16(tcp + 0, from.port);
  put_be16(tcp + 2, to.port);
  put_be32(tcp + 4, from.next_sequence);
  put_be32(tcp + 8, (flags & kAck) ? to.next_sequence : 0);
  tcp[12] = static_cast<uint8_t>(tcp_header_size / 4 << 4);
  tcp[13] = flags;
  put_be16(tcp + 14, 0xffff);  // window
  if (flags & kSyn) {
    uint8_t* option = tcp + kTcpHeaderSize;
    option[0] = 2, option[1] = 4;  // maximum segment size
    put_be16(option + 2, static_cast<uint16_t>(kMaxSegmentSize));
    option[4] = 1;                                           // no-op, to align
    option[5] = 3, option[6] = 3, option[7] = kWindowScale;  // window scale
  }
  std::copy(payload.begin(), payload.end(), tcp + tcp_header_size);

  // The TCP checksum covers a pseudo-header: addresses, protocol, TCP length.
  std::array<uint8_t, 12> pseudo{};
  put_be32(&pseudo[0], kLoopback);
  put_be32(&pseudo[4], kLoopback);
  pseudo[9] = kProtocolTcp;
  put_be16(&pseudo[10], static_cast<uint16_t>(tcp_size));
  put_be16(tcp + 16, internet_checksum(add_words({tcp, tcp_size}, add_words(pseudo, 0))));

  from.next_sequence += static_cast<uint32_t>(payload.size());
  if (flags & (kSyn | kFin)) ++from.next_sequence;  // each takes one sequence number
  pcap_.write_packet({packet.data(), total});
}

}  // namespace shakedown::servers
