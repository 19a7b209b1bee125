#pragma once
// A trial of --space nas-bench-201: no network and no training, a row of the table. It runs on the
// executor like any trial, so de-duplication, records, resume and the report treat it as one.
#include <string>

#include "nas/core/experiment/records.hpp"
#include "nas/core/experiment/trial_writer.hpp"
#include "nas/core/search/executor.hpp"
#include "nas/core/search/nb201_table.hpp"

namespace nas {

class Nb201TrialRunner {
 public:
  /// `table` and `writer` outlive the runner. `test_split`: score by the test column (the
  /// search's --eval-split test) instead of the validation column.
  Nb201TrialRunner(const Nb201Table& table, Nb201Dataset dataset, bool test_split,
                   const TrialWriter& writer)
      : table_(table), dataset_(dataset), test_split_(test_split), writer_(writer) {}

  /// Looks the proposal's cell up, writes its record (completed, metric = the accuracy scored,
  /// both columns in `nb201`, no params, MACs or latency) and returns it. Throws InputError for
  /// an architecture that is not a cell.
  TrialRecord operator()(const TrialProposal& proposal, const TrialSlot& slot) const;

 private:
  const Nb201Table& table_;
  Nb201Dataset dataset_;
  bool test_split_;
  const TrialWriter& writer_;
};

/// The experiment's data set as the records describe it: "nas-bench-201/<dataset>", the classes
/// of the data set, the split scored; no images, so no shape or sizes.
DatasetInfo nb201_dataset_info(Nb201Dataset dataset, const std::string& split,
                               const std::string& table_path);

}  // namespace nas
