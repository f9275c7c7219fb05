#pragma once
// Reads an Mbed TLS debug log as people actually have it: from any client
// program, either Mbed TLS line, any path prefix, with or without `|N|`
// level markers and timestamps, and as pasted into forums and tickets
// (ellipses for paths, curly quotes, two statements joined on one line,
// application prints in between).
//
// Input arrives in chunks of any size; each physical line is normalised and
// handed on as one or more LogLines (a line holding two joined statements
// gives two). Memory stays bounded by the longest line kept (kMaxLineBytes).

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace shakedown::explain {

struct LogLine {
  size_t number = 0;       // 1-based physical line in the input
  std::string file;        // "ssl_cli.c" for an Mbed TLS statement; empty for anything else
  int file_line = 0;       // the statement's line in that file (0 when not given)
  std::string text;        // the statement, prefix, markers and timestamps removed
  bool from_mbedtls() const { return !file.empty(); }
};

class LogReader {
 public:
  // Longer physical lines are cut here (a binary blob has no line ends).
  static constexpr size_t kMaxLineBytes = 4096;

  explicit LogReader(std::function<void(const LogLine&)> sink);

  void feed(std::string_view chunk);
  void finish();  // flushes a last line without its newline

  size_t lines() const { return line_number_; }
  // Bytes that are neither text nor common whitespace: NUL, most control
  // characters. A log with many of them is not a log.
  size_t binary_bytes() const { return binary_bytes_; }
  size_t bytes() const { return bytes_; }

 private:
  void emit_physical_line();

  std::function<void(const LogLine&)> sink_;
  std::string pending_;
  bool after_cr_ = false;  // a CR was the last byte: the line ends whatever follows
  size_t line_number_ = 0;
  size_t binary_bytes_ = 0;
  size_t bytes_ = 0;
};

// Exposed for tests: one physical line, normalised, split into statements.
void normalise_line(std::string_view raw, size_t number, const std::function<void(const LogLine&)>& sink);

}  // namespace shakedown::explain
