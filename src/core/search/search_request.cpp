#include "nas/core/search/search_request.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <utility>

#include "nas/core/common/error.hpp"
#include "nas/core/common/random.hpp"
#include "nas/core/experiment/architecture_source.hpp"
#include "nas/core/search/mobilenetv3_space.hpp"
#include "nas/core/search/nb201_space.hpp"
#include "nas/core/search/search_driver.hpp"
#include "nas/core/search/search_spaces.hpp"

namespace fs = std::filesystem;

namespace nas {
namespace {

/// Flags that define a search, with the experiment.json option each one sets: on a resume they
/// must agree with the stored experiment.
const std::vector<std::pair<std::string, std::string>>& defining_flags() {
  static const std::vector<std::pair<std::string, std::string>> flags{
      {"--epochs", "epochs"},
      {"--cull-ratio", "cull_ratio"},
      {"--max-population", "max_population"},
      {"--sample-size", "sample_size"},
      {"--strategy", "strategy"},
      {"--objective", "objective"},
      {"--space", "space"},
      {"--nb201-dataset", "nb201_dataset"},
      {"--nb201-table", "nb201_table"},
      {"--mutation-prob", "mutation_prob"},
      {"--dataset", "dataset"},
      {"--data-dir", "data_dir"},
      {"--eval-split", "eval_split"},
      {"--train-subset", "train_subset"},
      {"--eval-subset", "eval_subset"},
      {"--batch-size", "batch_size"},
      {"--lr", "lr"},
      {"--latency-batch", "latency_batch"},
      {"--latency-exponent", "latency_exponent"},
      {"--target-latency", "target_latency_ms"},
      {"--max-latency", "max_latency_ms"},
      {"--max-macs", "max_macs"},
      {"--max-params", "max_params"},
      {"--reward", "reward"},
      {"--beta", "beta"},
      {"--bn-recalibrate", "bn_recalibrate"},
      {"--deterministic", "deterministic"},
      {"--tf32", "tf32"},
      {"--seed", "seed"}};
  return flags;
}

/// The small-budget run of the README: a few minutes on 2 CPU cores on Fashion-MNIST. Sets what
/// was not given and returns it, for messages.
std::vector<std::pair<std::string, std::string>> apply_quick(SearchOptions& s,
                                                             const std::set<std::string>& given) {
  std::vector<std::pair<std::string, std::string>> set_flags;
  auto set = [&](const char* flag, auto& field, auto value) {
    if (given.count(flag)) return;
    field = value;
    set_flags.emplace_back(flag, std::to_string(value));
  };
  set("--n-trials", s.n_trials, 12);
  set("--max-population", s.max_population, 6);
  set("--sample-size", s.sample_size, 3);
  set("--concurrent-trials", s.concurrent_trials, 2);
  set("--train-subset", s.train_subset, std::int64_t{2000});
  set("--eval-subset", s.eval_subset, std::int64_t{1000});
  return set_flags;
}

void check_resume_flags(const SearchRequest& r, const ExperimentRecord& stored) {
  nlohmann::json given = to_json(r.options);
  given["seed"] = r.seed;
  nlohmann::json have = to_json(stored.options);
  have["seed"] = stored.seed;
  for (const auto& [flag, field] : defining_flags()) {
    if (r.given.count(flag) && given[field] != have[field]) {
      throw UsageError(flag + " " + given[field].dump() + " conflicts with the experiment's " +
                       have[field].dump() + " (--resume takes the options from experiment.json)");
    }
  }
}

void prepare_resume(const SearchRequest& r, const std::string& root, PreparedSearch& p) {
  for (const char* ignored : {"--name", "--quick", "--initial-arch"}) {
    if (r.given.count(ignored)) p.ignored.push_back(ignored);
  }
  p.resumed = true;
  p.store = ExperimentStore::open(root, r.resume);
  p.lock = p.store->lock();  // two processes must never run one experiment
  p.experiment = p.store->read_experiment();
  check_resume_flags(r, p.experiment);
  SearchOptions& s = p.experiment.options;
  if (r.given.count("--n-trials")) {
    if (r.options.n_trials < s.n_trials) {
      throw UsageError("--n-trials " + std::to_string(r.options.n_trials) +
                       " is smaller than the experiment's " + std::to_string(s.n_trials) +
                       ": a search can be extended, not shortened");
    }
    s.n_trials = r.options.n_trials;
  }
  // A budget may be given, raised or lowered on resume: it is how long to keep going.
  if (r.given.count("--time-budget")) s.time_budget_seconds = r.options.time_budget_seconds;
  if (r.given.count("--concurrent-trials")) s.concurrent_trials = r.options.concurrent_trials;
  if (r.given.count("--threads")) s.threads = r.options.threads;
  if (r.given.count("--device") || r.no_gpu) s.device = r.no_gpu ? "cpu" : r.options.device;
  // The same table may have moved: what must agree is its content, not its path.
  if (r.given.count("--latency-table")) {
    if (s.latency_table.empty() || r.options.latency_table_checksum != s.latency_table_checksum)
      throw UsageError("--latency-table " + r.options.latency_table +
                       (s.latency_table.empty()
                            ? " conflicts with the experiment's measured latencies"
                            : " is not the table the experiment used (" + s.latency_table +
                                  ", checksum " + s.latency_table_checksum + ")") +
                       " (--resume takes the options from experiment.json)");
    s.latency_table = r.options.latency_table;
  }
  auto loaded = p.store->load_trials();
  p.problems = std::move(loaded.problems);
  p.kept =
      resumable_trials(std::move(loaded.trials), *make_search_space(s.space), s.epochs, p.problems);
  for (const auto& t : p.kept) p.finished += is_finished(t.status);
  const bool budget_spent =
      s.time_budget_seconds && p.experiment.search_seconds.value_or(0) >= *s.time_budget_seconds;
  p.already_complete = p.experiment.status == ExperimentStatus::kCompleted &&
                       (p.finished >= s.n_trials || budget_spent);
}

}  // namespace

void check_experiment_id(const std::string& id) {
  const bool ok =
      !id.empty() && id.size() <= 128 && id[0] != '.' &&
      std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
      });
  if (!ok) {
    throw UsageError("--experiment-id '" + id +
                     "': use letters, digits, '-', '_' and '.' (not first), at most 128");
  }
}

PreparedSearch prepare_search(SearchRequest r, const std::string& root) {
  // What a reward needs, said before anything runs.
  if (r.given.count("--reward") && !r.options.target_latency_ms && !r.given.count("--resume"))
    throw UsageError("--reward aims at a latency: give --target-latency MS with it");
  if (r.given.count("--beta") && r.options.reward != "absolute")
    throw UsageError("--beta is the absolute reward's: give --reward absolute with it");
  if (r.no_gpu && r.given.count("--device") && r.options.device != "cpu") {
    throw UsageError("--no-gpu and --device " + r.options.device +
                     " contradict each other: give one of them");
  }
  if (!r.experiment_id.empty()) {
    if (!r.resume.empty()) throw UsageError("--experiment-id and --resume: give one of them");
    check_experiment_id(r.experiment_id);
    if (fs::exists(fs::path(root) / r.experiment_id / "experiment.json"))
      r.resume = r.experiment_id;
  }
  PreparedSearch p;
  if (!r.resume.empty()) {
    prepare_resume(r, root, p);
    if (p.already_complete) return p;
  } else {
    if (r.quick) p.quick_set = apply_quick(r.options, r.given);
    make_search_space(r.options.space);  // an unknown name is refused naming every space
    if (is_tabular_space(r.options.space)) {
      // The table has no epochs to cull by: no culling unless asked for, and then validate()
      // says why not.
      if (!r.given.count("--cull-ratio")) r.options.cull_ratio = 0;
      for (const auto& path : r.initial_archs)
        r.options.initial_archs.push_back(Nb201Space::architecture_of(load_nb201_cell(path)));
    } else {
      const MobileNetV3Space space({}, label_set_from_string(r.options.space));
      for (const auto& path : r.initial_archs)
        r.options.initial_archs.push_back(read_architecture_source(path, space).arch);
    }
    if (r.no_gpu) r.options.device = "cpu";
    r.options.seed = r.given.count("--seed") ? r.seed : random_seed();
    p.experiment.options = r.options;
    p.experiment.seed = *r.options.seed;
    p.experiment.id = r.experiment_id;
    if (!r.name.empty()) p.experiment.name = r.name;
  }
  try {
    validate(p.experiment.options);  // new options, or an edited experiment.json on resume
    // New searches only: an experiment that ran with a smaller subset may still be resumed.
    if (!p.resumed)
      validate_train_subset(p.experiment.options.train_subset, p.experiment.options.batch_size);
  } catch (const UsageError& e) {
    // Name what --quick set only where the message speaks of it.
    const std::string what = e.what();
    std::string named;
    for (const auto& [flag, value] : p.quick_set) {
      const auto at = what.find(flag);
      const bool mentioned = at != std::string::npos &&
                             (at + flag.size() == what.size() ||
                              !(std::isalnum(static_cast<unsigned char>(what[at + flag.size()])) ||
                                what[at + flag.size()] == '-'));
      if (mentioned) named += (named.empty() ? "" : ", ") + flag + " " + value;
    }
    if (named.empty()) throw;
    throw UsageError(what + " (--quick set " + named + ")");
  }
  return p;
}

}  // namespace nas
