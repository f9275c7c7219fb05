#include "bare_codes.h"

#include <array>

namespace shakedown::explain {
namespace {

using diagnosis::FindingId;

// Shared wordings: the server's refusal of the device's offer, the same
// whichever way the server says no (a reset, a close, an alert).
constexpr std::string_view kOfferRefused =
    "The server refused what the device offers: no cipher suite, TLS version or curve in common, or a server name "
    "(SNI) it needs and did not get";
constexpr std::string_view kOfferRefusedShows =
    "a debug log (level 2 or more) shows the device's offer (\"add ciphersuite\" lines) followed by the failure; "
    "`openssl s_client` with the same suites fails the same way";
constexpr std::string_view kDebugNext = kTurnOnDebugOutput;
constexpr std::string_view kNotTls =
    "The port does not speak TLS at all (plain MQTT on 1883, HTTP on 80, a proxy): its first bytes are not a TLS "
    "record, or it closes on the device's";
constexpr std::string_view kNotTlsShows =
    "`openssl s_client -connect HOST:PORT` gets no certificate from that port, and the port is the service's plain "
    "one";

constexpr std::array kRecordInvalid = {
    CodeCause{"A record from the server is larger than the device's input buffer (MBEDTLS_SSL_IN_CONTENT_LEN): a long "
              "certificate chain; raise it to 16384",
              FindingId::kRecordTooLargeForInputBuffer,
              "a debug log shows an input record longer than the buffer (\"requesting more data than fits\", "
              "\"bad message length\")"},
    CodeCause{kNotTls, std::nullopt, "the first input record's type is not 20-23 (e.g. 72, 'H' of \"HTTP\")",
              Cue::kPlainPort},
    CodeCause{"The device asked for a smaller maximum fragment length and the server ignored it",
              FindingId::kMaxFragmentLengthNotHonoured,
              "the device's offer carries max_fragment_length and the server's records are longer"},
};
constexpr std::array kConnEof = {
    CodeCause{"The server rejected the device's client certificate, or wanted one it did not send (mutual TLS: AWS "
              "IoT, Azure, a broker with require_certificate)",
              FindingId::kClientCertificateRequired,
              "a debug log shows the server's CertificateRequest, then the close after the device's certificate"},
    CodeCause{kOfferRefused, FindingId::kNoSharedCiphersuite, kOfferRefusedShows},
    CodeCause{"The server closed a connection that took too long (a slow RSA or DH computation on the device, or the "
              "server's own idle timeout)",
              std::nullopt, "timestamps show seconds between the device's last message and the close"},
    CodeCause{"The server closed the session after it was set up (it rejected the device's certificate, or it ended "
              "the session in order)",
              std::nullopt, "the log shows the handshake completed (\"<= handshake\" then reads) before the close"},
    CodeCause{kNotTls, std::nullopt, kNotTlsShows, Cue::kPlainPort},
};
constexpr std::array kConnReset = {
    CodeCause{kOfferRefused, FindingId::kNoSharedCiphersuite, kOfferRefusedShows},
    CodeCause{"Something on the path resets TLS to that address and port: a firewall, a proxy, a load balancer, or "
              "nothing listening",
              std::nullopt, "`openssl s_client -connect HOST:PORT` from another machine fails the same way"},
    CodeCause{"The server reset a handshake that took too long", std::nullopt,
              "timestamps show seconds between the device's last message and the reset"},
    CodeCause{kNotTls, std::nullopt, kNotTlsShows, Cue::kPlainPort},
};
constexpr std::array kSendFailed = {
    CodeCause{"The network stack could not send: the link or the route went away, or its buffers ran out (lwIP: "
              "pbufs, the TCP send buffer)",
              std::nullopt, "the socket layer's errno or lwIP's err_t at that moment"},
    CodeCause{"The server had already reset the connection and the port's send callback reports that as a failure",
              std::nullopt, "a reset (RST) from the server in a capture, or an earlier receive failure"},
};
constexpr std::array kTimeout = {
    CodeCause{"The server did not answer within the device's read timeout: a wrong port, a firewall dropping packets, "
              "or a server that waits for something (SNI, a client certificate)",
              FindingId::kHandshakeTimeout,
              "a debug log shows the device's message sent and nothing received after it"},
    CodeCause{"The link or the device is slower than the timeout allows: a cellular or GPRS modem, a lossy network, "
              "or a 4096-bit RSA or DH computation on a microcontroller",
              std::nullopt, "raising mbedtls_ssl_conf_read_timeout makes it pass"},
};
constexpr std::array kAlert = {
    CodeCause{kOfferRefused, FindingId::kNoSharedCiphersuite,
              "the alert is 40 (handshake_failure); a debug log at level 2 prints it as \"got an alert message, "
              "type: [2:40]\""},
    CodeCause{"The server rejected the device's client certificate, or needs one it did not get",
              FindingId::kClientCertificateRequired, "the alert is 42, 46, 48 or 116"},
    CodeCause{"No TLS version in common", FindingId::kProtocolVersionMismatch, "the alert is 70 (protocol_version)"},
};
constexpr std::array kAlertHandshakeFailure = {
    CodeCause{kOfferRefused, FindingId::kNoSharedCiphersuite, kOfferRefusedShows},
    CodeCause{"The server needs a client certificate the device did not send (older servers answer 40, not 116)",
              FindingId::kClientCertificateRequired, "the server's CertificateRequest in a debug log"},
};
constexpr std::array kAlertCertificate = {
    CodeCause{"The server rejected the device's client certificate: not signed by a CA it trusts, expired, or the "
              "wrong key usage",
              FindingId::kClientCertificateRequired, "the server's own log, or its list of accepted CAs"},
    CodeCause{"The device sent no certificate and the server requires one", FindingId::kClientCertificateRequired,
              "a debug log shows an empty Certificate sent"},
};
constexpr std::array kAlertProtocolVersion = {
    CodeCause{"No TLS version in common: the server wants one the build leaves out (TLS 1.3 only, or 1.2 only)",
              FindingId::kProtocolVersionMismatch, "`openssl s_client -tls1_2` and `-tls1_3` against the server"},
};
constexpr std::array kAlertInternalError = {
    CodeCause{"The server failed on its side (its own error, often a key or certificate it cannot use with what the "
              "device offers)",
              std::nullopt, "the server's own log"},
};
constexpr std::array kAlertUnrecognizedName = {
    CodeCause{"The server does not know the name the device sent as SNI, or needs one and got none",
              FindingId::kSniRequired,
              "the hostname the device sets with mbedtls_ssl_set_hostname against the server's names"},
};
constexpr std::array kAlertCertificateRequired = {
    CodeCause{"The server requires a client certificate and the device sent none (TLS 1.3)",
              FindingId::kClientCertificateRequired, "a debug log shows an empty Certificate sent"},
};
constexpr std::array kVerifyFailed = {
    CodeCause{"The server's chain does not lead to a CA the device trusts: the wrong root or a missing intermediate "
              "in the device's CA list",
              FindingId::kUntrustedCa,
              "the verify flags include NOT_TRUSTED (\"not correctly signed by the trusted CA\")"},
    CodeCause{"The device's clock is not set (1970), so every certificate looks not yet valid",
              FindingId::kCertNotYetValidClockUnset,
              "the verify flags include FUTURE (\"validity starts in the future\") and the clock reads 1970",
              Cue::kClockIn1970},
    CodeCause{"The name the device checks is not in the server's certificate (an IP address, a different name)",
              FindingId::kHostnameMismatch, "the verify flags include CN_MISMATCH", Cue::kServerAddress},
    CodeCause{"The server's chain is signed with a hash the build leaves out (SHA-1 with MBEDTLS_SHA1_C off)",
              FindingId::kServerCertSignatureHashRejected,
              "the verify flags include BAD_MD (\"signed using an unacceptable hash\")"},
    CodeCause{"A certificate has expired", FindingId::kCertExpired, "the verify flags include EXPIRED"},
};
constexpr std::array kX509Fatal = {
    CodeCause{"The application's verify callback failed the chain: with ESP-IDF's certificate bundle, no root in the "
              "bundle signs the server's chain",
              FindingId::kUntrustedCa,
              "the callback's own line (\"No matching trusted root certificate found\", \"Failed to verify "
              "certificate\")"},
    CodeCause{"The server's chain is longer than the build allows (MBEDTLS_X509_MAX_INTERMEDIATE_CA)", std::nullopt,
              "a debug log lists more peer certificates than that limit"},
};
constexpr std::array kUnknownSigAlg = {
    CodeCause{"A certificate is signed with a hash the build leaves out: most often a SHA-1 root with MBEDTLS_SHA1_C "
              "off, or SHA-384/512 with them off",
              FindingId::kCaSignatureHashDisabled,
              "the call that failed: parsing the device's CA list (mbedtls_x509_crt_parse) points at the CA, the "
              "handshake at the server's chain"},
    CodeCause{"A certificate is signed with a key type the build leaves out: an RSA-signed root in an ECDSA-only "
              "build (MBEDTLS_RSA_C off), as ECDSA certificates from public CAs often chain to one",
              FindingId::kCaSignatureKeyTypeDisabled,
              "the certificate's signature algorithm (`openssl x509 -noout -text`): sha256WithRSAEncryption with "
              "SHA-256 on points here"},
    CodeCause{
        "A certificate uses a signature algorithm the build lacks (RSASSA-PSS without MBEDTLS_X509_RSASSA_PSS_SUPPORT)",
        std::nullopt, "the certificate's signature algorithm (`openssl x509 -text`)"},
};
constexpr std::array kInvalidPubkey = {
    CodeCause{"An RSA key larger than MBEDTLS_MPI_MAX_SIZE (e.g. 4096 bits against a 256-byte limit)",
              FindingId::kRsaKeyTooLargeForMpi, "the certificate's key size (`openssl x509 -text`)"},
    CodeCause{"An EC key on a curve the build leaves out (MBEDTLS_ECP_DP_SECP384R1_ENABLED ...)",
              FindingId::kServerKeyTypeDisabled, "the certificate's curve"},
    CodeCause{"The heap ran out while the key was read (Mbed TLS reports it as an invalid key)",
              FindingId::kHeapExhausted, "the free heap printed before the handshake; a build with more heap passes"},
};
constexpr std::array kUnknownPkAlg = {
    CodeCause{"A key the library cannot read at all: Ed25519, an RSASSA-PSS key (rsassaPss), or a malformed key file",
              std::nullopt, "which key: the device's own, or one in a certificate (`openssl x509 -text`)"},
    CodeCause{"A key type the build leaves out: ECDSA (MBEDTLS_ECDSA_C, MBEDTLS_ECP_C) or RSA (MBEDTLS_RSA_C)",
              FindingId::kServerKeyTypeDisabled, "the certificate's key type (`openssl x509 -text`)"},
};
constexpr std::array kInternalError = {
    CodeCause{"Mbed TLS 3.x's PSA crypto was not started (psa_crypto_init) or ran out of key slots or heap",
              std::nullopt, "a debug log shows the PSA call that failed"},
    CodeCause{"An inconsistent configuration (a suite enabled whose pieces are not)", std::nullopt,
              "the config's check_config errors, or the debug log's last lines"},
};
constexpr std::array kIllegalParameter = {
    CodeCause{"A message from the server carries a value the device rejects: a group or key share it did not offer, a "
              "malformed extension, or a middlebox that rewrites the handshake",
              std::nullopt, "a debug log at level 4 shows the message and the field"},
    CodeCause{"On Mbed TLS 2.x this code is INVALID_VERIFY_HASH: a signature hash the device does not accept",
              FindingId::kNoSharedSignatureAlgorithm, "the line printing the code names the 2.x line"},
};
constexpr std::array kFeatureUnavailable = {
    CodeCause{"The server split a handshake message (its certificate chain) over several records, which Mbed TLS "
              "before 3.6 cannot reassemble",
              FindingId::kHandshakeMessageFragmented,
              "a debug log prints \"TLS handshake fragmentation not supported\""},
    CodeCause{"The server chose something the build leaves out (a TLS version, renegotiation, a key exchange)",
              std::nullopt, "a debug log shows what the server chose"},
};
constexpr std::array kAllocFailed = {
    CodeCause{"Mbed TLS's heap is too small: two record buffers of MBEDTLS_SSL_IN_CONTENT_LEN and OUT_CONTENT_LEN "
              "(16 KB each by default) plus the certificates; shrink the buffers or give it more heap",
              FindingId::kHeapExhausted, "the heap's free bytes printed before the handshake"},
    CodeCause{"The heap is fragmented or leaking across reconnects (a context not freed after a failed attempt)",
              std::nullopt, "the free heap shrinking from one attempt to the next"},
};

constexpr std::array kRows = {
    BareCode{0x7200, 0, kRecordInvalid, kDebugNext,
             "threads that settled it: espressif/ESP8266_RTOS_SDK#461 and #93, SuperHouse/esp-open-rtos#729 (the "
             "input buffer); 78/xiaozhi-esp32#7 (TLS to a plain ws:// server); Mbed-TLS/mbedtls#1659 (a peer that "
             "ignores max_fragment_length)"},
    BareCode{0x7280, 0, kConnEof, kDebugNext,
             "threads that settled it: espressif/esp-idf#2907 and #5374 (the client certificate); "
             "loboris/ESP32-PPPOS-EXAMPLE#2 (a weak GPRS link); shakedown's scenarios for servers that close on a "
             "refused offer"},
    BareCode{
        0x0050, 0, kConnReset,
        "From a PC, `openssl s_client -connect HOST:PORT -servername NAME`: it connects if the path is fine, "
        "then add the device's suites with -cipher; and turn on the device's Mbed TLS debug output at level 3",
        "the field report behind shakedown (a suite mismatch answered by a reset); zephyrproject-rtos/zephyr#27783 "
        "(no SNI); Mbed-TLS/mbedtls#1429 (a firewall); espressif/ESP8266_RTOS_SDK#769 (a reset during a slow "
        "client signature)"},
    BareCode{0x004e, 0, kSendFailed, "Print the socket's errno (or lwIP's err_t) in the port's send callback",
             "threads that settled it: espressif/ESP8266_RTOS_SDK#417, Mbed-TLS/mbedtls#3954 and #7872 (the network "
             "stack); none found for the second"},
    BareCode{0x6800, 0, kTimeout, kDebugNext,
             "threads that settled it: AVSystem/Anjay#27 (no answer: the server or the port); espressif/esp-idf#7928 "
             "and Mbed-TLS/mbedtls#4016 (a slow or lossy link)"},
    BareCode{0x7780, 0, kAlert,
             "Find the alert's number: a debug log at level 2 prints \"got an alert message, type: [2:N]\"",
             "Mbed-TLS/mbedtls#503 and forums.mbed.com's \"Error 0x7780 during handshake\" (no suite in common); "
             "MicrochipTech/mbedtls-examples#7 (mutual TLS); the alerts shakedown's scenarios' servers send"},
    BareCode{0x7780, 40, kAlertHandshakeFailure,
             "Compare the device's offer with the server's: `openssl s_client` "
             "with the device's suites",
             "RFC 5246 7.2.2: handshake_failure, the refusal of an offer; Mbed-TLS/mbedtls#503"},
    BareCode{0x7780, 42, kAlertCertificate, "Check the client certificate against the server's accepted CAs",
             "RFC 8446 6.2 and RFC 5246 7.2.2: the certificate alerts"},
    BareCode{0x7780, 46, kAlertCertificate, "Check the client certificate against the server's accepted CAs",
             "RFC 8446 6.2 and RFC 5246 7.2.2: the certificate alerts"},
    BareCode{0x7780, 48, kAlertCertificate, "Check the client certificate against the server's accepted CAs",
             "RFC 8446 6.2 and RFC 5246 7.2.2: the certificate alerts"},
    BareCode{0x7780, 70, kAlertProtocolVersion, "`openssl s_client -tls1_2` and `-tls1_3` against the server",
             "RFC 5246 7.2.2: protocol_version"},
    BareCode{0x7780, 80, kAlertInternalError, "Read the server's log for the same moment",
             "RFC 5246 7.2.2: internal_error is the server's own failure"},
    BareCode{0x7780, 112, kAlertUnrecognizedName, "Check the name the device passes to mbedtls_ssl_set_hostname",
             "RFC 6066 3: unrecognized_name"},
    BareCode{0x7780, 116, kAlertCertificateRequired, "Give the device a certificate and key the server accepts",
             "RFC 8446 6.2: certificate_required"},
    BareCode{0x2700, 0, kVerifyFailed,
             "Print the verify flags: mbedtls_x509_crt_verify_info() on mbedtls_ssl_get_verify_result()",
             "threads that settled it: espressif/ESP8266_RTOS_SDK#463, espressif/esp-idf#4657 (the CA); "
             "Mbed-TLS/mbedtls#1565, espressif/esp-at#432 (the clock); Mbed-TLS/mbedtls#421 and #5082 (the name, "
             "an IP address); Mbed-TLS/mbedtls#2394 (a SHA-1 chain); none found for expiry"},
    BareCode{0x3000, 0, kX509Fatal, kDebugNext,
             "threads that settled it: espressif/esp-idf#18674 and #11077, espressif/arduino-esp32#8626 (the "
             "certificate bundle's callback); none found for a long chain"},
    BareCode{0x2600, 0, kUnknownSigAlg,
             "Look at which call failed and at the certificates' signature algorithms (`openssl x509 -text`)",
             "the field report behind shakedown (a SHA-1 root); ARMmbed/mbed-os-example-tls#84 (a SHA-1 "
             "certificate)"},
    BareCode{0x3b00, 0, kInvalidPubkey, "Look at the certificates' key types and sizes (`openssl x509 -text`)",
             "the field report behind shakedown and Mbed-TLS/mbedtls#2515 (an RSA key); openwrt/openwrt#13774 (a "
             "curve left out); Mbed-TLS/mbedtls#3688 (the heap)"},
    BareCode{0x3c80, 0, kUnknownPkAlg, "Look at the certificates' key types (`openssl x509 -text`)",
             "threads that settled it: Mbed-TLS/mbedtls#9414 (Ed25519) and #10580 (an RSASSA-PSS key); none found "
             "for a key type left out"},
    BareCode{0x6c00, 0, kInternalError, kDebugNext,
             "threads that settled it: Mbed-TLS/mbedtls#9223, #9072, #8401 and civetweb/civetweb#1281 (psa_crypto_init "
             "not called)"},
    BareCode{0x6600, 0, kIllegalParameter, kDebugNext,
             "Mbed TLS 3.6's and 2.28's headers: the code's two meanings; no thread found that settled it"},
    BareCode{0x7080, 0, kFeatureUnavailable, kDebugNext,
             "threads that settled it: Mbed-TLS/mbedtls#1840 and #9269 (a fragmented certificate message)"},
    BareCode{0x7f00, 0, kAllocFailed, "Print the free heap before the handshake and after a failed one",
             "threads that settled it: espressif/esp-idf#13424, aws/aws-iot-device-sdk-embedded-C#74 (the heap); "
             "espressif/esp-idf#5634 (failing after hours: a leak)"},
    // Other modules' allocation failures: the same causes.
    BareCode{0x4300, 0, kAllocFailed, "Print the free heap before the handshake and after a failed one",
             "RSA_PRIVATE_FAILED with MPI_ALLOC_FAILED (-0x4310) is an allocation failure inside RSA; "
             "Mbed-TLS/mbedtls#7833 (failing after a while)"},
    BareCode{0x5180, 0, kAllocFailed, "Print the free heap before the handshake and after a failed one",
             "micropython/micropython#17750 (MD_ALLOC_FAILED from mbedtls_ssl_setup: the heap)"},
    BareCode{0x2880, 0, kAllocFailed, "Print the free heap before the handshake and after a failed one",
             "Mbed-TLS/mbedtls#2590 (a 5 KB certificate message on an STM32F429)"},
    BareCode{0x0010, 0, kAllocFailed, "Print the free heap before the handshake and after a failed one",
             "espressif/esp-aws-iot#7 (MPI_ALLOC_FAILED: the heap)"},
};

std::optional<BareCode> row_for(uint32_t magnitude, uint8_t alert) {
  for (const BareCode& row : kRows) {
    if (row.magnitude == magnitude && row.alert == alert) return row;
  }
  return std::nullopt;
}

}  // namespace

std::optional<BareCode> bare_code(int32_t code, std::optional<uint8_t> alert) {
  if (code >= 0) return std::nullopt;
  const auto magnitude = static_cast<uint32_t>(-static_cast<int64_t>(code));
  if (alert) {
    if (auto row = row_for(magnitude, *alert)) return row;
  }
  for (uint32_t part : {magnitude, magnitude & 0x7f80u, magnitude & 0x7fu}) {
    if (part == 0) continue;
    if (auto row = row_for(part, 0)) return row;
  }
  return std::nullopt;
}

std::span<const BareCode> bare_codes() {
  return kRows;
}

}  // namespace shakedown::explain
