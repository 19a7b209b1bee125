#include "nas/core/search/search_space.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>

#include "nas/core/common/error.hpp"
#include "nas/core/common/fnv1a.hpp"
#include "nas/core/common/json_fields.hpp"

namespace nas {
namespace {

// Architecture values are small integers; anything outside int's range (4294967304, 1e300) is
// refused before a conversion could wrap it onto a valid candidate.
bool integral_in_range(double d) {
  return std::isfinite(d) && d == std::floor(d) && d >= std::numeric_limits<int>::min() &&
         d <= std::numeric_limits<int>::max();
}

int value_from_json(const std::string& label, const nlohmann::json& v) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u <= static_cast<std::uint64_t>(std::numeric_limits<int>::max()))
      return static_cast<int>(u);
  } else if (v.is_number_integer()) {
    const auto i = v.get<std::int64_t>();
    if (i >= std::numeric_limits<int>::min() && i <= std::numeric_limits<int>::max())
      return static_cast<int>(i);
  } else if (v.is_number_float()) {
    const double d = v.get<double>();
    if (integral_in_range(d)) return static_cast<int>(d);
  } else if (v.is_string()) {
    const std::string s = v.get<std::string>();
    try {
      std::size_t used = 0;
      const double d = std::stod(s, &used);
      if (used == s.size() && integral_in_range(d)) return static_cast<int>(d);
    } catch (const std::exception&) {
    }
  }
  throw InputError("architecture: value of '" + label +
                   "' is not an integer in range: " + dump_json(v));
}

}  // namespace

int Architecture::at(const std::string& label) const {
  auto it = values_.find(label);
  if (it == values_.end()) throw InputError("architecture: missing label '" + label + "'");
  return it->second;
}

nlohmann::json Architecture::to_json() const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [label, value] : values_) j[label] = value;
  return j;
}

Architecture Architecture::from_json(const nlohmann::json& j) {
  const nlohmann::json* obj = &j;
  if (j.is_object() && j.contains("arch") && j["arch"].is_object()) {
    obj = &j["arch"];  // a trial.json or retrain.json of ours
  } else if (j.is_object() && j.contains("parameters")) {
    const auto& p = j["parameters"];
    if (!p.is_object() || !p.contains("mutation") || !p["mutation"].is_object()) {
      throw InputError(
          "architecture: 'parameters' has no 'mutation' object (not an NNI parameter.cfg)");
    }
    obj = &p["mutation"];
  }
  if (!obj->is_object()) throw InputError("architecture: expected a JSON object of label -> value");
  Architecture arch;
  for (const auto& [label, v] : obj->items()) arch.set(label, value_from_json(label, v));
  return arch;
}

std::string SearchSpace::canonical_key(const Architecture& arch) const {
  const std::string text = canonical_string(arch);
  return hex64(fnv1a(text.data(), text.size()));
}

}  // namespace nas
