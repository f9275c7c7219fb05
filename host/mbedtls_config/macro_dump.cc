#include "macro_dump.h"

#include <fmt/format.h>

#include <cctype>
#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>

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
  std::error_code ec;
  if (fs::exists(file, ec) && !fs::is_regular_file(file, ec)) {
    throw ConfigError(fmt::format("{}: not a file (a config header is)", file.string()));
  }
  std::ifstream in(file);
  if (!in) throw ConfigError(fmt::format("{}: cannot be read", file.string()));
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) {
    if (l.find('\0') != std::string::npos) {
      throw ConfigError(
          fmt::format("{}:{}: not a text file (a NUL byte), so not a config header", file.string(), lines.size() + 1));
    }
    lines.push_back(std::move(l));
  }
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

// The lines here are read by hand, not with std::regex: libstdc++'s regex
// recurses once per character, and a line of a binary file passed as a
// config (or a long macro) would overflow the stack.

bool is_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// The identifier at `at`, advancing past it; empty if there is none.
std::string_view identifier(std::string_view l, size_t& at) {
  const size_t start = at;
  if (at < l.size() && !std::isdigit(static_cast<unsigned char>(l[at]))) {
    while (at < l.size() && is_word_char(l[at])) ++at;
  }
  return l.substr(start, at - start);
}

// A line marker, `# 12 "file" flags`: its line and file.
bool read_marker(std::string_view l, int& line, std::string& file) {
  if (!l.starts_with("# ")) return false;
  size_t at = 2;
  int n = 0;
  const size_t digits = at;
  while (at < l.size() && std::isdigit(static_cast<unsigned char>(l[at])) && at - digits < 9)
    n = n * 10 + (l[at++] - '0');
  if (at == digits || l.substr(at, 2) != " \"") return false;
  const size_t close = l.find('"', at + 2);
  if (close == std::string_view::npos) return false;
  line = n, file = l.substr(at + 2, close - at - 2);
  return true;
}

// Reads `cc -E -dD` output: each #define and #undef in place, after line
// markers ("# 12 \"file\""), so the last word on each name is known with
// the file and line that said it; a define in `copy` (the user's file) has no file name.
Macros parse_dump(const std::string& out, const fs::path& copy) {
  Macros macros;
  std::istringstream in(out);
  std::string file;
  int line = 0;
  for (std::string text; std::getline(in, text); ++line) {
    const std::string_view l = text;
    int marked = 0;
    if (read_marker(l, marked, file)) {
      line = marked - 1;  // the next line is the marker's
    } else if (l.starts_with("#define ")) {
      size_t at = 8;
      const std::string name(identifier(l, at));
      std::string params;
      if (at < l.size() && l[at] == '(') {
        const size_t close = l.find(')', at);
        if (close == std::string_view::npos) continue;
        params = l.substr(at, close + 1 - at);
        at = close + 1;
      }
      if (at < l.size() && l[at] == ' ') ++at;
      const std::string value(l.substr(std::min(at, l.size())));
      if (name.empty() || !kept(name, value)) continue;
      const bool in_file = fs::path(file) == copy;
      macros[name] = {params, value, line, in_file ? "" : fs::path(file).filename().string()};
    } else if (l.starts_with("#undef ")) {
      size_t at = 7;
      macros.erase(std::string(identifier(l, at)));
    }
  }
  return macros;
}

// `PATH:LINE:COL: fatal error: NAME: No such file or directory`: the line
// and the header, when PATH is `file`.
std::optional<DroppedInclude> missing_include(std::string_view l, const fs::path& file) {
  constexpr std::string_view kFatal = ": fatal error: ", kMissing = ": No such file or directory";
  const size_t fatal = l.find(kFatal);
  if (fatal == std::string_view::npos || !l.ends_with(kMissing)) return std::nullopt;
  const std::string_view place = l.substr(0, fatal);  // PATH:LINE:COL
  const size_t col = place.rfind(':');
  const size_t row = col == std::string_view::npos ? col : place.rfind(':', col - 1);
  if (row == std::string_view::npos || fs::path(std::string(place.substr(0, row))) != file) return std::nullopt;
  int line = 0;
  for (char c : place.substr(row + 1, col - row - 1)) {
    if (!std::isdigit(static_cast<unsigned char>(c)) || line > 10'000'000) return std::nullopt;
    line = line * 10 + (c - '0');
  }
  const size_t header = fatal + kFatal.size();
  return DroppedInclude{line, std::string(l.substr(header, l.size() - kMissing.size() - header))};
}

// The compiler's first error, with the temporary copy's path put back to the user's.
std::string first_error(std::string err, const fs::path& copy, const fs::path& original) {
  for (size_t at; (at = err.find(copy.string())) != std::string::npos;) {
    err.replace(at, copy.string().size(), original.string());
  }
  // The compiler's own "PLACE: error: ..." line, not a quoted source line
  // that happens to hold the word.
  std::istringstream in(err);
  for (std::string l; std::getline(in, l);) {
    if (l.find(": error: ") != std::string::npos || l.find(": fatal error: ") != std::string::npos)
      return bounded_compiler_line(l);
  }
  return err.empty() ? "the preprocessor failed" : bounded_compiler_line(err);
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
    std::istringstream err(run.err);
    bool dropped = false;
    for (std::string l; std::getline(err, l);) {
      const auto include = missing_include(l, copy);
      if (!include || include->line < 1 || include->line > static_cast<int>(lines.size())) continue;
      result.dropped_includes.push_back(*include);
      lines[include->line - 1] = "/* shakedown: include not found, left out */";
      dropped = true;
      break;
    }
    if (!dropped) throw ConfigError(first_error(run.err, copy, fs::absolute(file)));
  }
  throw ConfigError(fmt::format("{}: more than {} includes not found", file.string(), kMaxDroppedIncludes));
}

}  // namespace

std::string bounded_compiler_line(const std::string& text) {
  constexpr size_t kMax = 400;
  return text.size() <= kMax ? text : text.substr(0, kMax) + " [...]";
}

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
