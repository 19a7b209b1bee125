#include "nas/core/common/json_fields.hpp"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "nas/core/common/error.hpp"

namespace nas {

std::string dump_json(const nlohmann::json& j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

std::string shown(const nlohmann::json& v) {
  std::string s = dump_json(v);
  // A long array or object would drown the message; its start is enough to find it.
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

}  // namespace

JsonFields::JsonFields(const nlohmann::json& j, std::string what) : j_(j), what_(std::move(what)) {
  if (!j_.is_object()) {
    throw InputError(what_ + ": expected a JSON object, got " + shown(j_));
  }
}

bool JsonFields::has(const std::string& key) const { return j_.contains(key); }

const nlohmann::json& JsonFields::at(const std::string& key) const {
  auto it = j_.find(key);
  if (it == j_.end()) throw InputError(what_ + ": missing field '" + key + "'");
  return *it;
}

void JsonFields::fail(const std::string& key, const std::string& expected) const {
  throw InputError(what_ + ": field '" + key + "' must be " + expected + ", got " + shown(at(key)));
}

std::string JsonFields::str(const std::string& key) const {
  const auto& v = at(key);
  if (!v.is_string()) fail(key, "a string");
  return v.get<std::string>();
}

std::int64_t JsonFields::int64(const std::string& key) const {
  const auto& v = at(key);
  if (v.is_number_integer()) return v.get<std::int64_t>();
  // Some writers store integers as 3.0; accept those but not 3.5.
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) {
      return static_cast<std::int64_t>(d);
    }
  }
  fail(key, "an integer");
}

int JsonFields::integer(const std::string& key) const {
  const std::int64_t v = int64(key);
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
    fail(key, "an integer in the range of int");
  }
  return static_cast<int>(v);
}

std::uint64_t JsonFields::uint64(const std::string& key) const {
  const auto& v = at(key);
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer() && v.get<std::int64_t>() >= 0) {
    return static_cast<std::uint64_t>(v.get<std::int64_t>());
  }
  fail(key, "a non-negative integer");
}

double JsonFields::number(const std::string& key) const {
  const auto& v = at(key);
  if (!v.is_number()) fail(key, "a number");
  return v.get<double>();
}

double JsonFields::number_or_nan(const std::string& key) const {
  if (at(key).is_null()) return std::numeric_limits<double>::quiet_NaN();
  return number(key);
}

bool JsonFields::boolean(const std::string& key) const {
  const auto& v = at(key);
  if (!v.is_boolean()) fail(key, "true or false");
  return v.get<bool>();
}

std::optional<std::string> JsonFields::opt_str(const std::string& key) const {
  if (!has(key) || at(key).is_null()) return std::nullopt;
  return str(key);
}

std::optional<int> JsonFields::opt_integer(const std::string& key) const {
  if (!has(key) || at(key).is_null()) return std::nullopt;
  return integer(key);
}

std::optional<std::uint64_t> JsonFields::opt_uint64(const std::string& key) const {
  if (!has(key) || at(key).is_null()) return std::nullopt;
  return uint64(key);
}

std::optional<std::int64_t> JsonFields::opt_int64(const std::string& key) const {
  if (!has(key) || at(key).is_null()) return std::nullopt;
  return int64(key);
}

std::optional<double> JsonFields::opt_number(const std::string& key) const {
  if (!has(key) || at(key).is_null()) return std::nullopt;
  return number(key);
}

void JsonFields::expect_format(const std::string& tag) const {
  const std::string got = str("format");
  if (got != tag) {
    throw InputError(what_ + ": format is \"" + got + "\", expected \"" + tag + "\"");
  }
}

nlohmann::json json_or_null(const std::optional<double>& v) {
  if (!v || !std::isfinite(*v)) return nullptr;
  return *v;
}

nlohmann::json json_or_null(const std::optional<std::int64_t>& v) {
  if (!v) return nullptr;
  return *v;
}

nlohmann::json json_or_null(const std::optional<int>& v) {
  if (!v) return nullptr;
  return *v;
}

nlohmann::json json_or_null(const std::optional<std::string>& v) {
  if (!v) return nullptr;
  return *v;
}

}  // namespace nas
