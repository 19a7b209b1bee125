#pragma once
// Typed reads of JSON object fields for the record readers. Every failure is an InputError that
// names the record kind and the field, so a user can find the bad value in the file.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

namespace nas {

/// Serialises `j` as every JSON file we write: bytes that are not UTF-8 (a Latin-1 --name, a
/// path) become U+FFFD instead of failing the write. indent < 0: one line.
std::string dump_json(const nlohmann::json& j, int indent = -1);

/// Reads fields of one JSON object; `what` names it in messages ("trial", "experiment.options").
class JsonFields {
 public:
  /// Throws InputError unless `j` is an object.
  JsonFields(const nlohmann::json& j, std::string what);

  bool has(const std::string& key) const;
  /// The field, which must exist (null is allowed here).
  const nlohmann::json& at(const std::string& key) const;

  std::string str(const std::string& key) const;
  std::int64_t int64(const std::string& key) const;
  int integer(const std::string& key) const;
  std::uint64_t uint64(const std::string& key) const;
  double number(const std::string& key) const;
  /// A number, where null stands for NaN (JSON cannot hold NaN, e.g. a diverged loss).
  double number_or_nan(const std::string& key) const;
  bool boolean(const std::string& key) const;

  /// Missing or null -> nullopt; present with the wrong type -> InputError.
  std::optional<std::string> opt_str(const std::string& key) const;
  std::optional<int> opt_integer(const std::string& key) const;
  std::optional<std::uint64_t> opt_uint64(const std::string& key) const;
  std::optional<std::int64_t> opt_int64(const std::string& key) const;
  std::optional<double> opt_number(const std::string& key) const;

  /// Throws InputError unless the field `format` equals `tag`.
  void expect_format(const std::string& tag) const;

  /// "<what>.<key>", to name a nested object in messages.
  std::string path(const std::string& key) const { return what_ + "." + key; }
  [[noreturn]] void fail(const std::string& key, const std::string& expected) const;

 private:
  const nlohmann::json& j_;
  std::string what_;
};

/// null for a missing or non-finite value (JSON has no NaN or infinity), else the number.
nlohmann::json json_or_null(const std::optional<double>& v);
nlohmann::json json_or_null(const std::optional<int>& v);
nlohmann::json json_or_null(const std::optional<std::int64_t>& v);
nlohmann::json json_or_null(const std::optional<std::string>& v);

}  // namespace nas
