#include "nas/core/search/nb201_trial.hpp"

#include <chrono>

#include "nas/core/search/nb201_space.hpp"

namespace nas {

TrialRecord Nb201TrialRunner::operator()(const TrialProposal& proposal,
                                         const TrialSlot& slot) const {
  const auto start = std::chrono::steady_clock::now();
  TrialRecord r = start_record(proposal, writer_.id());
  r.device = "table";
  r.host = slot.host;
  const Nb201Cell cell = Nb201Space::cell_of(proposal.arch);
  const Nb201Accuracy acc = table_.accuracy(cell, dataset_);
  r.nb201 = Nb201Lookup{to_string(dataset_), to_string(cell), acc.val, acc.test};
  r.accuracy = test_split_ ? acc.test : acc.val;
  r.metric = r.accuracy;
  r.status = TrialStatus::kCompleted;
  r.ended = now_iso8601();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  writer_.write_trial(r);
  return r;
}

DatasetInfo nb201_dataset_info(Nb201Dataset dataset, const std::string& split,
                               const std::string& table_path) {
  DatasetInfo d;
  d.name = "nas-bench-201/" + to_string(dataset);
  d.dir = table_path;
  d.split = split;
  d.classes = dataset == Nb201Dataset::kCifar10    ? 10
              : dataset == Nb201Dataset::kCifar100 ? 100
                                                   : 120;
  return d;
}

}  // namespace nas
