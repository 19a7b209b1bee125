#pragma once
// A parse error with a suggestion: "The following argument was not expected: --epoch; did you
// mean --epochs?". Header-only, for every program's main (nas-report links no LibTorch).
#include <CLI/CLI.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "nas/console/nearest_name.hpp"

namespace nas {

/// The error's message, with the nearest known flag or subcommand when the user mistyped one.
/// `args` are the command line's words after the program (for a mistyped subcommand, which
/// CLI11 reports only as "a subcommand is required").
inline std::string with_suggestion(const CLI::App& app, const CLI::ParseError& error,
                                   const std::vector<std::string>& args = {}) {
  std::string message = error.what();
  std::vector<std::string> typed;
  const std::string marker = "not expected: ";
  if (const auto at = message.find(marker); at != std::string::npos) {
    std::istringstream words(message.substr(at + marker.size()));
    for (std::string w; words >> w;) typed.push_back(w);
  } else if (message.find("subcommand is required") != std::string::npos) {
    for (const auto& a : args) {
      if (!a.empty() && a[0] != '-') {
        typed.push_back(a);
        break;
      }
    }
  }
  // Names of the command that was being parsed, and of the subcommands one could have meant.
  const CLI::App* cmd = &app;
  for (const CLI::App* sub : app.get_subcommands()) cmd = sub;
  std::vector<std::string> names;
  for (const CLI::Option* opt : cmd->get_options()) {
    for (const auto& l : opt->get_lnames()) names.push_back("--" + l);
  }
  if (cmd == &app) {
    for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
  }
  for (const auto& word : typed) {
    if (auto near = nearest_name(word, names)) return message + "; did you mean " + *near + "?";
  }
  return message;
}

/// Makes an empty value (`--lr ''`, `--resume ''`) a parse error for every option of `app` and
/// its subcommands that takes a value: CLI11 would read it as 0, or as the option not given (a
/// new search where a resume was meant).
inline void refuse_empty_values(CLI::App& app) {
  const CLI::Validator non_empty(
      [](std::string& value) {
        return value.empty() ? std::string("an empty value; give one, or leave the option out")
                             : std::string();
      },
      "", "");
  for (CLI::Option* opt : app.get_options()) {
    if (opt->get_type_size() == 0) continue;  // a flag
    opt->check(non_empty);
  }
  for (CLI::App* sub : app.get_subcommands({})) refuse_empty_values(*sub);
}

/// Help that reads `--port N=8080`, not `--port INT:INT in [1 - 65535]=8080`: drops the
/// validators' descriptions from the value names (the option texts say the ranges) and names
/// numbers N (counts) or X (reals). Names set with type_name ("DIR", "ID") stay.
inline void plain_type_names(CLI::App& app) {
  for (CLI::Option* opt : app.get_options()) {
    if (opt->get_type_size() == 0) continue;  // a flag
    for (int i = 0;; ++i) {
      try {
        opt->get_validator(i)->description("");
      } catch (const CLI::OptionNotFound&) {
        break;
      }
    }
    const std::string base = opt->get_type_name();
    if (base == "INT" || base == "UINT") opt->type_name("N");
    if (base == "FLOAT") opt->type_name("X");
    // Options every program shares; the others name theirs where they are defined.
    static const std::pair<const char*, const char*> kShared[] = {
        {"--dataset", "NAME"}, {"--data-dir", "DIR"}, {"--experiment-dir", "DIR"},
        {"--device", "SPEC"},  {"--host", "ADDR"},    {"--log-level", "LEVEL"},
        {"--input", "C,H,W"}};
    if (base == "TEXT") {
      for (const auto& [flag, type] : kShared) {
        if (opt->check_lname(flag + 2)) opt->type_name(type);
      }
    }
  }
  for (CLI::App* sub : app.get_subcommands({})) plain_type_names(*sub);
}

}  // namespace nas
