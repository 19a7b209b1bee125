// libFuzzer target: a trial.json and a retrain.json inside an experiment, through everything
// nas-report does with them (text, JSON, CSV) and the dashboard's data.
#include <nlohmann/json.hpp>
#include <sstream>

#include "fuzz_common.hpp"
#include "nas/core/common/error.hpp"
#include "nas/core/common/json_fields.hpp"
#include "nas/core/experiment/experiment_store.hpp"
#include "nas/core/report/report.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const nas::ExperimentStore store = [] {
    nas::ExperimentRecord e;
    e.id = "fuzz";
    e.created = "2026-11-28T00:00:00Z";
    e.dataset.name = "synthetic";
    std::filesystem::remove_all(nas::fuzz::scratch() / "experiments");
    return nas::ExperimentStore::create((nas::fuzz::scratch() / "experiments").string(), e);
  }();
  // The same bytes as a trial's record and as its retrain's.
  nas::fuzz::write_input(std::filesystem::path(store.trial_dir(0)) / "trial.json", data, size);
  nas::fuzz::write_input(
      std::filesystem::path(store.trial_dir(0)) / "retrain" / "r" / "retrain.json", data, size);
  try {
    const nas::ExperimentReport r = nas::build_report(store, {});
    std::ostringstream out;
    out << nas::render_text(r) << nas::dump_json(nas::report_to_json(r), 2);
    nas::write_csv(r, out);
    nas::write_epochs_csv(r, out);
  } catch (const nas::InputError&) {
    // Only experiment.json may stop a report; a bad trial file must be skipped.
    __builtin_trap();
  }
  return 0;
}
