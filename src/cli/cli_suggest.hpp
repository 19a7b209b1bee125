#pragma once
// How the three programs word a bad command line, the same in each: a parse error with a
// suggestion ("The following argument was not expected: --epoch; did you mean --epochs?"), and
// a bad value as "--epochs must be a whole number, got abc". Header-only, for every program's
// main (nas-report links no LibTorch).
#include <CLI/CLI.hpp>
#include <functional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "nas/console/nearest_name.hpp"

namespace nas {

/// A number for which `ok` holds, refused in the programs' words: "must be a number, got abc",
/// or "must be <what>, got -1".
inline CLI::Validator number_check(const char* name, std::function<bool(double)> ok,
                                   std::string what) {
  return CLI::Validator(
      [ok = std::move(ok), what = std::move(what)](std::string& text) -> std::string {
        try {
          std::size_t used = 0;
          const double v = std::stod(text, &used);
          if (used == text.size() && ok(v)) return "";
          if (used == text.size()) return "must be " + what + ", got " + text;
        } catch (const std::exception&) {
        }
        return "must be a number, got " + text;
      },
      "", name);
}

/// A number from `lo` to `hi` ("must be from 1 to 65535, got 0", where CLI::Range says "Value 0
/// not in range 1 to 65535").
inline CLI::Validator number_in_range(double lo, double hi) {
  std::ostringstream range;
  range << "from " << lo << " to " << hi;
  return number_check(
      "RANGE", [lo, hi](double v) { return v >= lo && v <= hi; }, range.str());
}

/// CLI11's words for a bad value, in the programs' own, which core's checks use too ("--epochs
/// must be at least 1, got 0"): "Could not convert: --epochs = abc" and the validators'
/// "--epochs: must be ..." both become "--epochs must be ..., got abc".
inline std::string plain_value_error(const CLI::App& cmd, const std::string& message) {
  static const std::regex convert(R"(^Could not convert: (--[\w-]+) = (.*)$)");
  static const std::regex checked(R"(^(--[\w-]+): (must be .*)$)");
  std::smatch m;
  if (std::regex_match(message, m, convert)) {
    const CLI::Option* opt = cmd.get_option_no_throw(m[1].str());
    const bool whole = opt && opt->get_type_name() == "N";
    return m[1].str() + " must be " + (whole ? "a whole number" : "a number") + ", got " +
           m[2].str();
  }
  if (std::regex_match(message, m, checked)) return m[1].str() + " " + m[2].str();
  return message;
}

/// The error's message, with the nearest known flag or subcommand when the user mistyped one.
/// `args` are the command line's words after the program (for a mistyped subcommand, which
/// CLI11 reports only as "a subcommand is required").
inline std::string with_suggestion(const CLI::App& app, const CLI::ParseError& error,
                                   const std::vector<std::string>& args = {}) {
  const CLI::App* parsed = &app;
  for (const CLI::App* sub : app.get_subcommands()) parsed = sub;
  std::string message = plain_value_error(*parsed, error.what());
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
