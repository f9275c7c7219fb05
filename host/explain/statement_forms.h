#pragma once
// The forms of line `shakedown explain` recognises, as tables of rows. A row
// says what it recognises, which stack prints it and where, the pattern
// that picks it out, and names a small handler that records the fact in a
// Reading (facts_reading.h).
//
// A line is tried against a table's rows in order. The first row whose
// pattern matches and whose handler does not answer kNotMine decides; the
// order is part of the contract (two patterns can match one line).
//
// To add a form: write its handler beside the others of its kind
// (statements_*.cc, application_lines.cc), declare it in
// statement_handlers.h, add its row to the table where it must be tried,
// and add a sample line for it to statement_forms_test.cc.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "facts_reading.h"

namespace shakedown::explain {

enum class Match : uint8_t {
  kWhole,       // the statement is exactly the pattern
  kStart,       // the statement starts with the pattern
  kAnywhere,    // the pattern occurs in the statement
  kValueAfter,  // the pattern occurs with text after it (the value the handler reads)
};

enum class Stack : uint8_t {
  kMbedtls,      // Mbed TLS 2.28 and 3.6 alike
  kMbedtls2_28,  // Mbed TLS 2.28 only
  kMbedtls3_6,   // Mbed TLS 3.6 only
  kApplication,  // a client program's own prints, shakedown's core among them
};

// What a handler made of a line its row's pattern matched.
enum class Take : uint8_t {
  kTaken,      // the fact is recorded
  kMalformed,  // the form's words without a value to read (maybe cut by wrapping); no later row is tried
  kNotMine,    // not this form after all; the next row is tried
};

// A line as a handler sees it.
struct Statement {
  std::string_view text;     // the whole statement
  std::string_view rest;     // the text after the pattern's first occurrence ("" for kWhole)
  std::string_view pattern;  // the row's pattern
  size_t line = 0;           // in the input
};

struct LineForm {
  std::string_view name;  // what it recognises, for people and tests
  Stack stack = Stack::kMbedtls;
  std::string_view source;  // where the stack prints it
  Match match = Match::kWhole;
  std::string_view pattern;
  Take (*take)(Reading&, const Statement&) = nullptr;
};

// Whether `text` has the form's pattern (its handler may still answer kNotMine).
bool matches(const LineForm& form, std::string_view text);

// The row that decided a line and what its handler made of it;
// {kNotMine, nullptr} when no row did.
struct LineRead {
  Take take = Take::kNotMine;
  const LineForm* form = nullptr;
};

// Tries `text` against `forms` in order.
LineRead read_line(std::span<const LineForm> forms, Reading& reading, std::string_view text, size_t line);

// Mbed TLS's debug statements, the text after "file.c:line: |level|".
std::span<const LineForm> statement_forms();
// Lines without an Mbed TLS prefix: what client programs print.
std::span<const LineForm> application_forms();

}  // namespace shakedown::explain
