#pragma once
// Text from outside (device logs, certificate subjects, file names) may hold
// any bytes. The report encoders take it as it is and never throw: JSON and
// XML get valid UTF-8, with U+FFFD in place of each byte that is not; the
// raw bytes stay in the cell's device.log.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace shakedown::runner {

// `text` with every byte that is not part of a valid UTF-8 sequence replaced
// by U+FFFD.
std::string valid_utf8(std::string_view text);

// valid_utf8, and also U+FFFD for the control characters XML 1.0 forbids
// (all below 0x20 but tab, newline and carriage return).
std::string valid_xml_text(std::string_view text);

// `doc` serialized (indent < 0: on one line); invalid UTF-8 inside becomes
// U+FFFD instead of an exception.
std::string json_text(const nlohmann::json& doc, int indent = 2);

}  // namespace shakedown::runner
