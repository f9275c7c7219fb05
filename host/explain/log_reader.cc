#include "log_reader.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <vector>

namespace shakedown::explain {
namespace {

bool is_word(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Forum software turns quotes curly and paths into ellipses; undo both, and
// make tabs and non-breaking spaces plain spaces.
std::string plain_text(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    const auto c = static_cast<unsigned char>(raw[i]);
    if (c == 0xe2 && i + 2 < raw.size() && static_cast<unsigned char>(raw[i + 1]) == 0x80) {
      const auto d = static_cast<unsigned char>(raw[i + 2]);
      if (d == 0x98 || d == 0x99 || d == 0xb2) {  // ‘ ’ ′
        out += '\'';
        i += 2;
        continue;
      }
      if (d == 0x9c || d == 0x9d || d == 0xb3) {  // “ ” ″
        out += '"';
        i += 2;
        continue;
      }
      if (d == 0xa6) {  // …
        out += "...";
        i += 2;
        continue;
      }
    }
    if (c == 0xc2 && i + 1 < raw.size() && static_cast<unsigned char>(raw[i + 1]) == 0xa0) {
      out += ' ';
      ++i;
      continue;
    }
    if (c == '\t') {
      out += ' ';
      continue;
    }
    if (c == '\r' || c == 0) continue;
    out += static_cast<char>(c);
  }
  return out;
}

// Mbed TLS's library files, for when a joined line glues a statement's file
// name onto the text before it ("-0x50ssl_cli.c:0885:").
constexpr std::array kLibraryStems = {"ssl_", "x509", "debug", "pkparse", "pk_", "pk.", "ecp", "ecdh", "ecdsa",
                                      "bignum", "rsa", "net_sockets", "mps_", "psa_", "cipher", "md.", "ctr_drbg"};

// Every file of Mbed TLS's library/ (2.x and 3.x), by how its name starts:
// a statement from any other file ("mongoose.c:2274:", "main.c:88:") is the
// application's line, not Mbed TLS's debug output. (kLibraryStems above is
// the few distinctive enough to cut a glued name at; these are too short.)
constexpr std::array kLibraryFiles = {
    "ssl_",      "x509",     "debug",  "pk",     "ecp",      "ecdh",      "ecdsa", "ecjpake", "bignum", "rsa",
    "net_sockets", "mps_",   "psa_",   "cipher", "md",       "ctr_drbg",  "hmac_drbg", "entropy", "oid", "asn1",
    "pem",       "platform", "sha",    "aes",    "gcm",      "ccm",       "chacha", "poly1305", "dhm", "error",
    "timing",    "constant_time", "hkdf", "cmac", "des",     "camellia",  "aria",  "base64",  "lms",  "nist_kw",
    "padlock",   "ripemd",   "threading", "version", "memory_buffer_alloc", "bn_mul", "block_cipher"};

bool library_file(std::string_view name) {
  return std::any_of(kLibraryFiles.begin(), kLibraryFiles.end(),
                     [&](std::string_view stem) { return name.starts_with(stem); });
}

struct FileRef {
  size_t prefix_start;  // where its path (or the name) begins: the previous statement ends here
  size_t name_start;
  size_t name_end;  // one past ".c"
  int line;
  size_t text_start;
};

// `pos` points at ".c" (or ".h") followed by ':' or '(' and a digit.
std::optional<FileRef> file_ref_at(const std::string& s, size_t pos) {
  size_t after = pos + 2;
  if (after + 1 >= s.size() || (s[after] != ':' && s[after] != '(') || !is_digit(s[after + 1])) return std::nullopt;
  size_t name_start = pos;
  while (name_start > 0 && is_word(s[name_start - 1])) --name_start;
  if (name_start == pos) return std::nullopt;
  std::string_view name(s.data() + name_start, pos - name_start);
  for (const char* stem : kLibraryStems) {
    const size_t at = name.rfind(stem);
    if (at != std::string_view::npos && at > 0 && name.find(stem) == at) {
      name_start += at;
      break;
    }
  }
  if (!library_file(std::string_view(s.data() + name_start, pos - name_start))) return std::nullopt;
  size_t prefix_start = name_start;
  while (prefix_start > 0) {
    const char c = s[prefix_start - 1];
    if (c == '/' || c == '\\' || c == '.' || is_word(c)) {
      --prefix_start;
    } else if (c == ':' && prefix_start >= 2 && std::isalpha(static_cast<unsigned char>(s[prefix_start - 2])) &&
               (prefix_start < 3 || !is_word(s[prefix_start - 3]))) {
      prefix_start -= 2;  // a Windows drive, "C:\..."
      break;
    } else {
      break;
    }
  }
  size_t i = after + 1;
  int line = 0;
  while (i < s.size() && is_digit(s[i]) && line < 10'000'000) line = line * 10 + (s[i++] - '0');
  if (i < s.size() && s[i] == ')') ++i;
  if (i < s.size() && s[i] == ':') ++i;
  return FileRef{prefix_start, name_start, pos + 2, line, i};
}

std::string trimmed(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && s[b] == ' ') ++b;
  while (e > b && s[e - 1] == ' ') --e;
  return std::string(s.substr(b, e - b));
}

// "|3| text" (ssl_client2's my_debug and others) -> "text".
std::string without_level_marker(std::string text) {
  if (text.size() >= 3 && text[0] == '|' && is_digit(text[1]) && text[2] == '|') return trimmed(text.substr(3));
  return text;
}

// Text before the first statement of a line: a timestamp or a level tag is
// dropped; anything with a word in it is an application print, kept.
bool has_word(std::string_view s) {
  int run = 0;
  for (char c : s) {
    run = std::isalpha(static_cast<unsigned char>(c)) != 0 ? run + 1 : 0;
    if (run >= 3) return true;
  }
  return false;
}

}  // namespace

void normalise_line(std::string_view raw, size_t number, const std::function<void(const LogLine&)>& sink) {
  const std::string s = plain_text(raw);
  std::vector<FileRef> refs;
  for (size_t pos = s.find('.'); pos != std::string::npos; pos = s.find('.', pos + 1)) {
    if (pos + 1 >= s.size() || (s[pos + 1] != 'c' && s[pos + 1] != 'h')) continue;
    if (auto ref = file_ref_at(s, pos); ref && (refs.empty() || ref->prefix_start >= refs.back().text_start)) {
      refs.push_back(*ref);
    }
  }
  if (refs.empty()) {
    std::string text = trimmed(s);
    if (!text.empty()) sink(LogLine{number, "", 0, without_level_marker(std::move(text))});
    return;
  }
  if (std::string before = trimmed(std::string_view(s).substr(0, refs.front().prefix_start)); has_word(before)) {
    sink(LogLine{number, "", 0, std::move(before)});
  }
  for (size_t k = 0; k < refs.size(); ++k) {
    const size_t end = k + 1 < refs.size() ? refs[k + 1].prefix_start : s.size();
    const auto& r = refs[k];
    sink(LogLine{number, s.substr(r.name_start, r.name_end - r.name_start), r.line,
                 without_level_marker(trimmed(std::string_view(s).substr(r.text_start, end - r.text_start)))});
  }
}

LogReader::LogReader(std::function<void(const LogLine&)> sink) : sink_(std::move(sink)) {}

void LogReader::feed(std::string_view chunk) {
  bytes_ += chunk.size();
  for (char c : chunk) {
    const auto u = static_cast<unsigned char>(c);
    // Lines end in LF, CRLF or a lone CR (old Mac, some serial terminals).
    if (after_cr_) {
      after_cr_ = false;
      emit_physical_line();
      if (u == '\n') continue;
    }
    if (u == '\n') {
      emit_physical_line();
      continue;
    }
    if (u == '\r') {
      after_cr_ = true;
      continue;
    }
    if ((u < 0x20 && u != '\t' && u != 0x1b) || u == 0x7f) ++binary_bytes_;
    if (pending_.size() < kMaxLineBytes) pending_ += c;
  }
}

void LogReader::finish() {
  after_cr_ = false;
  if (!pending_.empty()) emit_physical_line();
}

void LogReader::emit_physical_line() {
  ++line_number_;
  // Terminal colour codes (ESC [ ... m) from loggers.
  if (pending_.find('\x1b') != std::string::npos) {
    std::string plain;
    for (size_t i = 0; i < pending_.size(); ++i) {
      if (pending_[i] == '\x1b' && i + 1 < pending_.size() && pending_[i + 1] == '[') {
        i += 2;
        while (i < pending_.size() && !std::isalpha(static_cast<unsigned char>(pending_[i]))) ++i;
        continue;
      }
      plain += pending_[i];
    }
    pending_ = std::move(plain);
  }
  normalise_line(pending_, line_number_, sink_);
  pending_.clear();
}

}  // namespace shakedown::explain
