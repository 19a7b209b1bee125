#pragma once
// The MobileNetV3 search space of NNI's MobileNetV3Space (TuNAS "largest"), as the original used
// it: 66 labelled choices. An Architecture assigns one candidate value to every label.
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "nas/core/search/search_space.hpp"

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

class MobileNetV3Space : public SearchSpace {
 public:
  static constexpr int kStages = 5;
  static constexpr int kLayersPerStage = 4;
  static constexpr int kWidths = 8;

  explicit MobileNetV3Space(SearchSpaceOptions options = {},
                            LabelSet labels = LabelSet::kIndependent);

  const SearchSpaceOptions& options() const { return options_; }
  std::unique_ptr<SearchSpace> clone() const override {
    return std::make_unique<MobileNetV3Space>(*this);
  }
  /// "mobilenetv3" or "nni-2.7", after its label set.
  std::string name() const override { return to_string(labels_); }
  LabelSet labels() const { return labels_; }
  /// What sampling and mutation draw, in order: the 66 choices one by one, or NNI 2.7's 54
  /// labels (nni27_labels.hpp).
  const std::vector<Draw>& draws() const { return draws_; }
  /// Every choice, in canonical order (width_0..7, ks_0, per layer exp/ks/se, depth_1..5).
  const std::vector<Choice>& choices() const override { return choices_; }
  /// Throws InputError for an unknown label.
  const Choice& choice(const std::string& label) const;

  /// Label of body layer j (0-based) of stage s (1-based): layers are numbered 2..21.
  static int layer_number(int stage, int j) { return 2 + (stage - 1) * kLayersPerStage + j; }
  bool stage_has_se(int stage) const;

  /// Every choice at the smallest (or largest) of its candidates: the extremes of the space.
  Architecture smallest() const;
  Architecture largest() const;

  /// Uniform random architecture: every draw picks an entry of its candidate list.
  Architecture sample(Rng& rng) const override;
  /// Re-draws every draw uniformly with probability `prob` (it may draw the same value).
  Architecture mutate(const Architecture& parent, Rng& rng, double prob) const override;
  /// Throws InputError naming the label (and the allowed values) for an unknown or missing
  /// label or a value outside the label's candidates, and, in the NNI 2.7 label set, for tied
  /// choices that differ.
  void validate(const Architecture& arch) const override;
  /// The architecture with only the choices that shape the network (layers beyond each stage's
  /// depth dropped), as text: equal keys build identical networks.
  std::string canonical_string(const Architecture& arch) const override;

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
