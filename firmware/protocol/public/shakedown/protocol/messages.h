#pragma once
// The device protocol's messages: frame types and the TLV tags of their
// payloads (frame.h and tlv.h carry them). docs/protocol.md explains the
// exchanges. Adding a tag is compatible; changing one bumps kProtocolVersion.

#include <cstdint>

#include "shakedown/protocol/client_options.h"

namespace shakedown::protocol {

// Frame types. Requests come from the host; the device answers each with
// exactly one reply carrying the request's sequence number, after any number
// of kLog (and, for kConnect, kPeerCertificate) frames with the same number.
enum class MessageType : uint8_t {
  // host -> device
  kSync = 0x01,       // sync_tag: answered by kBanner
  kConfigure = 0x02,  // client_options.def: answered by kAck
  kBlob = 0x03,       // blob_tag: one chunk of a certificate or key; kAck
  kConnect = 0x04,    // connect_tag: runs the handshake; kReport
  kSend = 0x05,       // data_tag::kData: application data; kAck (status: bytes or error)
  kReceive = 0x06,    // receive_tag: kData
  kStats = 0x07,      // empty: kStatsReply
  kReset = 0x08,      // empty: closes any session, forgets configuration and blobs; kAck
  kClose = 0x09,      // empty: closes the session (close_notify), keeps configuration and blobs; kAck

  // device -> host
  kBanner = 0x81,           // banner_tag; also sent unasked at boot, with nonce 0
  kAck = 0x82,              // ack_tag
  kError = 0x83,            // error_tag: the request was refused
  kLog = 0x84,              // log_tag: one debug line
  kReport = 0x85,           // report_tag: the handshake's outcome
  kData = 0x86,             // data_tag
  kStatsReply = 0x87,       // stats_tag
  kPeerCertificate = 0x88,  // peer_tag: one certificate of the server's chain, before kReport
};

namespace sync_tag {
inline constexpr uint8_t kNonce = 1;  // u32, chosen by the host, echoed in the banner
}

namespace banner_tag {
inline constexpr uint8_t kProtocolVersion = 1;  // u16
inline constexpr uint8_t kNonce = 2;            // u32
inline constexpr uint8_t kTarget = 3;           // str: "sim", "qemu-mps2-an386", "nucleo-f429zi"
inline constexpr uint8_t kBuildId = 4;          // str
inline constexpr uint8_t kMbedtlsVersion = 5;   // str: "3.6.6"
inline constexpr uint8_t kMbedtlsLine = 6;      // str: "3.6"
inline constexpr uint8_t kProfile = 7;          // str: "field-2x"
inline constexpr uint8_t kConfigHash = 8;       // str: hex digits of the profile's hash
inline constexpr uint8_t kEntropy = 9;          // str: "getrandom", "rng", "TEST-ONLY ..."
inline constexpr uint8_t kHeapCapacity = 10;    // u32: bytes of Mbed TLS heap arena
inline constexpr uint8_t kBlobCapacity = 11;    // u32: bytes for the CA chain
inline constexpr uint8_t kMpiMaxSize = 12;      // u32: MBEDTLS_MPI_MAX_SIZE
inline constexpr uint8_t kInContentLen = 13;    // u32: MBEDTLS_SSL_IN_CONTENT_LEN
inline constexpr uint8_t kOutContentLen = 14;   // u32: MBEDTLS_SSL_OUT_CONTENT_LEN
inline constexpr uint8_t kFeatures = 15;        // u32: feature bits below
inline constexpr uint8_t kSuites = 16;          // u16 list: the build's suites
inline constexpr uint8_t kMaxContentLen = 17;   // u32: 2.x's MBEDTLS_SSL_MAX_CONTENT_LEN; absent on 3.x
}  // namespace banner_tag

// Bits of banner_tag::kFeatures: what the build can do.
namespace feature {
inline constexpr uint32_t kSha1 = 1u << 0;
inline constexpr uint32_t kSha256 = 1u << 1;
inline constexpr uint32_t kSha384 = 1u << 2;
inline constexpr uint32_t kRsa = 1u << 3;
inline constexpr uint32_t kEcdsa = 1u << 4;
inline constexpr uint32_t kTls12 = 1u << 5;
inline constexpr uint32_t kTls13 = 1u << 6;
}  // namespace feature

// kConfigure's tags are the rows of client_options.def (client_options.h).

namespace blob_tag {
inline constexpr uint8_t kKind = 1;    // u8: BlobKind
inline constexpr uint8_t kOffset = 2;  // u32: where this chunk goes
inline constexpr uint8_t kTotal = 3;   // u32: the whole blob's size
inline constexpr uint8_t kData = 4;    // bytes
}  // namespace blob_tag

enum class BlobKind : uint8_t { kCaChain = 1, kOwnCertificate = 2, kOwnKey = 3 };

namespace connect_tag {
inline constexpr uint8_t kAddress = 1;  // str: numeric address as the device sees the server
inline constexpr uint8_t kPort = 2;     // u16
}  // namespace connect_tag

namespace receive_tag {
inline constexpr uint8_t kMaxBytes = 1;   // u16
inline constexpr uint8_t kTimeoutMs = 2;  // u32
}  // namespace receive_tag

namespace data_tag {
inline constexpr uint8_t kStatus = 1;  // i32: bytes moved, or a negative Mbed TLS code
inline constexpr uint8_t kData = 2;    // bytes
}  // namespace data_tag

namespace ack_tag {
inline constexpr uint8_t kStatus = 1;  // i32: 0, or bytes moved (kSend)
}

namespace error_tag {
inline constexpr uint8_t kCode = 1;     // u8: ErrorCode
inline constexpr uint8_t kMessage = 2;  // str
}  // namespace error_tag

enum class ErrorCode : uint8_t {
  kUnknownType = 1,   // no such request
  kBadPayload = 2,    // a tag missing, of the wrong width, or out of range
  kTooLarge = 3,      // a blob larger than the device's capacity
  kNotConnected = 4,  // kSend/kReceive without an open session
  kIncomplete = 5,    // kConnect before every announced blob arrived
};

namespace log_tag {
inline constexpr uint8_t kLevel = 1;   // u8
inline constexpr uint8_t kSource = 2;  // u8: 0 Mbed TLS, 1 the agent
inline constexpr uint8_t kText = 3;    // str
}  // namespace log_tag

namespace report_tag {
inline constexpr uint8_t kStage = 1;                   // u8: core::Stage (5: exchange, after done)
inline constexpr uint8_t kResult = 2;                  // i32
inline constexpr uint8_t kFailedCall = 3;              // str
inline constexpr uint8_t kResultName = 4;              // str
inline constexpr uint8_t kResultText = 5;              // str
inline constexpr uint8_t kHandshakeState = 6;          // i32
inline constexpr uint8_t kVerifyFlags = 7;             // u32
inline constexpr uint8_t kTrustParseFailures = 8;      // u8
inline constexpr uint8_t kVersion = 9;                 // str
inline constexpr uint8_t kSuite = 10;                  // str
inline constexpr uint8_t kSuiteId = 11;                // u16
inline constexpr uint8_t kGroupId = 12;                // u16
inline constexpr uint8_t kOfferedSuites = 13;          // u16 list
inline constexpr uint8_t kAlertSent = 14;              // u16: level << 8 | description; repeated
inline constexpr uint8_t kAlertReceived = 15;          // u16; repeated
inline constexpr uint8_t kBytesSent = 16;              // u32
inline constexpr uint8_t kBytesReceived = 17;          // u32
inline constexpr uint8_t kRecordsSent = 18;            // u32
inline constexpr uint8_t kRecordsReceived = 19;        // u32
inline constexpr uint8_t kLargestRecordReceived = 20;  // u32
inline constexpr uint8_t kLargestRecordType = 21;      // u16: content type << 8 | handshake type (0xff unknown)
inline constexpr uint8_t kHeapPeak = 22;               // u32
inline constexpr uint8_t kHeapBudget = 23;             // u32
inline constexpr uint8_t kDurationMs = 24;             // u32
inline constexpr uint8_t kStackPeak = 25;              // u32: bytes; absent where the port cannot measure it
inline constexpr uint8_t kReplyBytes = 26;             // u32: of the first exchange's reply; absent without one
inline constexpr uint8_t kPeerCertificates = 27;       // u8: kPeerCertificate frames sent before this report
inline constexpr uint8_t kLogLines = 28;               // u32: kLog frames sent while handling this kConnect
inline constexpr uint8_t kConnectStatus = 29;          // u8: core::IoStatus of a failed connect; absent otherwise
}  // namespace report_tag

// The device's own network (agent/network_monitor.h), in kBanner and in
// kReport alike, from ports that have one; absent from the simulator. The
// numbers sit apart from both messages' own tags.
namespace network_tag {
inline constexpr uint8_t kStart = 64;          // u8: agent::NetworkStart
inline constexpr uint8_t kPhyAddress = 65;     // u8: MDIO address; absent when none answered
inline constexpr uint8_t kLinkUp = 66;         // u8: 0 or 1
inline constexpr uint8_t kSpeedMbps = 67;      // u16; absent while not known
inline constexpr uint8_t kFullDuplex = 68;     // u8: 0 or 1
inline constexpr uint8_t kLinkUpAtMs = 69;     // u32: uptime at the first link-up; absent: never yet
inline constexpr uint8_t kAddressReady = 70;   // u8: 0 or 1
inline constexpr uint8_t kDroppedFrames = 71;  // u32
}  // namespace network_tag

namespace peer_tag {
inline constexpr uint8_t kDepth = 1;        // u8: 0 the leaf
inline constexpr uint8_t kSubject = 2;      // str
inline constexpr uint8_t kIssuer = 3;       // str
inline constexpr uint8_t kKeyType = 4;      // str
inline constexpr uint8_t kKeyBits = 5;      // u16
inline constexpr uint8_t kSignatureMd = 6;  // str
inline constexpr uint8_t kVerifyFlags = 7;  // u32
}  // namespace peer_tag

namespace stats_tag {
inline constexpr uint8_t kFrames = 1;        // u32: valid frames received
inline constexpr uint8_t kBadCrc = 2;        // u32
inline constexpr uint8_t kMalformed = 3;     // u32
inline constexpr uint8_t kOversized = 4;     // u32
inline constexpr uint8_t kLogDropped = 5;    // u32: log lines cut or not sent
inline constexpr uint8_t kHeapCapacity = 6;  // u32
inline constexpr uint8_t kSessionOpen = 7;   // u8
}  // namespace stats_tag

}  // namespace shakedown::protocol
