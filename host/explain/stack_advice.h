#pragma once
// How to turn on Mbed TLS's debug output on the stack a log came from, for
// a log that has none: the call, the config option or the menu entry that
// sets Mbed TLS's debug threshold there. A stack is recognised by the words
// its own lines carry (its logger tags, its file names).

#include <string_view>

namespace shakedown::explain {

struct StackAdvice {
  std::string_view stack;     // "ESP-IDF"
  std::string_view debug_on;  // one sentence
};

// The stack whose words `line` carries; nullptr for none known.
const StackAdvice* stack_of_line(std::string_view line);

// What works on any stack built from Mbed TLS's own sources.
const StackAdvice& any_stack();

}  // namespace shakedown::explain
