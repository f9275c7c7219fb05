#include "config_command.h"

#include <fmt/format.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "config_import.h"
#include "option_topics.h"
#include "shakedown/errors/exit_codes.h"

namespace shakedown::cli {
namespace {

using namespace mbedtls_config;

std::string where(const Macro& m) {
  return m.file.empty() ? fmt::format("line {}", m.line) : fmt::format("{}:{}", m.file, m.line);
}

std::string shown(const std::string& name, const Macro& m) {
  return m.value.empty() ? name : fmt::format("{} {}", name, m.value);
}

void print_text(const ImportedConfig& c) {
  fmt::print("{}: profile {} (config hash {}), Mbed TLS {} from {} ({})\n", c.file.string(), c.name, c.hash,
             c.tree.version, c.tree.dir.string(), c.tree_choice);
  fmt::print("\nReplaced by the target's seams ({}):\n", c.substitutions.size() + c.dropped_includes.size());
  for (const auto& d : c.dropped_includes) {
    fmt::print("  line {}: #include \"{}\": left out, not found (a header of the project's)\n", d.line, d.header);
  }
  for (const auto& s : c.substitutions) {
    fmt::print("  {}: {}: {}\n", where(s.user), shown(s.option, s.user), s.replaced_by);
  }
  fmt::print("\nKept exactly, the options that change TLS behaviour:\n");
  std::map<std::string_view, std::vector<std::string>> by_topic;
  for (const auto& [name, macro] : c.effective) {
    if (const auto* topic = topic_of(name)) by_topic[topic->title].push_back(shown(name, macro));
  }
  for (const auto& topic : option_topics()) {
    const auto it = by_topic.find(topic.title);
    fmt::print("  {:<15} {}\n", topic.title,
               it == by_topic.end() ? "(none)" : fmt::format("{}", fmt::join(it->second, ", ")));
  }
  const auto d = differences(c);
  fmt::print("\nDiffers from Mbed TLS {}'s defaults ({}):\n", c.tree.line,
             d.turned_off.size() + d.turned_on.size() + d.changed.size());
  for (const auto& name : d.turned_off) fmt::print("  off: {}\n", name);
  for (const auto& name : d.changed) {
    fmt::print("  set: {} ({}; default {})\n", shown(name, c.effective.at(name)), where(c.effective.at(name)),
               c.defaults.at(name).value);
  }
  for (const auto& name : d.turned_on) {
    fmt::print("  on:  {} ({})\n", shown(name, c.effective.at(name)), where(c.effective.at(name)));
  }
  if (!c.unknown_options.empty()) {
    fmt::print("\nNot options of Mbed TLS {} (kept; check the line): {}\n", c.tree.line,
               fmt::join(c.unknown_options, ", "));
  }
}

nlohmann::json to_json(const ImportedConfig& c) {
  nlohmann::json j = {{"file", c.file.string()},
                      {"profile", c.name},
                      {"config_hash", c.hash},
                      {"mbedtls_version", c.tree.version},
                      {"mbedtls_line", c.tree.line},
                      {"mbedtls_dir", c.tree.dir.string()},
                      {"line_choice", c.tree_choice},
                      {"unknown_options", c.unknown_options},
                      {"profile_header", c.profile_header}};
  j["substitutions"] = nlohmann::json::array();
  for (const auto& d : c.dropped_includes) {
    j["substitutions"].push_back({{"include", d.header}, {"line", d.line}, {"replaced_by", "left out: not found"}});
  }
  for (const auto& s : c.substitutions) {
    j["substitutions"].push_back({{"option", s.option},
                                  {"value", s.user.value},
                                  {"line", s.user.line},
                                  {"in", s.user.file},
                                  {"replaced_by", s.replaced_by}});
  }
  auto& effective = j["effective"] = nlohmann::json::object();
  for (const auto& [name, macro] : c.effective) effective[name] = macro.value;
  const auto d = differences(c);
  j["differs_from_defaults"] = {{"off", d.turned_off}, {"on", d.turned_on}, {"changed", d.changed}};
  return j;
}

}  // namespace

int config_show_command(const ConfigArgs& args) {
  try {
    MbedtlsTree tree;
    std::string choice = "named with --mbedtls";
    if (args.mbedtls.empty()) {
      tree = guess_tree(args.file, built_trees(), &choice);
    } else {
      tree = choose_tree(args.mbedtls);
    }
    const auto config = import_config(args.file, tree, choice);
    if (!args.profile_out.empty()) {
      std::ofstream out(args.profile_out);
      out << config.profile_header;
      if (!out.flush()) {
        fmt::print(stderr, "shakedown: --profile-out {}: cannot be written\n", args.profile_out);
        return exit_codes::kUsage;
      }
    }
    if (args.json) {
      fmt::print("{}\n", to_json(config).dump(2));
    } else {
      print_text(config);
    }
    return exit_codes::kAllAsExpected;
  } catch (const ConfigError& e) {
    fmt::print(stderr, "shakedown: {}\n", e.what());
  } catch (const TreeError& e) {
    fmt::print(stderr, "shakedown: {}\n", e.what());
  }
  return exit_codes::kUsage;
}

}  // namespace shakedown::cli
