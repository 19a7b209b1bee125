#include "nas/core/report/proxy_quality.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

#include "core/report/rank_correlation.hpp"
#include "nas/core/common/json_fields.hpp"
#include "nas/core/common/text_table.hpp"

namespace nas {
namespace {

std::string recipe_of(const RetrainRecord& r) {
  std::ostringstream out;
  if (r.epochs_planned == 0) {
    out << "saved weights re-evaluated";  // nas-test-model --weights W --epochs 0
  } else {
    out << r.epochs_planned << (r.epochs_planned == 1 ? " epoch" : " epochs") << " on "
        << (r.train_subset > 0 ? grouped(r.train_subset) : "all " + grouped(r.dataset.train_size))
        << " training images";
  }
  out << ", " << r.dataset.split << " accuracy on "
      << grouped(r.eval_subset > 0 ? r.eval_subset : r.dataset.eval_size) << " images";
  if (r.bn_recalibrate > 0) out << ", BatchNorm recalibrated on " << r.bn_recalibrate << " batches";
  return out.str();
}

struct Pair {
  const TrialRecord* trial;
  const RetrainRecord* reference;
};

// The correlations of one proxy over the pairs that have it.
ProxyRow correlate(const std::string& name, const std::vector<Pair>& pairs,
                   const std::function<std::optional<double>(const TrialRecord&)>& proxy_of) {
  std::vector<double> proxy;
  std::vector<double> accuracy;
  std::vector<double> proxy_m;  // the pairs whose reference also has a metric
  std::vector<double> metric;
  for (const auto& p : pairs) {
    const auto v = proxy_of(*p.trial);
    if (!v) continue;
    proxy.push_back(*v);
    accuracy.push_back(*p.reference->accuracy);
    if (p.reference->metric) {
      proxy_m.push_back(*v);
      metric.push_back(*p.reference->metric);
    }
  }
  ProxyRow row;
  row.proxy = name;
  row.n = proxy.size();
  row.tau_accuracy = kendall_tau(proxy, accuracy);
  row.rho_accuracy = spearman_rho(proxy, accuracy);
  row.tau_metric = kendall_tau(proxy_m, metric);
  row.rho_metric = spearman_rho(proxy_m, metric);
  return row;
}

// NaN (undefined) correlations are null in JSON and "-" in text.
nlohmann::json json_of(double v) { return json_or_null(std::optional<double>(v)); }

}  // namespace

ProxyQuality proxy_quality(const ExperimentReport& scored_report,
                           const ExperimentReport& reference) {
  ProxyQuality q;
  q.experiment = scored_report.experiment.id;
  q.reference_experiment = reference.experiment.id;
  std::map<std::string, const RetrainRecord*> by_arch;
  for (const auto& [id, r] : reference.retrains) {
    if (r.status == TrialStatus::kCompleted && r.accuracy) by_arch.emplace(r.arch_key, &r);
  }
  std::vector<Pair> pairs;
  std::set<std::string> seen;
  std::set<std::string> recipes;
  int epochs = 0;
  for (const auto& t : scored_report.trials) {
    if (!has_result(t) || !seen.insert(t.arch_key).second) continue;
    ++q.scored;
    auto it = by_arch.find(t.arch_key);
    if (it == by_arch.end()) continue;
    pairs.push_back({&t, it->second});
    recipes.insert(recipe_of(*it->second));
    epochs = std::max(epochs, static_cast<int>(t.epochs.size()));
  }
  q.referenced = pairs.size();
  q.recipes.assign(recipes.begin(), recipes.end());
  for (int e = 1; e <= epochs; ++e) {
    auto at_epoch = [e](const TrialRecord& t, auto field) -> std::optional<double> {
      for (const auto& r : t.epochs) {
        if (r.epoch == e) return r.*field;
      }
      return std::nullopt;
    };
    q.rows.push_back(
        correlate("accuracy, epoch " + std::to_string(e), pairs,
                  [&](const TrialRecord& t) { return at_epoch(t, &EpochRecord::accuracy); }));
    q.rows.push_back(
        correlate("metric, epoch " + std::to_string(e), pairs,
                  [&](const TrialRecord& t) { return at_epoch(t, &EpochRecord::metric); }));
  }
  // What the search ranked by: the last epoch's metric, or the culling epoch's.
  q.rows.push_back(correlate("search score (final metric)", pairs,
                             [](const TrialRecord& t) { return t.metric; }));
  // The references' own epochs (a re-evaluation of saved weights has none).
  std::size_t ref_epochs = 0;
  for (const auto& p : pairs) ref_epochs = std::max(ref_epochs, p.reference->epochs.size());
  for (std::size_t e = 1; e < ref_epochs; ++e) {
    std::vector<double> then;
    std::vector<double> final_accuracy;
    for (const auto& p : pairs) {
      if (p.reference->epochs.size() <= e) continue;
      then.push_back(p.reference->epochs[e - 1].accuracy);
      final_accuracy.push_back(*p.reference->accuracy);
    }
    q.stability.push_back({static_cast<int>(e), then.size(), kendall_tau(then, final_accuracy),
                           spearman_rho(then, final_accuracy)});
  }
  return q;
}

std::string render_proxy_quality(const ProxyQuality& q) {
  std::ostringstream out;
  out << "Proxy quality of " << q.experiment << ": " << q.referenced << " of " << q.scored
      << " scored architectures have a reference";
  if (q.reference_experiment != q.experiment)
    out << " (retrains in " << q.reference_experiment << ")";
  out << "\n";
  for (const auto& r : q.recipes) out << "  reference: " << r << "\n";
  if (q.referenced < 2) {
    out << "  Too few references to rank: retrain the scored trials (nas-test-model <trial-dir>) "
           "or name an experiment whose retrains cover them (--reference).\n";
    return out.str();
  }
  TextTable table({TextTable::Align::kLeft});
  table.add_row({"proxy", "n", "tau (accuracy)", "rho (accuracy)", "tau (metric)", "rho (metric)"});
  for (const auto& r : q.rows) {
    table.add_row({r.proxy, std::to_string(r.n), fixed(r.tau_accuracy, 3), fixed(r.rho_accuracy, 3),
                   fixed(r.tau_metric, 3), fixed(r.rho_metric, 3)});
  }
  out << "\n" << table.render("  ");
  if (!q.stability.empty()) {
    TextTable stability({TextTable::Align::kLeft});
    stability.add_row({"reference after", "n", "tau (its final accuracy)", "rho"});
    for (const auto& s : q.stability) {
      stability.add_row({"epoch " + std::to_string(s.epoch), std::to_string(s.n), fixed(s.tau, 3),
                         fixed(s.rho, 3)});
    }
    out << "\n  How settled the reference is: its own ranking after each earlier epoch of its\n"
           "  training against its final one.\n\n"
        << stability.render("  ");
  }
  out << "\n  tau: Kendall's tau-b, rho: Spearman's rho, against the reference's accuracy and its\n"
         "  metric (accuracy with its latency); 1 = the proxy orders the architectures exactly as\n"
         "  the reference does, 0 = no better than chance.\n";
  return out.str();
}

nlohmann::json proxy_quality_to_json(const ProxyQuality& q) {
  nlohmann::json j;
  j["format"] = "nas-proxy-quality/1";
  j["experiment"] = q.experiment;
  j["reference_experiment"] = q.reference_experiment;
  j["scored"] = q.scored;
  j["referenced"] = q.referenced;
  j["recipes"] = q.recipes;
  j["rows"] = nlohmann::json::array();
  for (const auto& r : q.rows) {
    j["rows"].push_back({{"proxy", r.proxy},
                         {"n", r.n},
                         {"tau_accuracy", json_of(r.tau_accuracy)},
                         {"rho_accuracy", json_of(r.rho_accuracy)},
                         {"tau_metric", json_of(r.tau_metric)},
                         {"rho_metric", json_of(r.rho_metric)}});
  }
  j["reference_stability"] = nlohmann::json::array();
  for (const auto& s : q.stability) {
    j["reference_stability"].push_back(
        {{"epoch", s.epoch}, {"n", s.n}, {"tau", json_of(s.tau)}, {"rho", json_of(s.rho)}});
  }
  return j;
}

}  // namespace nas
