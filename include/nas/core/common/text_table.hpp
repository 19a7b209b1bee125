#pragma once
// Column-aligned plain-text tables and the number formats the reports share.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nas {

class TextTable {
 public:
  enum class Align { kLeft, kRight };
  /// One alignment per column; columns beyond the list are right-aligned (numbers).
  explicit TextTable(std::vector<Align> aligns = {}) : aligns_(std::move(aligns)) {}

  void add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  /// Every row on its own line, prefixed by `indent`, columns two spaces apart, no trailing
  /// spaces. The first row is the header, underlined with dashes when `underline_header`.
  std::string render(const std::string& indent = "", bool underline_header = true) const;

 private:
  std::vector<Align> aligns_;
  std::vector<std::vector<std::string>> rows_;
};

/// Fixed-point text, "-" for a missing or non-finite value.
std::string fixed(std::optional<double> v, int precision);
/// The shortest text that reads back as `v` for ordinary values: 0.3, 0.001, 1e-05.
std::string shortest(double v);
/// 1234 -> "1.2k", 5600000 -> "5.60M": for parameter and MAC counts.
std::string human_count(std::int64_t n);
/// "-" for a count a record does not have (a table cell has no params or MACs).
std::string human_count(const std::optional<std::int64_t>& n);
/// 12345678 -> "12,345,678".
std::string grouped(std::int64_t n);
/// A count and its noun, plural unless it is one: "1 trial", "3 trials", "0 epochs".
std::string counted(std::int64_t n, const std::string& noun);

}  // namespace nas
