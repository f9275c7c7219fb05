#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <variant>

#include "shakedown/errors/exit_codes.h"
#include "shakedown/errors/result.h"

namespace shakedown {
namespace {

Result<int> parse_digit(char c) {
  if (c < '0' || c > '9') return usage_error(std::string("not a digit: ") + c);
  return c - '0';
}

Result<void> check_positive(int n) {
  if (n <= 0) return infrastructure_error("not positive");
  return {};
}

TEST_CASE("a Result built from a value holds that value and no error") {
  const Result<int> r = parse_digit('7');
  REQUIRE(r);
  REQUIRE(r.has_value());
  CHECK(r.value() == 7);
  CHECK(*r == 7);
  CHECK_THROWS_AS(r.error(), std::bad_variant_access);
}

TEST_CASE("a Result built from an Error holds its kind and message and no value") {
  const Result<int> r = parse_digit('x');
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::kUsage);
  CHECK(r.error().message == "not a digit: x");
  CHECK_THROWS_AS(r.value(), std::bad_variant_access);
}

TEST_CASE("each error maker gives its kind") {
  CHECK(usage_error("a").kind == ErrorKind::kUsage);
  CHECK(infrastructure_error("b").kind == ErrorKind::kInfrastructure);
  CHECK(finding_error("c").kind == ErrorKind::kFinding);
  CHECK(finding_error("c").message == "c");
}

TEST_CASE("a Result of a move-only value gives the value up by move") {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(42);
  REQUIRE(r);
  CHECK(**r == 42);
  std::unique_ptr<int> taken = std::move(r).value();
  REQUIRE(taken != nullptr);
  CHECK(*taken == 42);
}

TEST_CASE("a Result of a base pointer takes a derived one") {
  struct Base {
    virtual ~Base() = default;
    virtual int id() const { return 1; }
  };
  struct Derived final : Base {
    int id() const override { return 2; }
  };
  const Result<std::unique_ptr<Base>> r = std::make_unique<Derived>();
  REQUIRE(r);
  CHECK(r.value()->id() == 2);
}

TEST_CASE("a Result of a string tells a value from an error") {
  const Result<std::string> empty_value = std::string();
  CHECK(empty_value);
  CHECK(empty_value->empty());
  const Result<std::string> failed = infrastructure_error("");
  CHECK_FALSE(failed);
  CHECK(failed.error().message.empty());
}

TEST_CASE("Result<void> is success by default and an error when built from one") {
  const Result<void> ok = check_positive(1);
  REQUIRE(ok);
  CHECK_NOTHROW(ok.value());
  CHECK_THROWS_AS(ok.error(), std::bad_variant_access);

  const Result<void> failed = check_positive(0);
  REQUIRE_FALSE(failed);
  CHECK(failed.error().kind == ErrorKind::kInfrastructure);
  CHECK(failed.error().message == "not positive");
  CHECK_THROWS_AS(failed.value(), std::bad_variant_access);
}

TEST_CASE("the exit codes keep their meanings") {
  STATIC_REQUIRE(exit_codes::kAllAsExpected == 0);
  STATIC_REQUIRE(exit_codes::kUnexpected == 1);
  STATIC_REQUIRE(exit_codes::kInfrastructure == 2);
  STATIC_REQUIRE(exit_codes::kUsage == 3);
  STATIC_REQUIRE(exit_codes::kNoTarget == 4);
  STATIC_REQUIRE(exit_codes::kNotALog == 5);
}

TEST_CASE("an error's kind maps to its exit code") {
  CHECK(exit_codes::for_error(ErrorKind::kUsage) == exit_codes::kUsage);
  CHECK(exit_codes::for_error(ErrorKind::kInfrastructure) == exit_codes::kInfrastructure);
  CHECK(exit_codes::for_error(ErrorKind::kFinding) == exit_codes::kUnexpected);
}

}  // namespace
}  // namespace shakedown
