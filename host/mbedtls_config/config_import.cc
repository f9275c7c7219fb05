#include "config_import.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

#include "substitutions.h"

namespace shakedown::mbedtls_config {
namespace fs = std::filesystem;

std::string config_hash_of(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned i = 0; i < 8 && i < size; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

namespace {

// The profile's name: the file's stem, or, when the stem is one every
// project uses ("mbedtls_config"), the name of the first folder above it that
// is not one every project has (CubeMX's Inc/ and Core/, include/, Target/):
// .../SSL_Client/Inc/mbedtls_config.h is "ssl-client". Lower case, '-' for the rest.
bool generic_name(std::string_view name, std::initializer_list<std::string_view> generic) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return std::ranges::find(generic, lower) != generic.end();
}

std::string profile_name(const fs::path& file) {
  std::string stem = file.stem().string();
  if (generic_name(stem, {"config", "mbedtls_config", "user_config", "mbedtls_user_config"})) {
    for (fs::path dir = fs::absolute(file).parent_path(); dir.has_relative_path(); dir = dir.parent_path()) {
      if (!generic_name(dir.filename().string(), {"inc", "core", "include", "target", "app", "config", "configs"})) {
        stem = dir.filename().string();
        break;
      }
    }
  }
  std::string name;
  for (char c : stem) name += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '-';
  return name.empty() ? "imported" : name;
}

std::string define_line(const std::string& name, const Macro& m) {
  return fmt::format("#define {}{}{}{}\n", name, m.params, m.value.empty() ? "" : " ", m.value);
}

}  // namespace

std::string profile_header_of(const ImportedConfig& c) {
  // Nothing here names the file: the hash is of the options, so the same
  // options under another name build (and are cached) once.
  std::string text = fmt::format(
      "/* A device config imported by `shakedown config` for Mbed TLS {}: its\n"
      " * options as a delta over the line's defaults, its hooks into the\n"
      " * device's hardware or project left to the target's seams. Generated. */\n",
      c.tree.line);
  // The line's own hooks (2.x's MBEDTLS_NET_C, 3.x's file-backed PSA
  // storage) go too, whether the file has them or not: the target's
  // platform delta, included after this, sets the ones it needs.
  for (const auto& [name, macro] : c.defaults) {
    if (substitution_for(name)) text += "#undef " + name + "\n";
  }
  const auto d = differences(c);
  for (const auto& name : d.turned_off) text += "#undef " + name + "\n";
  for (const auto& name : d.changed) text += "#undef " + name + "\n" + define_line(name, c.effective.at(name));
  for (const auto& name : d.turned_on) text += define_line(name, c.effective.at(name));
  return text;
}

ImportedConfig import_config(const fs::path& file, const MbedtlsTree& tree, std::string tree_choice) {
  ImportedConfig c{.file = file, .tree = tree, .tree_choice = std::move(tree_choice)};
  auto dump = dump_config(file, tree);
  c.dropped_includes = std::move(dump.dropped_includes);
  c.defaults = dump_default_config(tree).macros;
  const auto known = known_options(tree);
  for (auto& [name, macro] : dump.macros) {
    if (const auto* rule = substitution_for(name)) {
      c.substitutions.push_back({name, macro, rule->replaced_by});
      continue;
    }
    if (!known.contains(name)) c.unknown_options.push_back(name);
    c.effective.emplace(name, std::move(macro));
  }
  std::stable_sort(c.substitutions.begin(), c.substitutions.end(), [](const auto& a, const auto& b) {
    return std::pair(!a.user.file.empty(), a.user.line) < std::pair(!b.user.file.empty(), b.user.line);
  });
  c.name = profile_name(file);
  c.profile_header = profile_header_of(c);
  c.hash = config_hash_of(c.profile_header);
  return c;
}

MbedtlsTree guess_tree(const fs::path& file, std::span<const MbedtlsTree> trees, std::string* why) {
  if (trees.empty()) throw TreeError("no Mbed TLS tree to read the config with: name one with --mbedtls DIR");
  std::vector<size_t> known(trees.size());
  std::string counts;
  for (size_t i = 0; i < trees.size(); ++i) {
    const auto options = dump_config(file, trees[i]).macros;
    const auto vocabulary = known_options(trees[i]);
    known[i] =
        std::count_if(options.begin(), options.end(), [&](const auto& o) { return vocabulary.contains(o.first); });
    counts += fmt::format("{}{} of its {} options are Mbed TLS {}'s", counts.empty() ? "" : ", ", known[i],
                          options.size(), trees[i].line);
  }
  const size_t best = std::max_element(known.begin(), known.end()) - known.begin();
  if (std::count(known.begin(), known.end(), known[best]) > 1) {
    throw TreeError(
        fmt::format("{}: cannot tell its Mbed TLS line ({}): name it with --mbedtls", file.string(), counts));
  }
  if (why) *why = "guessed: " + counts;
  return trees[best];
}

Differences differences(const ImportedConfig& c) {
  Differences d;
  for (const auto& [name, macro] : c.defaults) {
    if (substitution_for(name)) continue;  // the target's business, not a difference of the user's
    auto it = c.effective.find(name);
    if (it == c.effective.end()) {
      d.turned_off.push_back(name);
    } else if (!(it->second == macro)) {
      d.changed.push_back(name);
    }
  }
  for (const auto& [name, macro] : c.effective) {
    if (!c.defaults.contains(name)) d.turned_on.push_back(name);
  }
  return d;
}

}  // namespace shakedown::mbedtls_config
