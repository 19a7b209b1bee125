#pragma once
// What every search space gives the strategies, de-duplication, records and resume: sampling,
// mutation, validation and a canonical key, over architectures written as label -> integer.
// MobileNetV3 (mobilenetv3_space.hpp) and NAS-Bench-201's cell (nb201_space.hpp) implement it;
// what is one space's own (network plans, stage depths, extremes) stays with that space.
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "nas/core/common/random.hpp"

namespace nas {

struct Choice {
  std::string label;
  std::vector<int> candidates;  // duplicates kept: sampling picks an entry uniformly
};

/// label -> value. Plain data; SearchSpace::validate says whether it belongs to a space.
class Architecture {
 public:
  Architecture() = default;
  explicit Architecture(std::map<std::string, int> values) : values_(std::move(values)) {}

  /// The value of `label`; throws InputError naming the label when it is absent.
  int at(const std::string& label) const;
  void set(const std::string& label, int value) { values_[label] = value; }
  bool has(const std::string& label) const { return values_.count(label) > 0; }
  const std::map<std::string, int>& values() const { return values_; }

  /// A flat JSON object {"width_0": 16, ...}.
  nlohmann::json to_json() const;
  /// Reads our flat object or NNI's parameter.cfg ({"parameters": {"mutation": {...}}}), with
  /// values as numbers or numeric strings. Throws InputError on anything else.
  static Architecture from_json(const nlohmann::json& j);

  bool operator==(const Architecture& o) const { return values_ == o.values_; }
  bool operator!=(const Architecture& o) const { return !(*this == o); }

 private:
  std::map<std::string, int> values_;
};

class SearchSpace {
 public:
  virtual ~SearchSpace() = default;
  /// A copy, for strategies that keep their space.
  virtual std::unique_ptr<SearchSpace> clone() const = 0;
  /// The name --space takes: "mobilenetv3", "nni-2.7", "nas-bench-201".
  virtual std::string name() const = 0;
  /// Every choice, in the space's canonical order.
  virtual const std::vector<Choice>& choices() const = 0;

  /// A uniform random architecture.
  virtual Architecture sample(Rng& rng) const = 0;
  /// A child of `parent`: each choice re-drawn with probability `prob`, as each space defines.
  virtual Architecture mutate(const Architecture& parent, Rng& rng, double prob) const = 0;
  /// Throws InputError naming the label (and the allowed values) for an architecture that is not
  /// in the space.
  virtual void validate(const Architecture& arch) const = 0;
  /// The architecture as text, only what makes it distinct: equal strings are the same network
  /// (or table row).
  virtual std::string canonical_string(const Architecture& arch) const = 0;
  /// A short stable hash (16 hex digits) of canonical_string: what de-duplication compares.
  std::string canonical_key(const Architecture& arch) const;
};

}  // namespace nas
