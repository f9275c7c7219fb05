// PcapWriter, TcpConversation and the key log: the file's bytes checked
// field by field (checksums recomputed here), then a real OpenSSL TLS 1.2 and
// TLS 1.3 exchange written with them and read back decrypted by tshark.
// The files stay in SHAKEDOWN_PCAP_TEST_OUT for a person to open.

#include <openssl/err.h>
#include <sys/wait.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "key_log.h"
#include "pcap_writer.h"
#include "pki.h"

namespace {

using namespace shakedown::servers;
namespace fs = std::filesystem;

const fs::path kOut = SHAKEDOWN_PCAP_TEST_OUT;

fs::path out_path(const std::string& name) {
  fs::create_directories(kOut);
  return kOut / name;
}

std::vector<uint8_t> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

uint32_t le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0] | p[1] << 8 | p[2] << 16) | static_cast<uint32_t>(p[3]) << 24;
}
uint16_t be16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
uint32_t be32(const uint8_t* p) {
  return static_cast<uint32_t>(be16(p)) << 16 | be16(p + 2);
}

// RFC 1071, written again here so the test does not trust the writer's copy:
// the complement of the folded one's complement sum of 16-bit words.
uint16_t checksum_of(std::vector<uint8_t> bytes) {
  if (bytes.size() % 2 != 0) bytes.push_back(0);
  uint64_t sum = 0;
  for (size_t i = 0; i < bytes.size(); i += 2) sum += be16(&bytes[i]);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xffff);
}

struct Record {
  uint32_t ts_sec = 0;
  uint32_t ts_usec = 0;
  std::vector<uint8_t> packet;
};

struct PcapFile {
  std::vector<uint8_t> header;
  std::vector<Record> records;
};

PcapFile parse_pcap(const std::vector<uint8_t>& file) {
  PcapFile out;
  REQUIRE(file.size() >= 24);
  out.header.assign(file.begin(), file.begin() + 24);
  size_t at = 24;
  while (at < file.size()) {
    REQUIRE(at + 16 <= file.size());
    const uint32_t included = le32(&file[at + 8]);
    REQUIRE(le32(&file[at + 12]) == included);  // nothing truncated
    REQUIRE(at + 16 + included <= file.size());
    Record r{le32(&file[at]), le32(&file[at + 4]), {}};
    r.packet.assign(file.begin() + static_cast<long>(at + 16), file.begin() + static_cast<long>(at + 16 + included));
    out.records.push_back(std::move(r));
    at += 16 + included;
  }
  return out;
}

struct Segment {
  uint16_t source_port = 0;
  uint16_t destination_port = 0;
  uint32_t sequence = 0;
  uint32_t acknowledgement = 0;
  uint8_t flags = 0;
  std::vector<uint8_t> options;
  std::vector<uint8_t> payload;
};

// Checks the IPv4 header (both checksums recomputed) and returns the TCP segment.
Segment parse_packet(const std::vector<uint8_t>& p) {
  REQUIRE(p.size() >= 40);
  CHECK(p[0] == 0x45);  // IPv4, 20-byte header
  CHECK(be16(&p[2]) == p.size());
  CHECK(be16(&p[6]) == 0x4000);  // don't fragment
  CHECK(p[8] == 64);
  CHECK(p[9] == 6);  // TCP
  CHECK(be32(&p[12]) == 0x7f000001);
  CHECK(be32(&p[16]) == 0x7f000001);
  std::vector<uint8_t> ip(p.begin(), p.begin() + 20);
  ip[10] = ip[11] = 0;
  CHECK(be16(&p[10]) == checksum_of(ip));

  std::vector<uint8_t> tcp(p.begin() + 20, p.end());
  std::vector<uint8_t> pseudo = {
      127, 0, 0, 1, 127, 0, 0, 1, 0, 6, static_cast<uint8_t>(tcp.size() >> 8), static_cast<uint8_t>(tcp.size())};
  const uint16_t stored = be16(&tcp[16]);
  tcp[16] = tcp[17] = 0;
  pseudo.insert(pseudo.end(), tcp.begin(), tcp.end());
  CHECK(stored == checksum_of(pseudo));

  const size_t header_size = (tcp[12] >> 4) * 4u;
  REQUIRE(header_size >= 20);
  REQUIRE(header_size <= tcp.size());
  CHECK(be16(&tcp[14]) == 0xffff);  // window
  return {be16(&tcp[0]),
          be16(&tcp[2]),
          be32(&tcp[4]),
          be32(&tcp[8]),
          tcp[13],
          {tcp.begin() + 20, tcp.begin() + static_cast<long>(header_size)},
          {tcp.begin() + static_cast<long>(header_size), tcp.end()}};
}

constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10;
constexpr uint32_t kC = TcpConversation::kClientInitialSequence;
constexpr uint32_t kS = TcpConversation::kServerInitialSequence;
constexpr uint16_t kClientPort = 51000, kServerPort = 45678;  // a port Wireshark knows no protocol for

// Test fake: starts just before a second boundary, 250 ms a reading.
struct FakeWallClock {
  std::chrono::system_clock::time_point now{std::chrono::seconds(1'700'000'000) + std::chrono::microseconds(900'000)};
  std::chrono::system_clock::time_point operator()() {
    auto t = now;
    now += std::chrono::milliseconds(250);
    return t;
  }
};

struct Expected {
  bool from_client;
  uint8_t flags;
  uint32_t sequence;
  uint32_t acknowledgement;
  size_t payload_size;
};

void check_segments(const PcapFile& pcap, const std::vector<Expected>& expected) {
  REQUIRE(pcap.records.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    INFO("packet " << i + 1);
    const Segment s = parse_packet(pcap.records[i].packet);
    const Expected& e = expected[i];
    CHECK(s.source_port == (e.from_client ? kClientPort : kServerPort));
    CHECK(s.destination_port == (e.from_client ? kServerPort : kClientPort));
    CHECK(int(s.flags) == int(e.flags));
    CHECK(s.sequence == e.sequence);
    CHECK(s.acknowledgement == e.acknowledgement);
    CHECK(s.payload.size() == e.payload_size);
    if (e.flags & kSyn) {
      // MSS 1460, no-op, window scale 7.
      CHECK(s.options == std::vector<uint8_t>{2, 4, 0x05, 0xb4, 1, 3, 3, 7});
    } else {
      CHECK(s.options.empty());
    }
  }
}

std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

TEST_CASE("a conversation is written as pcap records of IPv4/TCP packets with valid checksums") {
  const fs::path path = out_path("unit.pcap");
  FakeWallClock clock;
  PcapWriter pcap(path, std::ref(clock));
  TcpConversation tcp(pcap, kClientPort, kServerPort);
  std::vector<uint8_t> request(3000);
  for (size_t i = 0; i < request.size(); ++i) request[i] = static_cast<uint8_t>(i * 7);
  tcp.client_to_server(request);
  tcp.server_to_client(bytes_of("hello"));
  tcp.close(/*by_server=*/true);
  tcp.client_to_server(request);  // after the end: nothing
  REQUIRE(pcap.ok());

  // Read while the writer is still open: every packet must be flushed.
  const PcapFile file = parse_pcap(read_bytes(path));
  const std::vector<uint8_t> header = {0xd4, 0xc3, 0xb2, 0xa1, 2,    0,    4, 0, 0,   0, 0, 0,
                                       0,    0,    0,    0,    0xff, 0xff, 0, 0, 101, 0, 0, 0};
  CHECK(file.header == header);  // magic, version 2.4, zone 0, sigfigs 0, snaplen 65535, LINKTYPE_RAW

  check_segments(file, {
                           {true, kSyn, kC, 0, 0},
                           {false, kSyn | kAck, kS, kC + 1, 0},
                           {true, kAck, kC + 1, kS + 1, 0},
                           {true, kPsh | kAck, kC + 1, kS + 1, 1460},
                           {true, kPsh | kAck, kC + 1461, kS + 1, 1460},
                           {true, kPsh | kAck, kC + 2921, kS + 1, 80},
                           {false, kPsh | kAck, kS + 1, kC + 3001, 5},
                           {false, kFin | kAck, kS + 6, kC + 3001, 0},
                           {true, kFin | kAck, kC + 3001, kS + 7, 0},
                           {false, kAck, kS + 7, kC + 3002, 0},
                       });

  std::vector<uint8_t> carried;
  for (size_t i = 3; i < 6; ++i) {
    const Segment s = parse_packet(file.records[i].packet);
    carried.insert(carried.end(), s.payload.begin(), s.payload.end());
  }
  CHECK(carried == request);
  const Segment reply = parse_packet(file.records[6].packet);
  CHECK(std::string(reply.payload.begin(), reply.payload.end()) == "hello");

  // The fake clock's readings, one per packet, in seconds and microseconds.
  for (size_t i = 0; i < file.records.size(); ++i) {
    const uint64_t us = 1'700'000'000'900'000 + i * 250'000;
    CHECK(file.records[i].ts_sec == us / 1'000'000);
    CHECK(file.records[i].ts_usec == us % 1'000'000);
  }
}

TEST_CASE("a reset ends a conversation with one RST|ACK from the side that reset") {
  const bool by_server = GENERATE(true, false);
  const auto before = std::chrono::system_clock::now().time_since_epoch();
  const fs::path path = out_path(by_server ? "reset-by-server.pcap" : "reset-by-client.pcap");
  PcapWriter pcap(path);
  TcpConversation tcp(pcap, kClientPort, kServerPort);
  tcp.client_to_server(bytes_of("hello?"));
  tcp.reset(by_server);
  tcp.server_to_client(bytes_of("late"));
  tcp.close();
  REQUIRE(tcp.ended());
  REQUIRE(pcap.ok());

  const PcapFile file = parse_pcap(read_bytes(path));
  Expected rst =
      by_server ? Expected{false, kRst | kAck, kS + 1, kC + 7, 0} : Expected{true, kRst | kAck, kC + 7, kS + 1, 0};
  check_segments(file, {
                           {true, kSyn, kC, 0, 0},
                           {false, kSyn | kAck, kS, kC + 1, 0},
                           {true, kAck, kC + 1, kS + 1, 0},
                           {true, kPsh | kAck, kC + 1, kS + 1, 6},
                           rst,
                       });
  // The wall clock: microseconds, never going back.
  const auto after = std::chrono::system_clock::now().time_since_epoch();
  CHECK(file.records.front().ts_sec >= std::chrono::duration_cast<std::chrono::seconds>(before).count());
  for (size_t i = 1; i < file.records.size(); ++i) {
    const auto& a = file.records[i - 1];
    const auto& b = file.records[i];
    CHECK(b.ts_usec < 1'000'000);
    CHECK((b.ts_sec > a.ts_sec || (b.ts_sec == a.ts_sec && b.ts_usec >= a.ts_usec)));
  }
  CHECK(file.records.back().ts_sec <= std::chrono::duration_cast<std::chrono::seconds>(after).count());
}

TEST_CASE("a pcap file that cannot be written is reported by ok(), never thrown") {
  SECTION("open fails") {
    const fs::path path = out_path("no-such-dir") / "x.pcap";
    PcapWriter pcap(path);
    CHECK_FALSE(pcap.ok());
    CHECK(pcap.error() == path.string() + ": open: No such file or directory");
    TcpConversation tcp(pcap, kClientPort, kServerPort);
    tcp.client_to_server(bytes_of("hello"));
    tcp.reset(true);
    CHECK_FALSE(pcap.ok());
  }
  SECTION("writes fail") {
    REQUIRE(fs::exists("/dev/full"));
    PcapWriter pcap("/dev/full");
    CHECK_FALSE(pcap.ok());
    CHECK(pcap.error() == "/dev/full: flush: No space left on device");
    TcpConversation tcp(pcap, kClientPort, kServerPort);
    tcp.close();
    CHECK(pcap.error() == "/dev/full: flush: No space left on device");  // the first failure stays
  }
}

// ---- End to end: OpenSSL client and server over memory BIOs, through tshark.

namespace {

const fs::path kTshark = SHAKEDOWN_TSHARK;

struct Peer {
  SslPtr ssl;
  BIO* in = nullptr;  // owned by ssl
  BIO* out = nullptr;
};

Peer make_peer(SSL_CTX* ctx, bool server) {
  Peer p{SslPtr(SSL_new(ctx)), BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem())};
  REQUIRE(p.ssl);
  SSL_set_bio(p.ssl.get(), p.in, p.out);
  if (server) {
    SSL_set_accept_state(p.ssl.get());
  } else {
    SSL_set_connect_state(p.ssl.get());
    SSL_set_tlsext_host_name(p.ssl.get(), "pcap.test");
  }
  return p;
}

// Moves what `from` wrote to `to`, recording it as the wire would carry it.
void carry(Peer& from, Peer& to, TcpConversation& tcp, bool from_client) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(from.out, &data);
  if (n <= 0) return;
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(data), static_cast<size_t>(n));
  from_client ? tcp.client_to_server(bytes) : tcp.server_to_client(bytes);
  REQUIRE(BIO_write(to.in, data, static_cast<int>(n)) == n);
  (void)BIO_reset(from.out);
}

// Steps a handshake; true once it is done.
bool step(Peer& p) {
  ERR_clear_error();
  const int r = SSL_do_handshake(p.ssl.get());
  if (r == 1) return true;
  INFO(take_openssl_errors());
  REQUIRE(SSL_get_error(p.ssl.get(), r) == SSL_ERROR_WANT_READ);
  return false;
}

std::string read_all(Peer& p) {
  char buffer[256];
  const int n = SSL_read(p.ssl.get(), buffer, sizeof buffer);
  return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string();
}

struct Recorded {
  fs::path pcap;
  fs::path key_log;
  std::string key_log_text;
};

// A handshake at `version`, "ping" and "pong", then close_notify both ways
// (the client first), written as <name>.pcap and <name>.keys.
Recorded record_exchange(int version, const std::string& name) {
  ChainSpec spec;
  // Padding names grow the server's flight past one segment, so tshark must reassemble it.
  spec.certs = {CertSpec{.key = *KeySpec::parse("ec-p256")},
                CertSpec{.key = *KeySpec::parse("ec-p256"), .extra_sans = 100}};
  spec.hostname = "pcap.test";
  const Chain chain = issue_chain(spec, SHAKEDOWN_TEST_PKI_CACHE);

  SslCtxPtr server_ctx(SSL_CTX_new(TLS_server_method()));
  SslCtxPtr client_ctx(SSL_CTX_new(TLS_client_method()));
  REQUIRE((server_ctx && client_ctx));
  for (SSL_CTX* ctx : {server_ctx.get(), client_ctx.get()}) {
    SSL_CTX_set_min_proto_version(ctx, version);
    SSL_CTX_set_max_proto_version(ctx, version);
  }
  REQUIRE(SSL_CTX_use_certificate(server_ctx.get(), chain.leaf().cert.get()) == 1);
  REQUIRE(SSL_CTX_use_PrivateKey(server_ctx.get(), chain.leaf().key.get()) == 1);
  install_key_log(server_ctx.get());

  Recorded out{out_path(name + ".pcap"), out_path(name + ".keys"), {}};
  Peer client = make_peer(client_ctx.get(), false);
  Peer server = make_peer(server_ctx.get(), true);
  REQUIRE(attach_key_log(server.ssl.get(), &out.key_log_text));
  {
    PcapWriter pcap(out.pcap);
    TcpConversation tcp(pcap, kClientPort, kServerPort);
    bool client_done = false, server_done = false;
    for (int flights = 0; flights < 8 && !(client_done && server_done); ++flights) {
      client_done = client_done || step(client);
      carry(client, server, tcp, true);
      server_done = server_done || step(server);
      carry(server, client, tcp, false);
    }
    REQUIRE(client_done);
    REQUIRE(server_done);

    REQUIRE(SSL_write(client.ssl.get(), "ping", 4) == 4);
    carry(client, server, tcp, true);
    CHECK(read_all(server) == "ping");
    REQUIRE(SSL_write(server.ssl.get(), "pong", 4) == 4);
    carry(server, client, tcp, false);
    CHECK(read_all(client) == "pong");

    SSL_shutdown(client.ssl.get());
    carry(client, server, tcp, true);
    CHECK(read_all(server).empty());
    CHECK(SSL_get_shutdown(server.ssl.get()) & SSL_RECEIVED_SHUTDOWN);
    SSL_shutdown(server.ssl.get());
    carry(server, client, tcp, false);
    tcp.close(/*by_server=*/false);
    REQUIRE(pcap.ok());
  }
  std::ofstream(out.key_log) << out.key_log_text;
  return out;
}

// Fails (never skips) the test when tshark is missing.
void require_tshark() {
  if (!fs::exists(kTshark)) {
    const std::string found = kTshark.string();
    FAIL("tshark not found (CMake's find_program gave '"
         << found << "'): "
         << "install it (ci/setup does: apt-get install tshark), then re-run cmake");
  }
}

// Runs tshark on `pcap`, with the key log when given, as a person opening the
// file would: no "decode as", TLS is found by its heuristic on any port.
// Returns its standard output.
std::string tshark(const fs::path& pcap, const fs::path& key_log, const std::string& filter,
                   const std::string& field = "tls.handshake.type") {
  const fs::path errors = out_path("tshark.err");
  std::string command = "'" + kTshark.string() + "' -n -r '" + pcap.string() + "'";
  command += " -o 'tls.keylog_file:" + key_log.string() + "'";  // empty: none, whatever the user's preferences say
  command += " -Y '" + filter + "' -T fields -e " + field + " 2>'" + errors.string() + "'";
  std::FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[512];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = pclose(pipe);
  INFO(command);
  INFO("stderr: " << read_text(errors));
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  UNSCOPED_INFO("$ " << command << "\n" << output);
  return output;
}

// tshark prints a line per frame, a frame's handshake types comma-separated.
// How the flights fell into segments is not the point: one list, in order.
std::vector<int> handshake_types(const std::string& output) {
  std::vector<int> types;
  std::string token;
  for (char c : output + "\n") {
    if (c != ',' && c != '\n') {
      token += c;
    } else if (!token.empty()) {
      types.push_back(std::stoi(token));
      token.clear();
    }
  }
  return types;
}

}  // namespace

TEST_CASE("tshark decrypts a TLS 1.2 connection from its pcap and key log") {
  require_tshark();
  const Recorded r = record_exchange(TLS1_2_VERSION, "tls12");
  CHECK(r.key_log_text.rfind("CLIENT_RANDOM ", 0) == 0);

  // ClientHello; ServerHello, Certificate, ServerKeyExchange, ServerHelloDone;
  // ClientKeyExchange, Finished; NewSessionTicket, Finished.
  CHECK(handshake_types(tshark(r.pcap, r.key_log, "tls.handshake")) == std::vector{1, 2, 11, 12, 14, 16, 20, 4, 20});
  // Finished is encrypted: two frames with the key log, none without.
  const std::string finished = tshark(r.pcap, r.key_log, "tls.handshake.type == 20");
  CHECK(std::count(finished.begin(), finished.end(), '\n') == 2);
  CHECK(std::ranges::count(handshake_types(finished), 20) == 2);
  CHECK(tshark(r.pcap, {}, "tls.handshake.type == 20").empty());
  CHECK(handshake_types(tshark(r.pcap, {}, "tls.handshake")) == std::vector{1, 2, 11, 12, 14, 16, 4});
  // The application data, decrypted: "ping", "pong".
  CHECK(tshark(r.pcap, r.key_log, "data", "data.data") == "70696e67\n706f6e67\n");
}

TEST_CASE("tshark decrypts a TLS 1.3 connection from its pcap and key log") {
  require_tshark();
  const Recorded r = record_exchange(TLS1_3_VERSION, "tls13");
  CHECK(r.key_log_text.find("SERVER_HANDSHAKE_TRAFFIC_SECRET ") != std::string::npos);
  CHECK(r.key_log_text.find("CLIENT_TRAFFIC_SECRET_0 ") != std::string::npos);

  // ClientHello; ServerHello, EncryptedExtensions, Certificate,
  // CertificateVerify, Finished; Finished; two NewSessionTickets.
  CHECK(handshake_types(tshark(r.pcap, r.key_log, "tls.handshake")) == std::vector{1, 2, 8, 11, 15, 20, 20, 4, 4});
  const std::string finished = tshark(r.pcap, r.key_log, "tls.handshake.type == 20");
  CHECK(std::count(finished.begin(), finished.end(), '\n') == 2);
  CHECK(std::ranges::count(handshake_types(finished), 20) == 2);
  // Without the key log, everything after ServerHello is encrypted.
  CHECK(handshake_types(tshark(r.pcap, {}, "tls.handshake")) == std::vector{1, 2});
  CHECK(tshark(r.pcap, r.key_log, "data", "data.data") == "70696e67\n706f6e67\n");
}
