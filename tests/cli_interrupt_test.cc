// `shakedown run` stopped by a signal, end to end: a cell that would wait
// ten minutes for a silent server is cut short, the reports are written
// with the cells not run skipped, nothing the run started is left; a second
// signal stops it at once, and `shakedown report` rebuilds the reports.

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <set>
#include <thread>

#include "child.h"
#include "subprocess.h"

namespace {

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using shakedown::process::Child;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const std::string kShakedown = std::string(SHAKEDOWN_BIN_DIR) + "/shakedown";

// Scenarios whose first cell waits up to ten minutes for a server that
// never answers, then three that pass at once.
fs::path long_suite(const fs::path& work) {
  const fs::path suite = work / "long";
  fs::create_directories(suite);
  std::ofstream(suite / "01-silent.yaml") << R"(summary: The server reads the ClientHello and never answers.
pki:
  - {key: ec-p256}
  - {key: ec-p256}
server:
  versions: [tls1.2]
  after_client_hello: silence
client:
  hostname: cloud.shakedown.test
  read_timeout_ms: 600000
  mbedtls: ["3.6"]
expect:
  default-16k: {result: fail, finding: handshake-timeout}
)";
  std::ofstream(suite / "02-plain.yaml") << R"(summary: A plain TLS 1.2 server.
pki:
  - {key: ec-p256}
  - {key: ec-p256}
server:
  versions: [tls1.2]
client:
  hostname: cloud.shakedown.test
expect:
  default-16k: {result: pass}
)";
  return suite;
}

fs::path fresh(const std::string& name) {
  const fs::path dir = fs::path(SHAKEDOWN_TEST_OUT) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// The pids of the processes whose parent is `pid`.
std::set<int> children_of(int pid) {
  std::set<int> out;
  for (const auto& task : fs::directory_iterator(fs::path("/proc") / std::to_string(pid) / "task")) {
    std::ifstream in(task.path() / "children");
    for (int child = 0; in >> child;) out.insert(child);
  }
  return out;
}

// False once `pid` is gone (or a zombie nobody reaps).
bool alive(int pid) {
  std::ifstream stat(fs::path("/proc") / std::to_string(pid) / "stat");
  std::string skip, state;
  if (!(stat >> skip >> skip >> state)) return false;
  return state != "Z";
}

bool none_alive(const std::set<int>& pids, std::chrono::milliseconds within) {
  const auto deadline = Clock::now() + within;
  for (;;) {
    bool any = false;
    for (int pid : pids) any = any || alive(pid);
    if (!any) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
}

std::vector<std::string> run_args(const fs::path& suite, const fs::path& out, const fs::path& tmp) {
  return {
      "/usr/bin/env", "TMPDIR=" + tmp.string(), kShakedown, "run",       suite.string(), "--target", "sim", "-j", "1",
      "--pki-cache",  SHAKEDOWN_TEST_PKI_CACHE, "--out",    out.string()};
}

// Waits until the run has a simulator running (its first cell is under way).
std::set<int> wait_for_children(int pid) {
  const auto deadline = Clock::now() + 60s;
  while (Clock::now() < deadline) {
    // env exec's shakedown in place: pid is shakedown's.
    auto kids = children_of(pid);
    if (!kids.empty()) return kids;
    std::this_thread::sleep_for(50ms);
  }
  return {};
}

}  // namespace

TEST_CASE("SIGTERM stops a ten-minute cell at once: exit 2, reports written, the cells not run skipped") {
  const fs::path work = fresh("sigterm"), out = work / "out", tmp = work / "tmp";
  fs::create_directories(tmp);
  Child run(run_args(long_suite(work), out, tmp));
  const auto kids = wait_for_children(run.pid());
  REQUIRE_FALSE(kids.empty());
  std::this_thread::sleep_for(2s);  // the silent server's cell is waiting
  const auto signalled = Clock::now();
  run.send_signal(SIGTERM);
  const std::string exit = run.finish(20s);
  const auto took = Clock::now() - signalled;
  INFO(run.stderr_text());
  CHECK(exit == "exit 2");
  CHECK(took < 5s);
  CHECK_THAT(run.stderr_text(), Contains("terminated: stopping the cells under way"));
  CHECK(none_alive(kids, 2s));

  const auto results = nlohmann::json::parse(std::ifstream(out / "results.json"));
  CHECK(results["summary"]["interrupted"] == true);
  REQUIRE(results["results"].size() == 1);
  CHECK(results["results"][0]["verdict"] == "infrastructure-error");
  CHECK_THAT(results["results"][0]["why"].get<std::string>(), StartsWith("interrupted: the run was stopped"));
  pugi::xml_document junit;
  REQUIRE(junit.load_file((out / "junit.xml").c_str()));
  auto root = junit.child("testsuites");
  CHECK(root.attribute("tests").as_int() == 3);
  CHECK(root.attribute("errors").as_int() == 1);
  CHECK(root.attribute("skipped").as_int() == 2);
  // The journal is complete and closed; no temporary file is left anywhere.
  std::ifstream journal(out / "journal.jsonl");
  std::string line, last;
  while (std::getline(journal, line)) last = line;
  CHECK(last == R"({"end":{"interrupted":true}})");
  CHECK_FALSE(fs::exists(out / "tmp"));
  CHECK(fs::is_empty(tmp));
}

TEST_CASE("a second signal stops the run at once, the journal is whole, and `shakedown report` rebuilds the reports") {
  const fs::path work = fresh("twice"), out = work / "out", tmp = work / "tmp";
  fs::create_directories(tmp);
  Child run(run_args(long_suite(work), out, tmp));
  const auto kids = wait_for_children(run.pid());
  REQUIRE_FALSE(kids.empty());
  std::this_thread::sleep_for(1s);
  // Two signals at once: the second comes while the first is being handled.
  ::kill(run.pid(), SIGINT);
  ::kill(run.pid(), SIGTERM);
  const std::string exit = run.finish(10s);
  INFO(run.stderr_text());
  CHECK(exit == "exit 2");
  CHECK_THAT(run.stderr_text(), Contains("again: stopping at once"));
  CHECK_THAT(run.stderr_text(), Contains("shakedown report " + out.string()));
  CHECK(none_alive(kids, 2s));
  // Stopped before writing the reports, or (on a slow build, such as TSan's)
  // just after: each is written whole to a temporary file and renamed.
  if (fs::exists(out / "results.json")) {
    std::ifstream written(out / "results.json");
    CHECK(nlohmann::json::accept(written));
  }
  CHECK_FALSE(fs::exists(out / "tmp"));
  CHECK(fs::is_empty(tmp));

  const auto report = shakedown::process::run_process({kShakedown, "report", out.string()}, 30s);
  INFO(report.out << report.err);
  CHECK(report.exit_code == 2);
  CHECK_THAT(report.out, Contains("0 of 3 planned cells finished"));
  pugi::xml_document junit;
  REQUIRE(junit.load_file((out / "junit.xml").c_str()));
  CHECK(junit.child("testsuites").attribute("skipped").as_int() == 3);
  const auto results = nlohmann::json::parse(std::ifstream(out / "results.json"));
  CHECK(results["results"].empty());
  CHECK(results["summary"]["interrupted"] == true);
}

TEST_CASE("shakedown report on a folder without a journal is a usage error") {
  const fs::path work = fresh("no-journal");
  const auto report = shakedown::process::run_process({kShakedown, "report", work.string()}, 30s);
  CHECK(report.exit_code == 3);
  CHECK_THAT(report.err, Contains("no journal.jsonl"));
}
