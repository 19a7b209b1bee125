#pragma once
// NAS-Bench-201's cell as a search space: six edges, each one of five operations, written as an
// Architecture of six labels whose values index kNb201Ops. There is no network to build: a trial
// looks its accuracy up in the table (nb201_trial.hpp).
#include <array>
#include <string>
#include <vector>

#include "nas/core/search/nb201_table.hpp"
#include "nas/core/search/search_space.hpp"

namespace nas {

/// The edges' labels, in NAS-Bench-201's string order (1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2).
inline constexpr std::array<const char*, kNb201Edges> kNb201EdgeLabels{
    "edge_1_0", "edge_2_0", "edge_2_1", "edge_3_0", "edge_3_1", "edge_3_2"};

class Nb201Space : public SearchSpace {
 public:
  Nb201Space();

  std::unique_ptr<SearchSpace> clone() const override {
    return std::make_unique<Nb201Space>(*this);
  }
  std::string name() const override { return "nas-bench-201"; }
  const std::vector<Choice>& choices() const override { return choices_; }

  Architecture sample(Rng& rng) const override;
  /// NASLib's and NAS-Bench-201's evolution changes one edge per child; ours re-draws each edge
  /// with probability `prob`, always to another operation, and when none fired changes one edge
  /// chosen uniformly: a child always differs from its parent (six choices would otherwise give
  /// copies most of the time at the original's 0.05), and at small `prob` it is NASLib's child.
  Architecture mutate(const Architecture& parent, Rng& rng, double prob) const override;
  void validate(const Architecture& arch) const override;
  /// NAS-Bench-201's own string of the cell: de-duplication is keyed on it.
  std::string canonical_string(const Architecture& arch) const override;

  /// The cell of a valid architecture (throws InputError as validate does).
  static Nb201Cell cell_of(const Architecture& arch);
  static Architecture architecture_of(const Nb201Cell& cell);

 private:
  std::vector<Choice> choices_;
};

/// Reads a cell from NAS-Bench-201's string or from our JSON form (a flat object of the six
/// labels, or a trial.json holding one); throws InputError saying what is wrong.
Nb201Cell read_nb201_cell(const std::string& text);
/// read_nb201_cell of a file's text, a trial folder's trial.json, or, when no such file exists,
/// of `source` itself (a cell string on the command line); errors name the file.
Nb201Cell load_nb201_cell(const std::string& source);

}  // namespace nas
