#include "nas/core/search/strategy.hpp"

#include <cmath>

#include "core/search/random_search.hpp"
#include "nas/core/common/error.hpp"
#include "nas/core/search/nni27_labels.hpp"
#include "nas/core/search/regularized_evolution.hpp"

namespace nas {

std::unique_ptr<Strategy> make_strategy(const std::string& name, const SearchSpace& space,
                                        const EvolutionOptions& o) {
  if (name == "evolution") return std::make_unique<RegularizedEvolution>(space, o);
  if (name == "random")
    return std::make_unique<RandomSearch>(space, o.seed, o.max_dedup_retries, o.initial);
  throw UsageError("unknown strategy '" + name + "' (expected evolution or random)");
}

void KeyLedger::start(int trial_id, const std::string& key) {
  // Two live trials under one id would corrupt every per-trial record downstream; that is a
  // driver bug worth stopping for.
  if (running_.count(trial_id)) {
    throw RuntimeFailure("strategy: trial " + std::to_string(trial_id) + " is already running");
  }
  if (finished_ids_.count(trial_id)) {
    throw RuntimeFailure("strategy: trial " + std::to_string(trial_id) + " already finished");
  }
  running_[trial_id] = key;
  ++running_keys_[key];
}

void KeyLedger::finish(int trial_id, const std::string& key, TrialStatus status,
                       const std::optional<double>& metric) {
  const std::string id = std::to_string(trial_id);
  if (status == TrialStatus::kRunning) {
    throw RuntimeFailure("strategy: trial " + id + " told 'running', which is not an outcome");
  }
  if (finished_ids_.count(trial_id)) {
    throw RuntimeFailure("strategy: trial " + id + " was already told its outcome");
  }
  const bool enters = status == TrialStatus::kCompleted || status == TrialStatus::kCulled;
  if (enters && (!metric || !std::isfinite(*metric))) {
    throw RuntimeFailure("strategy: trial " + id + " finished without a finite metric");
  }

  auto it = running_.find(trial_id);
  if (it != running_.end()) {
    // The key it was started under, which is what running_keys_ counts.
    auto k = running_keys_.find(it->second);
    if (--k->second == 0) running_keys_.erase(k);
    running_.erase(it);
  }
  if (status == TrialStatus::kInterrupted) return;  // will be re-run; its key stays free
  finished_ids_.insert(trial_id);
  evaluated_.insert(key);
}

TrialRecord start_record(const TrialProposal& p, const std::string& experiment_id) {
  TrialRecord r;
  r.id = p.id;
  r.experiment = experiment_id;
  r.arch = p.arch;
  r.arch_nni27 = p.arch_nni27;
  r.arch_key = p.arch_key;
  r.origin = p.origin;
  r.parent = p.parent;
  r.status = TrialStatus::kRunning;
  r.started = now_iso8601();
  return r;
}

void add_nni27_form(TrialProposal& p, const SearchSpace& space) {
  const auto* mobilenet = dynamic_cast<const MobileNetV3Space*>(&space);
  if (mobilenet && mobilenet->labels() == LabelSet::kNni27)
    p.arch_nni27 = to_nni27(p.arch, *mobilenet);
}

std::optional<TrialProposal> propose_initial(int trial_id, const std::vector<Architecture>& initial,
                                             const SearchSpace& space, const KeyLedger& ledger) {
  for (const auto& arch : initial) {
    const std::string key = space.canonical_key(arch);
    if (ledger.taken(key)) continue;
    TrialProposal p;
    p.id = trial_id;
    p.origin = "initial";
    p.arch = arch;
    p.arch_key = key;
    return p;
  }
  return std::nullopt;
}

TrialProposal propose_random(int trial_id, const SearchSpace& space, Rng& rng,
                             const KeyLedger& ledger, int retries) {
  TrialProposal p;
  p.id = trial_id;
  p.origin = "random";
  for (int attempt = 0; attempt <= retries; ++attempt) {
    p.arch = space.sample(rng);
    p.arch_key = space.canonical_key(p.arch);
    if (!ledger.taken(p.arch_key)) break;
  }
  return p;
}

}  // namespace nas
