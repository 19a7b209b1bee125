#include "nas/core/search/mobilenetv3_space.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "nas/core/common/error.hpp"
#include "nas/core/common/fnv1a.hpp"
#include "nas/core/common/json_fields.hpp"
#include "nas/core/search/nni27_labels.hpp"

namespace nas {
namespace {

std::string join(const std::vector<int>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(v[i]);
  }
  return out + "]";
}

}  // namespace

int make_divisible(double v, int divisor) {
  int n = std::max(divisor, static_cast<int>(v + divisor / 2.0) / divisor * divisor);
  if (n < 0.9 * v) n += divisor;
  return n;
}

std::string to_string(LabelSet labels) {
  return labels == LabelSet::kNni27 ? "nni-2.7" : "mobilenetv3";
}

LabelSet label_set_from_string(const std::string& name) {
  if (name == "mobilenetv3") return LabelSet::kIndependent;
  if (name == "nni-2.7") return LabelSet::kNni27;
  throw UsageError("space '" + name + "': expected mobilenetv3 (66 independent choices) or " +
                   "nni-2.7 (the 54 labels the original searched)");
}

MobileNetV3Space::MobileNetV3Space(SearchSpaceOptions options, LabelSet labels)
    : options_(std::move(options)), labels_(labels) {
  if (options_.base_widths.size() != kWidths) {
    throw UsageError("search space: base_widths needs " + std::to_string(kWidths) + " entries");
  }
  auto add = [this](std::string label, std::vector<int> candidates) {
    if (candidates.empty()) throw UsageError("search space: no candidates for '" + label + "'");
    index_[label] = choices_.size();
    choices_.push_back({std::move(label), std::move(candidates)});
  };
  for (int i = 0; i < kWidths; ++i) {
    std::vector<int> c;
    for (double m : options_.width_multipliers)
      c.push_back(make_divisible(options_.base_widths[i] * m));
    add("width_" + std::to_string(i), c);
  }
  add("ks_0", options_.stem_kernel_sizes);
  for (int s = 1; s <= kStages; ++s) {
    for (int j = 0; j < kLayersPerStage; ++j) {
      const std::string n = std::to_string(layer_number(s, j));
      add("exp_" + n, options_.expand_ratios);
      add("ks_" + n, options_.kernel_sizes);
      if (stage_has_se(s)) add("se_" + n, {0, 1});
    }
  }
  for (int s = 1; s <= kStages; ++s) add("depth_" + std::to_string(s), options_.depths);
  if (labels_ == LabelSet::kNni27) {
    draws_ = nni27_draws(*this);
  } else {
    for (const auto& c : choices_) draws_.push_back({c.label, c.candidates, {c.label}});
  }
}

const Choice& MobileNetV3Space::choice(const std::string& label) const {
  auto it = index_.find(label);
  if (it == index_.end()) throw InputError("architecture: unknown label '" + label + "'");
  return choices_[it->second];
}

bool MobileNetV3Space::stage_has_se(int stage) const {
  return std::find(options_.se_stages.begin(), options_.se_stages.end(), stage) !=
         options_.se_stages.end();
}

Architecture MobileNetV3Space::smallest() const {
  Architecture a;
  for (const auto& c : choices_)
    a.set(c.label, *std::min_element(c.candidates.begin(), c.candidates.end()));
  return a;
}

Architecture MobileNetV3Space::largest() const {
  Architecture a;
  for (const auto& c : choices_)
    a.set(c.label, *std::max_element(c.candidates.begin(), c.candidates.end()));
  return a;
}

Architecture MobileNetV3Space::sample(Rng& rng) const {
  Architecture arch;
  for (const auto& d : draws_) {
    const int v = d.candidates[uniform_index(rng, d.candidates.size())];
    for (const auto& t : d.targets) arch.set(t, v);
  }
  return arch;
}

Architecture MobileNetV3Space::mutate(const Architecture& parent, Rng& rng, double prob) const {
  Architecture child = parent;
  // One uniform draw per label in order, then the value only where it fires, so the stream of
  // draws has a fixed shape whatever the outcome.
  for (const auto& d : draws_) {
    if (uniform01(rng) < prob) {
      const int v = d.candidates[uniform_index(rng, d.candidates.size())];
      for (const auto& t : d.targets) child.set(t, v);
    }
  }
  return child;
}

void MobileNetV3Space::validate(const Architecture& arch) const {
  for (const auto& [label, value] : arch.values()) {
    auto it = index_.find(label);
    if (it == index_.end() && label.rfind("edge_", 0) == 0) {
      throw InputError(
          "architecture: a NAS-Bench-201 cell (label '" + label +
          "'), not a MobileNetV3 network: a table cell has no network to build or train");
    }
    if (it == index_.end()) throw InputError("architecture: unknown label '" + label + "'");
    const auto& cands = choices_[it->second].candidates;
    if (std::find(cands.begin(), cands.end(), value) == cands.end()) {
      throw InputError("architecture: '" + label + "' = " + std::to_string(value) +
                       " is not one of " + join(cands));
    }
  }
  for (const auto& c : choices_) {
    if (!arch.has(c.label)) {
      throw InputError("architecture: missing label '" + c.label + "' (allowed values " +
                       join(c.candidates) + ")");
    }
  }
  for (const auto& d : draws_) {
    for (const auto& t : d.targets) {
      if (arch.at(t) != arch.at(d.targets.front())) {
        throw InputError("architecture: '" + t + "' = " + std::to_string(arch.at(t)) + " but '" +
                         d.targets.front() + "' = " + std::to_string(arch.at(d.targets.front())) +
                         ": the nni-2.7 space ties them (one label, '" + d.label + "')");
      }
    }
  }
}

std::string MobileNetV3Space::canonical_string(const Architecture& arch) const {
  std::ostringstream out;
  out << "w";
  for (int i = 0; i < kWidths; ++i) out << (i ? "." : "") << arch.at("width_" + std::to_string(i));
  out << "|k" << arch.at("ks_0");
  for (int s = 1; s <= kStages; ++s) {
    const int depth = arch.at("depth_" + std::to_string(s));
    out << "|s" << s << ":";
    for (int j = 0; j < depth; ++j) {
      const std::string n = std::to_string(layer_number(s, j));
      out << (j ? "," : "") << "e" << arch.at("exp_" + n) << "k" << arch.at("ks_" + n);
      if (stage_has_se(s)) out << "s" << arch.at("se_" + n);
    }
  }
  return out.str();
}

LoadedArchitecture load_architecture(const std::string& path, const MobileNetV3Space& space) {
  std::ifstream in(path);
  if (!in) throw InputError(path + ": cannot open architecture file");
  nlohmann::json j;
  try {
    in >> j;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path + ": invalid JSON (" + std::string(e.what()) + ")");
  } catch (const std::exception& e) {
    // A folder opens as a stream on Linux and fails on the first read.
    throw InputError(path + ": cannot read architecture file (" + std::string(e.what()) + ")");
  }
  try {
    const Architecture raw = Architecture::from_json(j);
    LoadedArchitecture out;
    out.nni27 = uses_nni27_labels(raw, space);
    out.arch = out.nni27 ? expand_nni27(raw, space) : raw;
    space.validate(out.arch);
    return out;
  } catch (const InputError& e) {
    throw InputError(path + ": " + e.what());
  }
}

}  // namespace nas
