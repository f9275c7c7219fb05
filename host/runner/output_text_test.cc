#include "output_text.h"

#include <catch2/catch.hpp>

using shakedown::runner::json_text;
using shakedown::runner::valid_utf8;
using shakedown::runner::valid_xml_text;

TEST_CASE("valid UTF-8 passes through, and every other byte becomes U+FFFD") {
  CHECK(valid_utf8("plain ascii") == "plain ascii");
  CHECK(valid_utf8("Soci\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92") == "Soci\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92");
  CHECK(valid_utf8("Soci\xe9t\xe9") == "Soci\xef\xbf\xbdt\xef\xbf\xbd");  // Latin-1
  CHECK(valid_utf8("\xc0\xaf") == "\xef\xbf\xbd\xef\xbf\xbd");           // overlong '/'
  CHECK(valid_utf8("\xed\xa0\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // a surrogate
  CHECK(valid_utf8("\xf4\x90\x80\x80").size() == 12);                    // past U+10FFFF
  CHECK(valid_utf8("cut \xe2\x82") == "cut \xef\xbf\xbd\xef\xbf\xbd");    // truncated at the end
  CHECK(valid_utf8(std::string("nul\0in", 6)) == std::string("nul\0in", 6));
}

TEST_CASE("XML text also loses the control characters XML 1.0 forbids") {
  CHECK(valid_xml_text("tab\tnewline\ncr\r") == "tab\tnewline\ncr\r");
  CHECK(valid_xml_text("bell\x07") == "bell\xef\xbf\xbd");
  CHECK(valid_xml_text(std::string("\0", 1)) == "\xef\xbf\xbd");
}

TEST_CASE("JSON text never throws on bytes that are not UTF-8") {
  const nlohmann::json doc = {{"log", "caf\xe9"}};
  CHECK_THROWS(doc.dump());  // what the writers did before
  CHECK(json_text(doc, -1) == "{\"log\":\"caf\xef\xbf\xbd\"}");
}
