#include "server_probe.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <memory>

#include "chain_anchor.h"
#include "shakedown/tls/alert.h"
#include "shakedown/tls/version.h"

namespace shakedown::probe {
namespace {

// What one ClientHello offers; the defaults offer everything OpenSSL has.
struct Offer {
  int min_version = TLS1_VERSION;
  int max_version = TLS1_3_VERSION;
  std::string cipher_list = "ALL:COMPLEMENTOFALL:@SECLEVEL=0";  // up to TLS 1.2
  std::string ciphersuites;                                     // TLS 1.3; empty: OpenSSL's
  std::string groups;                                           // empty: OpenSSL's
  std::string sigalgs;                                          // empty: OpenSSL's
  bool sni = true;
  bool ask_mfl_512 = false;
};

// What one handshake showed.
struct Attempt {
  bool ok = false;
  Refusal refusal;
  int alert_received = -1;
  std::string version;
  uint16_t suite = 0;
  std::string group;
  std::vector<CertificateSeen> chain;
  // With a CA file: the chain as sent, kept to check its anchor once, for the
  // handshake whose chain the result takes.
  std::shared_ptr<STACK_OF(X509)> peer_chain;
  bool certificate_requested = false, ticket = false;
  std::vector<std::string> client_ca_names;  // the CertificateRequest's, as it named them
  int server_hellos = 0;
  size_t largest_record = 0, largest_handshake_message = 0;
  bool mfl_honoured = false;
};

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Connected within `timeout`, with reads and writes bounded by it too.
Refusal connect_bounded(const ProbeOptions& o, Fd& socket) {
  socket.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(o.port);
  if (socket.fd < 0 || ::inet_pton(AF_INET, o.address.c_str(), &addr.sin_addr) != 1) {
    return {Refusal::Kind::kNoConnection, -1, "no socket, or not an IPv4 address"};
  }
  if (::connect(socket.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    pollfd p{socket.fd, POLLOUT, 0};
    int error = 0;
    socklen_t size = sizeof error;
    if (errno != EINPROGRESS) return {Refusal::Kind::kNoConnection, -1, std::strerror(errno)};
    if (::poll(&p, 1, static_cast<int>(o.timeout.count())) != 1) return {Refusal::Kind::kTimeout, -1, "connect"};
    if (::getsockopt(socket.fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0 || error != 0) {
      return {Refusal::Kind::kNoConnection, -1, std::strerror(error)};
    }
  }
  ::fcntl(socket.fd, F_SETFL, ::fcntl(socket.fd, F_GETFL) & ~O_NONBLOCK);
  timeval tv{static_cast<time_t>(o.timeout.count() / 1000), static_cast<suseconds_t>(o.timeout.count() % 1000 * 1000)};
  ::setsockopt(socket.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(socket.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return {};
}

std::string bio_text(const std::function<void(BIO*)>& print) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  print(bio.get());
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : "";
}

CertificateSeen certificate_seen(X509* cert) {
  CertificateSeen c;
  c.subject = bio_text([&](BIO* b) { X509_NAME_print_ex(b, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253); });
  c.issuer = bio_text([&](BIO* b) { X509_NAME_print_ex(b, X509_get_issuer_name(cert), 0, XN_FLAG_RFC2253); });
  if (EVP_PKEY* key = X509_get0_pubkey(cert)) {
    char group[64] = {};
    size_t group_size = 0;
    const bool ec = EVP_PKEY_get_group_name(key, group, sizeof group, &group_size) == 1;
    c.key = ec ? fmt::format("EC {}", group)
               : fmt::format("{} {}", OBJ_nid2sn(EVP_PKEY_get_base_id(key)), EVP_PKEY_get_bits(key));
  }
  c.signature = OBJ_nid2ln(X509_get_signature_nid(cert));
  c.not_after = bio_text([&](BIO* b) { ASN1_TIME_print(b, X509_get0_notAfter(cert)); });
  int days = 0, seconds = 0;
  if (ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(cert), nullptr) == 1) c.days_since_start = days;
  if (ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(cert)) == 1) c.days_left = days;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_DNS) {
      const ASN1_IA5STRING* dns = name->d.dNSName;
      c.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                               static_cast<size_t>(ASN1_STRING_length(dns)));
    }
  }
  GENERAL_NAMES_free(names);
  return c;
}

void on_message(int write_p, int, int content_type, const void* buf, size_t len, SSL*, void* arg) {
  auto& a = *static_cast<Attempt*>(arg);
  const auto* bytes = static_cast<const unsigned char*>(buf);
  if (write_p != 0) return;
  if (content_type == SSL3_RT_HEADER && len >= 5) {
    a.largest_record = std::max(a.largest_record, static_cast<size_t>(bytes[3] << 8 | bytes[4]));
  } else if (content_type == SSL3_RT_HANDSHAKE && len >= 4) {
    a.largest_handshake_message = std::max(a.largest_handshake_message, len);
    if (bytes[0] == SSL3_MT_CERTIFICATE_REQUEST) a.certificate_requested = true;
    if (bytes[0] == SSL3_MT_NEWSESSION_TICKET) a.ticket = true;
    if (bytes[0] == SSL3_MT_SERVER_HELLO) ++a.server_hellos;
  }
}

void on_info(const SSL* ssl, int where, int ret) {
  if ((where & SSL_CB_READ_ALERT) != 0) static_cast<Attempt*>(SSL_get_app_data(ssl))->alert_received = ret & 0xff;
}

// How the handshake ended, in the server's terms.
Refusal refusal_of(SSL* ssl, int ret, int saved_errno, const Attempt& a) {
  if (a.alert_received >= 0) return {Refusal::Kind::kAlert, a.alert_received, ""};
  const int error = SSL_get_error(ssl, ret);
  const unsigned long queued = ERR_peek_error();
  if (saved_errno == ECONNRESET || saved_errno == EPIPE) return {Refusal::Kind::kReset, -1, ""};
  if (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK) return {Refusal::Kind::kTimeout, -1, "handshake"};
  if (error == SSL_ERROR_ZERO_RETURN || (error == SSL_ERROR_SYSCALL && queued == 0) ||
      ERR_GET_REASON(queued) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
    return {Refusal::Kind::kClose, -1, ""};
  }
  char text[256] = {};
  ERR_error_string_n(queued, text, sizeof text);
  return {Refusal::Kind::kOther, -1, text};
}

Attempt handshake(const ProbeOptions& o, const Offer& offer) {
  Attempt a;
  Fd socket;
  if (Refusal r = connect_bounded(o, socket); r.kind != Refusal::Kind::kNone) {
    a.refusal = r;
    return a;
  }
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  SSL_CTX_set_security_level(ctx.get(), 0);  // legacy versions and suites are probed too
  SSL_CTX_set_min_proto_version(ctx.get(), offer.min_version);
  SSL_CTX_set_max_proto_version(ctx.get(), offer.max_version);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);  // the chain is read, not judged
  const bool set =
      SSL_CTX_set_cipher_list(ctx.get(), offer.cipher_list.c_str()) == 1 &&
      (offer.ciphersuites.empty() || SSL_CTX_set_ciphersuites(ctx.get(), offer.ciphersuites.c_str()) == 1) &&
      (offer.groups.empty() || SSL_CTX_set1_groups_list(ctx.get(), offer.groups.c_str()) == 1) &&
      (offer.sigalgs.empty() || SSL_CTX_set1_sigalgs_list(ctx.get(), offer.sigalgs.c_str()) == 1);
  if (!set) {
    ERR_clear_error();
    a.refusal = {Refusal::Kind::kOther, -1, "OpenSSL cannot offer this"};
    return a;
  }
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  SSL_set_fd(ssl.get(), socket.fd);
  SSL_set_app_data(ssl.get(), &a);
  SSL_set_info_callback(ssl.get(), on_info);
  SSL_set_msg_callback(ssl.get(), on_message);
  SSL_set_msg_callback_arg(ssl.get(), &a);
  if (offer.sni && !o.servername.empty()) SSL_set_tlsext_host_name(ssl.get(), o.servername.c_str());
  if (offer.ask_mfl_512) SSL_set_tlsext_max_fragment_length(ssl.get(), TLSEXT_max_fragment_length_512);
  errno = 0;
  const int ret = SSL_connect(ssl.get());
  const int saved_errno = errno;
  if (ret == 1) {
    a.ok = true;
    a.version = SSL_get_version(ssl.get());
    a.suite = static_cast<uint16_t>(SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(ssl.get())));
    if (const long nid = SSL_get_negotiated_group(ssl.get()); nid != 0) {
      const char* name = SSL_group_to_name(ssl.get(), static_cast<int>(nid));
      a.group = name != nullptr ? name : "";
    }
    if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl.get())) {
      for (int i = 0; i < sk_X509_num(chain); ++i) a.chain.push_back(certificate_seen(sk_X509_value(chain, i)));
      if (!o.ca_file.empty()) {
        a.peer_chain.reset(X509_chain_up_ref(chain), [](STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); });
      }
    }
    // On a client, the CA names the server's CertificateRequest carried.
    if (const STACK_OF(X509_NAME)* names = SSL_get_client_CA_list(ssl.get())) {
      for (int i = 0; i < sk_X509_NAME_num(names); ++i) {
        a.client_ca_names.push_back(
            bio_text([&](BIO* b) { X509_NAME_print_ex(b, sk_X509_NAME_value(names, i), 0, XN_FLAG_RFC2253); }));
      }
    }
    a.mfl_honoured = SSL_SESSION_get_max_fragment_length(SSL_get_session(ssl.get())) == TLSEXT_max_fragment_length_512;
    SSL_shutdown(ssl.get());  // our close_notify; the server's is not awaited
  } else {
    a.refusal = refusal_of(ssl.get(), ret, saved_errno, a);
  }
  ERR_clear_error();
  return a;
}

// The version OpenSSL calls `name` ("TLSv1.2"), as its version constants
// number it (the wire id: TLS1_2_VERSION is 0x0303).
int openssl_version(const std::string& name) {
  const auto v = tls::parse_version(name);
  return v ? tls::wire_id(*v) : 0;
}
constexpr std::array<const char*, 5> kTls13Suites = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                                                     "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_CCM_SHA256",
                                                     "TLS_AES_128_CCM_8_SHA256"};
constexpr std::array<const char*, 8> kGroups = {"X25519", "P-256",     "P-384",     "P-521",
                                                "X448",   "ffdhe2048", "ffdhe3072", "ffdhe4096"};
constexpr std::array<const char*, 12> kSchemes = {"ECDSA+SHA256",   "ECDSA+SHA384",   "ECDSA+SHA512", "RSA-PSS+SHA256",
                                                  "RSA-PSS+SHA384", "RSA-PSS+SHA512", "RSA+SHA256",   "RSA+SHA384",
                                                  "RSA+SHA512",     "ed25519",        "ECDSA+SHA1",   "RSA+SHA1"};

std::string joined(const std::vector<std::string>& names, std::string_view separator) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : std::string(separator)) + n;
  return out;
}

// A suite the prober can offer: OpenSSL's name for it, and its IANA id.
struct Candidate {
  std::string name;
  uint16_t id = 0;
};

// Every suite OpenSSL can offer at `version`, TLS 1.3's among them only at 1.3.
std::vector<Candidate> offerable_suites(int version) {
  std::vector<Candidate> out;
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  SSL_CTX_set_security_level(ctx.get(), 0);
  SSL_CTX_set_min_proto_version(ctx.get(), version);
  SSL_CTX_set_max_proto_version(ctx.get(), version);
  SSL_CTX_set_cipher_list(ctx.get(), "ALL:COMPLEMENTOFALL:@SECLEVEL=0");
  SSL_CTX_set_ciphersuites(ctx.get(), joined({kTls13Suites.begin(), kTls13Suites.end()}, ":").c_str());
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  STACK_OF(SSL_CIPHER)* ciphers = SSL_get1_supported_ciphers(ssl.get());
  const bool tls13 = version == TLS1_3_VERSION;
  for (int i = 0; ciphers != nullptr && i < sk_SSL_CIPHER_num(ciphers); ++i) {
    const SSL_CIPHER* c = sk_SSL_CIPHER_value(ciphers, i);
    // The list is the version range's already, but for TLS 1.3's suites, which are set apart.
    if ((std::string_view(SSL_CIPHER_get_version(c)) == "TLSv1.3") == tls13) {
      out.push_back({SSL_CIPHER_get_name(c), static_cast<uint16_t>(SSL_CIPHER_get_protocol_id(c))});
    }
  }
  sk_SSL_CIPHER_free(ciphers);
  return out;
}

// The handshakes of one probe, within its bounds; the facts every
// successful one shows are gathered as they come.
class Prober {
 public:
  Prober(const ProbeOptions& o, ProbeResult& r) : o_(o), r_(r) {}

  // Nullopt once the bound or a stop ends the probe.
  std::optional<Attempt> attempt(const Offer& offer, const std::string& step) {
    if (r_.handshakes >= o_.max_handshakes || o_.stop.stop_requested()) {
      r_.stopped = true;
      return std::nullopt;
    }
    ++r_.handshakes;
    if (o_.progress) o_.progress(r_.handshakes, step);
    Attempt a = handshake(o_, offer);
    if (a.ok) {
      r_.certificate_requested |= a.certificate_requested;
      if (r_.client_ca_names.empty()) r_.client_ca_names = a.client_ca_names;
      r_.session_ticket |= a.ticket;
      r_.hello_retry_request |= a.server_hellos > 1;
      r_.largest_record = std::max(r_.largest_record, a.largest_record);
      r_.largest_handshake_message = std::max(r_.largest_handshake_message, a.largest_handshake_message);
    }
    return a;
  }

 private:
  const ProbeOptions& o_;
  ProbeResult& r_;
};

// The suites `version` accepts, in the order the server picks them: offer
// all, take its choice away, offer the rest, until it refuses. The last
// refusal is how it refuses suites it does not accept.
bool probe_suites(Prober& p, int version, VersionSeen& seen, Refusal& refusal) {
  const bool tls13 = version == TLS1_3_VERSION;
  std::vector<Candidate> left = offerable_suites(version);
  std::vector<std::string> chosen_names;
  Offer offer;
  offer.min_version = offer.max_version = version;
  const auto offer_only = [&](const std::vector<std::string>& names) {
    (tls13 ? offer.ciphersuites : offer.cipher_list) = joined(names, ":") + (tls13 ? "" : ":@SECLEVEL=0");
  };
  while (!left.empty()) {
    std::vector<std::string> names;
    for (const auto& c : left) names.push_back(c.name);
    offer_only(names);
    auto a = p.attempt(offer, fmt::format("{} suites", seen.version));
    if (!a) return false;
    if (!a->ok) {
      refusal = a->refusal;
      break;
    }
    seen.suites.push_back(a->suite);
    const auto match = std::find_if(left.begin(), left.end(), [&](const Candidate& c) { return c.id == a->suite; });
    if (match == left.end()) break;  // it chose what was not offered: stop rather than loop
    chosen_names.push_back(match->name);
    left.erase(match);
  }
  // Its own order, or the client's: offer its first two the other way round.
  if (chosen_names.size() >= 2) {
    offer_only({chosen_names[1], chosen_names[0]});
    auto a = p.attempt(offer, fmt::format("{} suite order", seen.version));
    if (!a) return false;
    seen.server_order = !(a->ok && a->suite == seen.suites[1]);
  }
  return true;
}

}  // namespace

std::string describe(const Refusal& refusal) {
  switch (refusal.kind) {
    case Refusal::Kind::kNone: return "no refusal";
    case Refusal::Kind::kAlert:
      return fmt::format("alert {} ({})", refusal.alert, tls::alert_name(static_cast<uint8_t>(refusal.alert)));
    case Refusal::Kind::kClose: return "a close without an alert";
    case Refusal::Kind::kReset: return "a TCP reset";
    case Refusal::Kind::kTimeout: return fmt::format("no answer in time ({})", refusal.detail);
    case Refusal::Kind::kNoConnection: return fmt::format("no TCP connection ({})", refusal.detail);
    case Refusal::Kind::kOther: return refusal.detail;
  }
  return "?";
}

ProbeResult probe_server(const ProbeOptions& o) {
  ProbeResult r;
  r.server = fmt::format("{}:{}", o.address, o.port);
  Prober p(o, r);
  // A default ClientHello: can it be reached at all, and what chain does it send?
  auto first = p.attempt(Offer{}, "first contact");
  if (!first) return r;
  r.reachable = first->ok;
  // The chain of the first handshake that completes, and whether the CA file anchors it.
  auto take_chain = [&r, &o](const Attempt& a) {
    r.chain = a.chain;
    if (!a.peer_chain) return;
    r.unanchored_because = unanchored_because(o.ca_file, a.peer_chain.get());
    r.anchored = r.unanchored_because.empty();
  };
  if (first->ok) {
    take_chain(*first);
  } else {
    r.first_contact = first->refusal;
    if (first->refusal.kind == Refusal::Kind::kNoConnection || first->refusal.kind == Refusal::Kind::kTimeout) {
      r.unseen.push_back("everything: no TLS server answered there");
      return r;
    }
  }
  // Versions, one at a time; then each accepted version's suites.
  int best = 0;
  for (const tls::Version v : tls::all_versions()) {
    const int version = tls::wire_id(v);
    const std::string name(tls::openssl_name(v));
    Offer offer;
    offer.min_version = offer.max_version = version;
    auto a = p.attempt(offer, fmt::format("{}", name));
    if (!a) return r;
    VersionSeen seen{name, a->ok, a->ok ? Refusal{} : a->refusal, {}, std::nullopt};
    if (a->ok) {
      best = version;
      if (r.chain.empty()) take_chain(*a);
    }
    r.versions.push_back(seen);
  }
  for (auto& seen : r.versions) {
    if (!seen.accepted) continue;
    const int version = openssl_version(seen.version);
    Refusal refusal;
    if (!probe_suites(p, version, seen, refusal)) return r;
    if (version != TLS1_3_VERSION && refusal.kind != Refusal::Kind::kNone) r.suite_refusal = refusal;
  }
  if (best == 0) return r;
  // Groups and signature schemes, one at a time, at TLS 1.2 and at TLS 1.3
  // where each is accepted (TLS 1.3 signs only with RSA-PSS, say, where
  // TLS 1.2 takes PKCS#1 too): what either accepts.
  for (const auto& seen : r.versions) {
    const int version = openssl_version(seen.version);
    if (!seen.accepted || version < TLS1_2_VERSION) continue;
    for (const char* group : kGroups) {
      if (std::find(r.groups.begin(), r.groups.end(), group) != r.groups.end()) continue;
      // In TLS 1.2 a group is an ECDHE suite's curve: only those suites are
      // offered, or the server would settle on another key exchange.
      const bool tls12 = version == TLS1_2_VERSION;
      if (tls12 && std::string_view(group).starts_with("ffdhe")) continue;
      Offer offer;
      offer.min_version = offer.max_version = version;
      offer.groups = group;
      if (tls12) offer.cipher_list = "ECDHE:@SECLEVEL=0";
      auto a = p.attempt(offer, fmt::format("{} group {}", seen.version, group));
      if (!a) return r;
      if (a->ok) r.groups.emplace_back(group);
    }
    for (const char* scheme : kSchemes) {
      if (std::find(r.signature_schemes.begin(), r.signature_schemes.end(), scheme) != r.signature_schemes.end()) {
        continue;
      }
      Offer offer;
      offer.min_version = offer.max_version = version;
      offer.sigalgs = scheme;
      auto a = p.attempt(offer, fmt::format("{} signature scheme {}", seen.version, scheme));
      if (!a) return r;
      if (a->ok) r.signature_schemes.emplace_back(scheme);
    }
  }
  // Without SNI; asking for 512-byte records.
  if (!o.servername.empty()) {
    Offer offer;
    offer.sni = false;
    auto a = p.attempt(offer, "without SNI");
    if (!a) return r;
    r.sni_required = !a->ok;
    if (!a->ok) r.without_sni = a->refusal;
  } else {
    r.unseen.push_back("whether it needs SNI: no --servername given");
  }
  Offer mfl;
  mfl.ask_mfl_512 = true;
  auto a = p.attempt(mfl, "max fragment length");
  if (!a) return r;
  if (a->ok) r.max_fragment_length = a->mfl_honoured;
  if (best == TLS1_3_VERSION) r.unseen.push_back("TLS 1.3 session tickets: they come after the handshake, not read");
  return r;
}

}  // namespace shakedown::probe
