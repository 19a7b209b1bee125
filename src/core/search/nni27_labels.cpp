#include "nas/core/search/nni27_labels.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "nas/core/common/error.hpp"

namespace nas {
namespace {

/// NNI 2.7's label for each 66-space choice: the choice's own, except the tied ones.
std::map<std::string, std::string> nni27_label_of(const MobileNetV3Space& space) {
  std::map<std::string, std::string> out;
  for (const auto& c : space.choices()) out[c.label] = c.label;
  // Stages 1, 3, 4 and 5 were all built as "stage 1".
  for (int s : {3, 4, 5}) out["depth_" + std::to_string(s)] = "depth_1";
  // One SE label per stage, named after the layer counter at the end of the stage.
  for (int s = 1; s <= MobileNetV3Space::kStages; ++s) {
    if (!space.stage_has_se(s)) continue;
    const std::string shared =
        "se_" + std::to_string(
                    MobileNetV3Space::layer_number(s, MobileNetV3Space::kLayersPerStage - 1) + 1);
    for (int j = 0; j < MobileNetV3Space::kLayersPerStage; ++j)
      out["se_" + std::to_string(MobileNetV3Space::layer_number(s, j))] = shared;
  }
  return out;
}

std::string join(const std::vector<int>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + std::to_string(v[i]);
  return out + "]";
}

}  // namespace

std::vector<Draw> nni27_draws(const MobileNetV3Space& space) {
  const auto label_of = nni27_label_of(space);
  std::vector<Draw> draws;
  std::map<std::string, std::size_t> at;
  for (const auto& c : space.choices()) {
    const std::string& label = label_of.at(c.label);
    auto it = at.find(label);
    if (it == at.end()) {
      at[label] = draws.size();
      draws.push_back({label, c.candidates, {c.label}});
    } else {
      draws[it->second].targets.push_back(c.label);
    }
  }
  return draws;
}

std::optional<Architecture> to_nni27(const Architecture& arch, const MobileNetV3Space& space) {
  Architecture out;
  for (const auto& d : nni27_draws(space)) {
    const int v = arch.at(d.targets.front());
    for (const auto& t : d.targets) {
      if (arch.at(t) != v) return std::nullopt;
    }
    out.set(d.label, v);
  }
  return out;
}

Architecture expand_nni27(const Architecture& arch54, const MobileNetV3Space& space) {
  const auto draws = nni27_draws(space);
  std::set<std::string> known;
  for (const auto& d : draws) known.insert(d.label);
  for (const auto& [label, value] : arch54.values()) {
    if (!known.count(label))
      throw InputError("NNI 2.7 54-label architecture: unknown label '" + label + "'");
  }
  Architecture out;
  for (const auto& d : draws) {
    if (!arch54.has(d.label))
      throw InputError("NNI 2.7 54-label architecture: missing label '" + d.label + "'");
    const int v = arch54.at(d.label);
    if (std::find(d.candidates.begin(), d.candidates.end(), v) == d.candidates.end()) {
      throw InputError("NNI 2.7 54-label architecture: '" + d.label + "' = " + std::to_string(v) +
                       " is not one of " + join(d.candidates));
    }
    for (const auto& t : d.targets) out.set(t, v);
  }
  return out;
}

bool uses_nni27_labels(const Architecture& raw, const MobileNetV3Space& space) {
  std::set<std::string> labels66, labels54;
  for (const auto& c : space.choices()) labels66.insert(c.label);
  for (const auto& d : nni27_draws(space)) labels54.insert(d.label);
  std::optional<std::string> only54, only66;
  for (const auto& [label, value] : raw.values()) {
    if (labels54.count(label) && !labels66.count(label) && !only54) only54 = label;
    if (labels66.count(label) && !labels54.count(label) && !only66) only66 = label;
  }
  if (only54 && only66) {
    throw InputError("architecture mixes NNI 2.7's 54 labels ('" + *only54 +
                     "') with the 66-label set ('" + *only66 + "')");
  }
  // A 54-label file missing its SE labels still reads as one when depth_3 is absent too.
  return only54 || (!only66 && raw.has("depth_1") && !raw.has("depth_3"));
}

}  // namespace nas
