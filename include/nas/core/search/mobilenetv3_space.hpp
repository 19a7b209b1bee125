#pragma once
// The MobileNetV3 search space of NNI's MobileNetV3Space (TuNAS "largest"), as the original used
// it: 66 labelled choices. An Architecture assigns one candidate value to every label.
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "nas/core/common/random.hpp"

namespace nas {

/// The space's numbers; defaults are the original's. Tests shrink them for tiny networks.
struct SearchSpaceOptions {
  std::vector<int> base_widths{16, 16, 32, 64, 128, 256, 512, 1024};
  std::vector<double> width_multipliers{0.5, 0.625, 0.75, 1.0, 1.25, 1.5, 2.0};
  std::vector<int> expand_ratios{1, 2, 3, 4, 5, 6};
  std::vector<int> kernel_sizes{3, 5, 7};
  std::vector<int> stem_kernel_sizes{3, 5};
  std::vector<int> depths{1, 2, 3, 4};
  /// Stages (1-based) whose layers may use squeeze-and-excite.
  std::vector<int> se_stages{2, 4, 5};
};

/// NNI's make_divisible(v, 8): the nearest multiple of 8 not more than 10 % below v.
int make_divisible(double v, int divisor = 8);

struct Choice {
  std::string label;
  std::vector<int> candidates;  // duplicates kept: sampling picks an entry uniformly
};

/// Which choices a search draws on its own. Both build the same networks from the same 66-label
/// architectures; they differ in what sampling and mutation can vary independently.
enum class LabelSet {
  kIndependent,  // "mobilenetv3": all 66 choices, what NNI's space was meant to be
  kNni27,        // "nni-2.7": the 54 labels NNI 2.7 exposed, which the original searched
};
std::string to_string(LabelSet labels);
/// Throws UsageError naming the known sets.
LabelSet label_set_from_string(const std::string& name);

/// One draw of sampling and mutation: a label whose value goes to every one of `targets`.
struct Draw {
  std::string label;
  std::vector<int> candidates;
  std::vector<std::string> targets;  // labels of the 66-choice space
};

/// label -> value. Plain data; MobileNetV3Space::validate says whether it belongs to a space.
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

class MobileNetV3Space {
 public:
  static constexpr int kStages = 5;
  static constexpr int kLayersPerStage = 4;
  static constexpr int kWidths = 8;

  explicit MobileNetV3Space(SearchSpaceOptions options = {},
                            LabelSet labels = LabelSet::kIndependent);

  const SearchSpaceOptions& options() const { return options_; }
  LabelSet labels() const { return labels_; }
  /// What sampling and mutation draw, in order: the 66 choices one by one, or NNI 2.7's 54
  /// labels (nni27_labels.hpp).
  const std::vector<Draw>& draws() const { return draws_; }
  /// Every choice, in canonical order (width_0..7, ks_0, per layer exp/ks/se, depth_1..5).
  const std::vector<Choice>& choices() const { return choices_; }
  /// Throws InputError for an unknown label.
  const Choice& choice(const std::string& label) const;

  /// Label of body layer j (0-based) of stage s (1-based): layers are numbered 2..21.
  static int layer_number(int stage, int j) { return 2 + (stage - 1) * kLayersPerStage + j; }
  bool stage_has_se(int stage) const;

  /// Every choice at the smallest (or largest) of its candidates: the extremes of the space.
  Architecture smallest() const;
  Architecture largest() const;

  /// Uniform random architecture: every draw picks an entry of its candidate list.
  Architecture sample(Rng& rng) const;
  /// Re-draws every draw uniformly with probability `prob` (it may draw the same value).
  Architecture mutate(const Architecture& parent, Rng& rng, double prob) const;
  /// Throws InputError naming the label (and the allowed values) for an unknown or missing
  /// label or a value outside the label's candidates, and, in the NNI 2.7 label set, for tied
  /// choices that differ.
  void validate(const Architecture& arch) const;
  /// The architecture with only the choices that shape the network (layers beyond each stage's
  /// depth dropped), as text: equal keys build identical networks.
  std::string canonical_string(const Architecture& arch) const;
  /// A short stable hash (16 hex digits) of canonical_string.
  std::string canonical_key(const Architecture& arch) const;

 private:
  SearchSpaceOptions options_;
  LabelSet labels_;
  std::vector<Choice> choices_;
  std::map<std::string, std::size_t> index_;
  std::vector<Draw> draws_;
};

/// An architecture as a file held it, always in the 66-label form; `nni27` when the file held NNI
/// 2.7's 54 labels (a parameter.cfg of the original) and `arch` is their expansion, which builds
/// the same network.
struct LoadedArchitecture {
  Architecture arch;
  bool nni27 = false;
};

/// Reads an architecture file (our JSON, a trial.json, or NNI's parameter.cfg with 66 or with NNI
/// 2.7's 54 labels) and validates it against the space; errors name the file.
LoadedArchitecture load_architecture(const std::string& path, const MobileNetV3Space& space);

}  // namespace nas
