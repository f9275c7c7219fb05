#include "capture.h"

namespace shakedown::servers {

const char* connection_end_name(ConnectionEnd end) {
  switch (end) {
    case ConnectionEnd::kHandshakeDone: return "handshake-done";
    case ConnectionEnd::kMisbehaved: return "misbehaved";
    case ConnectionEnd::kFailedWithAlert: return "failed-with-alert";
    case ConnectionEnd::kFailedWithReset: return "failed-with-reset";
    case ConnectionEnd::kFailedWithClose: return "failed-with-close";
    case ConnectionEnd::kClientClosed: return "client-closed";
    case ConnectionEnd::kTimedOut: return "timed-out";
  }
  return "unknown";
}

const RecordSeen* ConnectionCapture::largest_record() const {
  const RecordSeen* best = nullptr;
  for (const auto& r : records_sent) {
    if (best == nullptr || r.length > best->length) best = &r;
  }
  return best;
}

}  // namespace shakedown::servers
