#pragma once
// How well a search's short-budget score predicts what longer training gives: rank correlations
// between each score a search recorded (accuracy and metric after every epoch, and the final
// metric it ranked by) and a reference from retrains (nas-test-model) of the same
// architectures. `nas-report --proxy-quality`; scripts/proxy-study.sh builds a study on it.
#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "nas/core/report/report.hpp"

namespace nas {

struct ProxyRow {
  std::string proxy;  // "accuracy, epoch 1", "metric, epoch 3", "search score (final metric)"
  std::size_t n = 0;  // architectures with both the proxy and a reference
  // Against the reference's test accuracy and its metric (accuracy with its latency).
  double tau_accuracy = 0;
  double rho_accuracy = 0;
  double tau_metric = 0;
  double rho_metric = 0;
};

/// How far the reference's own ranking after an earlier epoch of its training agrees with its
/// final one: a reference that still reshuffles between its last epochs cannot judge a proxy.
struct ReferenceStability {
  int epoch = 0;
  std::size_t n = 0;
  double tau = 0;  // against the reference's final accuracy
  double rho = 0;
};

struct ProxyQuality {
  std::string experiment;
  std::string reference_experiment;  // where the retrains came from (may be the same)
  std::size_t scored = 0;            // distinct architectures the search scored
  std::size_t referenced = 0;        // of them, with a completed retrain
  std::vector<std::string> recipes;  // the retrains' recipes, e.g. "5 epochs on 20,000 images"
  std::vector<ProxyRow> rows;
  std::vector<ReferenceStability> stability;  // epochs 1 .. last-1 of the trained references
};

/// Matches the scored trials to the reference experiment's retrains by architecture (the
/// architecture key), so a reference trained once serves every experiment that searched the
/// same architectures (e.g. the same seed with a different option). A repeated architecture
/// counts once, with its first trial's scores.
ProxyQuality proxy_quality(const ExperimentReport& scored, const ExperimentReport& reference);

std::string render_proxy_quality(const ProxyQuality& q);
/// Shape in docs/FORMATS.md ("nas-report --proxy-quality --json"); NaN correlations are null.
nlohmann::json proxy_quality_to_json(const ProxyQuality& q);

}  // namespace nas
