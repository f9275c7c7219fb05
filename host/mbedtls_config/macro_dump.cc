#include "macro_dump.h"

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>

#include "subprocess.h"
#include "temp_dir.h"

namespace shakedown::mbedtls_config {
namespace fs = std::filesystem;
namespace {

using namespace std::chrono_literals;

// Defined for the dump so the checks a config ends with do not run: they
// belong to the build, and their #errors would hide what the file says.
constexpr const char* kSkippedGuards[] = {"MBEDTLS_CHECK_CONFIG_H", "MBEDTLS_CONFIG_PSA_H"};
constexpr const char* kFileNames[] = {"MBEDTLS_CONFIG_FILE", "MBEDTLS_USER_CONFIG_FILE",
                                      "MBEDTLS_PSA_CRYPTO_CONFIG_FILE", "MBEDTLS_PSA_CRYPTO_USER_CONFIG_FILE"};
constexpr int kMaxDroppedIncludes = 32;

bool is_header_guard(const std::string& name, const std::string& value) {
  return value.empty() && (name.ends_with("_H") || name.ends_with("_H_") || name.ends_with("_H__"));
}

bool kept(const std::string& name, const std::string& value) {
  if (!name.starts_with("MBEDTLS_") || is_header_guard(name, value)) return false;
  for (const char* n : kSkippedGuards)
    if (name == n) return false;
  for (const char* n : kFileNames)
    if (name == n) return false;
  return true;
}

std::vector<std::string> read_lines(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw ConfigError(fmt::format("{}: cannot be read", file.string()));
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

void write_lines(const fs::path& file, const std::vector<std::string>& lines) {
  std::ofstream out(file);
  for (const auto& l : lines) out << l << '\n';
}

fs::path compiler() {
  for (const char* name : {"cc", "gcc", "clang"}) {
    if (auto path = process::find_in_path(name); !path.empty()) return path;
  }
  throw ConfigError("no C compiler (cc) on PATH to read the config with");
}

// Reads `cc -E -dD` output: each #define and #undef in place, after line
// markers ("# 12 \"file\""), so the last word on each name is known with
// the file and line that said it; a define in `copy` (the user's file) has no file name.
Macros parse_dump(const std::string& out, const fs::path& copy) {
  static const std::regex marker(R"re(^# ([0-9]+) "([^"]*)".*$)re");
  static const std::regex define(R"(^#define ([A-Za-z_][A-Za-z0-9_]*)(\([^)]*\))? ?(.*)$)");
  static const std::regex undef(R"(^#undef ([A-Za-z_][A-Za-z0-9_]*)\s*$)");
  Macros macros;
  std::istringstream in(out);
  std::string file;
  int line = 0;
  for (std::string l; std::getline(in, l); ++line) {
    std::smatch m;
    if (std::regex_match(l, m, marker)) {
      file = m[2];
      line = std::stoi(m[1]) - 1;  // the next line is the marker's
    } else if (std::regex_match(l, m, define)) {
      if (!kept(m[1], m[3])) continue;
      const bool in_file = fs::path(file) == copy;
      macros[m[1]] = {m[2], m[3], line, in_file ? "" : fs::path(file).filename().string()};
    } else if (std::regex_match(l, m, undef)) {
      macros.erase(m[1]);
    }
  }
  return macros;
}

// The compiler's first error, with the temporary copy's path put back to the user's.
std::string first_error(std::string err, const fs::path& copy, const fs::path& original) {
  for (size_t at; (at = err.find(copy.string())) != std::string::npos;) {
    err.replace(at, copy.string().size(), original.string());
  }
  std::istringstream in(err);
  for (std::string l; std::getline(in, l);) {
    if (l.find("error") != std::string::npos) return l;
  }
  return err.empty() ? "the preprocessor failed" : err;
}

MacroDump dump(const fs::path& file, const MbedtlsTree& tree, bool with_user_config, const fs::path& user_config = {}) {
  std::optional<process::TempDir> temp;
  try {
    temp.emplace(fs::path(), "config");
  } catch (const std::runtime_error& e) {
    throw ConfigError(fmt::format("a temporary folder for the preprocessor: {}", e.what()));
  }
  const fs::path copy = temp->path() / file.filename();
  auto lines = read_lines(file);
  const fs::path wrapper = temp->path() / "shakedown_config_dump.c";
  {
    std::ofstream out(wrapper);
    out << "#include \"" << copy.string() << "\"\n";
    // 3.x reads the user-config file in build_info.h, after the config;
    // a 2.x config.h includes it itself, at its end.
    if (with_user_config && !tree.is_2x()) {
      out << "#if defined(MBEDTLS_USER_CONFIG_FILE)\n#include MBEDTLS_USER_CONFIG_FILE\n#endif\n";
    }
  }
  std::vector<std::string> argv = {compiler().string(),
                                   "-E",
                                   "-dD",
                                   "-x",
                                   "c",
                                   "-I",
                                   fs::absolute(file).parent_path().string(),
                                   "-I",
                                   (tree.dir / "include").string()};
  for (const char* guard : kSkippedGuards) argv.push_back(std::string("-D") + guard);
  if (!user_config.empty())
    argv.push_back(fmt::format("-DMBEDTLS_USER_CONFIG_FILE=\"{}\"", fs::absolute(user_config).string()));
  argv.push_back(wrapper.string());

  static const std::regex missing(R"(^(.*):([0-9]+):[0-9]+: fatal error: (.*): No such file or directory)");
  MacroDump result;
  for (int attempt = 0; attempt <= kMaxDroppedIncludes; ++attempt) {
    write_lines(copy, lines);
    const auto run = process::run_process(argv, 30s);
    if (run.exited_cleanly()) {
      result.macros = parse_dump(run.out, copy);
      return result;
    }
    if (!run.started || run.timed_out)
      throw ConfigError(fmt::format("{}: the preprocessor {}", file.string(), run.describe()));
    std::smatch m;
    std::istringstream err(run.err);
    bool dropped = false;
    for (std::string l; std::getline(err, l);) {
      if (std::regex_search(l, m, missing) && fs::path(m[1].str()) == copy) {
        const int at = std::stoi(m[2]);
        result.dropped_includes.push_back({at, m[3]});
        lines[at - 1] = "/* shakedown: include not found, left out */";
        dropped = true;
        break;
      }
    }
    if (!dropped) throw ConfigError(first_error(run.err, copy, fs::absolute(file)));
  }
  throw ConfigError(fmt::format("{}: more than {} includes not found", file.string(), kMaxDroppedIncludes));
}

}  // namespace

MacroDump dump_config(const fs::path& file, const MbedtlsTree& tree) {
  return dump(file, tree, true);
}

MacroDump dump_default_config(const MbedtlsTree& tree) {
  return dump(tree.default_config(), tree, false);
}

MacroDump dump_profile(const MbedtlsTree& tree, const fs::path& profile_header) {
  return dump(tree.default_config(), tree, true, profile_header);
}

}  // namespace shakedown::mbedtls_config
