#include "build_cache.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include "macro_dump.h"
#include "subprocess.h"

namespace shakedown::builds {
namespace fs = std::filesystem;
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kConfigureTimeout = 5min;
constexpr auto kBuildTimeout = 30min;
constexpr auto kWaitForOtherBuild = kConfigureTimeout + kBuildTimeout;

// SHA-256 over the tree's headers and sources (names and contents), the
// profile header and the shakedown revision: what the build depends on.
class Digest {
 public:
  Digest() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
  ~Digest() { EVP_MD_CTX_free(ctx_); }
  void add(const std::string& text) {
    const auto size = std::to_string(text.size()) + ":";
    EVP_DigestUpdate(ctx_, size.data(), size.size());
    EVP_DigestUpdate(ctx_, text.data(), text.size());
  }
  void add_file(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    add(file.generic_string());
    add(text.str());
  }
  std::string hex16() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_DigestFinal_ex(ctx_, digest, &size);
    std::string hex;
    for (unsigned i = 0; i < 8; ++i) hex += fmt::format("{:02x}", digest[i]);
    return hex;
  }

 private:
  EVP_MD_CTX* ctx_;
};

// Each kind: its folder's name, its CMake arguments beyond the common ones,
// the target that makes its output, and where the output lands.
struct KindRow {
  BuildKind kind;
  const char* name;
  const char* port;  // firmware/ports/<port>; empty for the simulator
};
constexpr KindRow kKinds[] = {
    {BuildKind::kSimulator, "sim", ""},
    {BuildKind::kQemuImage, "qemu", "qemu-mps2-an386"},
    {BuildKind::kNucleoImage, "nucleo", "nucleo-f429zi"},
};

const KindRow& row_of(BuildKind kind) {
  for (const auto& row : kKinds) {
    if (row.kind == kind) return row;
  }
  throw BuildError("unknown build kind");
}

std::vector<std::string> kind_arguments(const KindRow& row) {
  if (row.kind == BuildKind::kSimulator) return {"-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DSHAKEDOWN_BUILD_TESTS=OFF"};
  return {fmt::format("-DCMAKE_TOOLCHAIN_FILE={}/cmake/arm-none-eabi.cmake", SHAKEDOWN_SOURCE_DIR),
          "-DCMAKE_BUILD_TYPE=MinSizeRel", fmt::format("-DSHAKEDOWN_FIRMWARE_PORTS={}", row.port),
          fmt::format("-DSHAKEDOWN_OUTER_BUILD_ID={}", SHAKEDOWN_BUILD_ID)};
}

std::string target_of(const KindRow& row, const mbedtls_config::ImportedConfig& config) {
  if (row.kind == BuildKind::kSimulator) return fmt::format("shakedown-sim-{}-{}", config.tree.line, config.name);
  return fmt::format("firmware-{}-{}-{}", row.port, config.tree.line, config.name);
}

// The digest of a tree's headers and sources. Once per tree and process:
// `check` and `--verify-fixes` ask for many builds of one tree, and the
// tree (megabytes) does not change under a run.
std::string tree_digest(const fs::path& tree) {
  static std::mutex mutex;
  static std::map<fs::path, std::string> known;
  const std::lock_guard lock(mutex);
  if (const auto it = known.find(tree); it != known.end()) return it->second;
  Digest digest;
  std::vector<fs::path> files;
  for (const char* part : {"include", "library"}) {
    for (const auto& entry : fs::recursive_directory_iterator(tree / part)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) digest.add_file(f);
  return known[tree] = digest.hex16();
}

std::string build_key(const mbedtls_config::ImportedConfig& config) {
  Digest digest;
  digest.add(SHAKEDOWN_BUILD_ID);
  digest.add(config.profile_header);
  digest.add(tree_digest(config.tree.dir));
  // The platform deltas go into every build beside the profile; an edit of
  // one not yet committed leaves the build id as it was.
  std::vector<fs::path> deltas;
  for (const auto& entry : fs::directory_iterator(fs::path(SHAKEDOWN_SOURCE_DIR) / "firmware/configs/platform")) {
    deltas.push_back(entry.path());
  }
  std::sort(deltas.begin(), deltas.end());
  for (const auto& f : deltas) digest.add_file(f);
  return digest.hex16();
}

// An exclusive lock on a file, held until destroyed; bounded wait.
class BuildLock {
 public:
  BuildLock(const fs::path& file, std::chrono::seconds timeout, const std::function<void()>& on_wait) {
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw BuildError(fmt::format("{}: cannot be opened to lock the build", file.string()));
    const auto deadline = Clock::now() + timeout;
    bool told = false;
    while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      if (!told) on_wait(), told = true;
      if (Clock::now() > deadline) {
        ::close(fd_);
        throw BuildError(fmt::format("waited {} s for another run's build ({}); it still holds the lock",
                                     timeout.count(), file.string()));
      }
      std::this_thread::sleep_for(200ms);
    }
  }
  ~BuildLock() { ::close(fd_); }

 private:
  int fd_ = -1;
};

// The compiler's first error in the log, with the config line behind the
// option it names, where it names one.
std::string first_error(const fs::path& log, const mbedtls_config::ImportedConfig& config) {
  std::ifstream in(log);
  static const std::regex option("MBEDTLS_[A-Z0-9_]+");
  for (std::string l; std::getline(in, l);) {
    // The linker's own lines name the symbol; its closing "collect2: error" does not.
    if (l.find("error:") == std::string::npos && l.find("undefined reference") == std::string::npos) continue;
    if (l.starts_with("collect2:")) continue;
    l.resize(std::min<size_t>(l.size(), 4096));  // std::regex recurses per character
    std::string where;
    for (std::sregex_iterator it(l.begin(), l.end(), option), end; it != end; ++it) {
      const auto found = config.effective.find(it->str());
      if (found != config.effective.end() && found->second.line > 0) {
        where = fmt::format(" ({}:{} sets {})", found->second.file.empty() ? config.file.string() : found->second.file,
                            found->second.line, it->str());
        break;
      }
    }
    if (where.empty() && std::regex_search(l, option)) {
      where = " (the config does not set the option this names: a prerequisite it leaves off)";
    }
    return mbedtls_config::bounded_compiler_line(l) + where;
  }
  return "see " + log.string();
}

void run_step(const std::vector<std::string>& argv, std::chrono::milliseconds timeout, const fs::path& log,
              const mbedtls_config::ImportedConfig& config) {
  const auto run = process::run_process(argv, timeout);
  std::ofstream(log, std::ios::app) << run.out << run.err;
  if (!run.exited_cleanly()) {
    throw BuildError(fmt::format("building {} for Mbed TLS {} failed ({}): {}", config.file.string(), config.tree.line,
                                 run.describe(), first_error(log, config)));
  }
}

}  // namespace

fs::path build_cache_root() {
  if (const char* dir = std::getenv("SHAKEDOWN_BUILD_CACHE"); dir && *dir) return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return fs::path(xdg) / "shakedown" / "builds";
  const char* home = std::getenv("HOME");
  return fs::path(home ? home : "/tmp") / ".cache" / "shakedown" / "builds";
}

Build ensure_build(const mbedtls_config::ImportedConfig& config, BuildKind kind,
                   const std::function<void(const std::string&)>& progress) {
  const auto started = Clock::now();
  const KindRow& row = row_of(kind);
  const fs::path root = build_cache_root();
  const std::string id = fmt::format("{}-{}-{}-{}", row.name, config.tree.line, config.name, build_key(config));
  const fs::path dir = root / id;
  const std::string target = target_of(row, config);
  const fs::path out_dir = dir / "build" / (kind == BuildKind::kSimulator ? "libexec/shakedown" : "bin");
  const fs::path output = out_dir / (kind == BuildKind::kSimulator ? target : target + ".elf");
  const fs::path complete = dir / "complete";
  auto result = [&](bool built_now) {
    return Build{out_dir, output, built_now, std::chrono::duration<double>(Clock::now() - started).count()};
  };
  if (fs::exists(complete)) return result(false);

  fs::create_directories(root);
  const BuildLock lock(root / (id + ".lock"), std::chrono::duration_cast<std::chrono::seconds>(kWaitForOtherBuild),
                       [&] { progress(fmt::format("waiting for another run's build of {}", id)); });
  if (fs::exists(complete)) return result(false);  // the other run built it

  fs::remove_all(dir);  // what a build cut short left
  fs::create_directories(dir / "profiles");
  std::ofstream(dir / "profiles" / (config.name + ".h")) << config.profile_header;
  const fs::path log = dir / "build.log";
  progress(fmt::format("building {} (Mbed TLS {}, config {}) in {}; the log: {}", target, config.tree.version,
                       config.hash, dir.string(), log.string()));
  const fs::path cmake = process::find_in_path("cmake");
  if (cmake.empty()) throw BuildError("no cmake on PATH to build with");
  std::vector<std::string> configure = {cmake.string(),
                                        "-S",
                                        SHAKEDOWN_SOURCE_DIR,
                                        "-B",
                                        (dir / "build").string(),
                                        "-DSHAKEDOWN_EXTRA_PROFILES_DIR=" + (dir / "profiles").string(),
                                        "-DSHAKEDOWN_PROFILES=" + config.name,
                                        "-DSHAKEDOWN_MBEDTLS_SOURCE_DIRS=" + config.tree.dir.string()};
  for (auto& a : kind_arguments(row)) configure.push_back(std::move(a));
  if (!process::find_in_path("ninja").empty()) configure.insert(configure.end(), {"-G", "Ninja"});
  if (const auto ccache = process::find_in_path("ccache"); !ccache.empty()) {
    configure.push_back("-DCMAKE_C_COMPILER_LAUNCHER=" + ccache.string());
    configure.push_back("-DCMAKE_CXX_COMPILER_LAUNCHER=" + ccache.string());
  }
  run_step(configure, kConfigureTimeout, log, config);
  run_step({cmake.string(), "--build", (dir / "build").string(), "--target", target}, kBuildTimeout, log, config);
  if (!fs::exists(output))
    throw BuildError(fmt::format("the build made no {} (see {})", output.string(), log.string()));
  std::ofstream(complete) << config.file.string() << "\n";
  return result(true);
}

std::optional<ImageSize> image_size(const fs::path& elf) {
  const fs::path tool = process::find_in_path("arm-none-eabi-size");
  if (tool.empty()) return std::nullopt;
  const auto run = process::run_process({tool.string(), "-B", elf.string()}, 30s);
  if (!run.exited_cleanly()) return std::nullopt;
  std::istringstream in(run.out);
  std::string header;
  std::getline(in, header);  // "   text    data     bss     dec     hex filename"
  uint64_t text = 0, data = 0, bss = 0;
  if (!(in >> text >> data >> bss)) return std::nullopt;
  return ImageSize{text + data, data + bss};
}

}  // namespace shakedown::builds
