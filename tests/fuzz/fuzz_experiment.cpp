// libFuzzer target: an experiment.json as nas-report, --resume and --compare read it.
#include <nlohmann/json.hpp>

#include "fuzz_common.hpp"
#include "nas/core/common/error.hpp"
#include "nas/core/common/json_fields.hpp"
#include "nas/core/experiment/experiment_store.hpp"
#include "nas/core/report/report.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto root = nas::fuzz::scratch() / "experiments";
  nas::fuzz::write_input(root / "fuzz" / "experiment.json", data, size);
  std::filesystem::create_directories(root / "fuzz" / "trials");
  try {
    const auto store = nas::ExperimentStore::open(root.string(), "fuzz");
    const nas::ExperimentRecord e = store.read_experiment();
    // What was read can be written back and read again to the same record.
    const std::string again = nas::dump_json(nas::to_json(e));
    nas::experiment_record_from_json(nlohmann::json::parse(again));
    nas::render_text(nas::build_report(store, {}));
  } catch (const nas::InputError&) {
  } catch (const nas::UsageError&) {
  }
  return 0;
}
