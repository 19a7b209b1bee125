// nas-report --proxy-quality: matching scored trials to retrains by architecture, and the rank
// correlations per proxy. Reports are built by hand; no files.
#include "nas/core/report/proxy_quality.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace nas {
namespace {

TrialRecord scored_trial(int id, const std::string& key, std::vector<double> accuracy_per_epoch,
                         TrialStatus status = TrialStatus::kCompleted) {
  TrialRecord t;
  t.id = id;
  t.arch_key = key;
  t.status = status;
  for (std::size_t e = 0; e < accuracy_per_epoch.size(); ++e) {
    EpochRecord r;
    r.epoch = static_cast<int>(e) + 1;
    r.accuracy = accuracy_per_epoch[e];
    r.metric = accuracy_per_epoch[e] / 2;
    t.epochs.push_back(r);
  }
  t.metric = t.epochs.back().metric;
  t.accuracy = t.epochs.back().accuracy;
  return t;
}

RetrainRecord retrain_of(const std::string& key, double accuracy) {
  RetrainRecord r;
  r.arch_key = key;
  r.status = TrialStatus::kCompleted;
  r.accuracy = accuracy;
  r.metric = accuracy / 2;
  r.epochs_planned = 4;
  r.train_subset = 15000;
  r.dataset.split = "test";
  r.dataset.eval_size = 10000;
  return r;
}

ExperimentReport scored_report() {
  ExperimentReport r;
  r.experiment.id = "scored";
  // Epoch 1 orders a < b < c < d; epoch 2 swaps b and c. References order a < b < c < d.
  r.trials.push_back(scored_trial(0, "a", {10, 40}));
  r.trials.push_back(scored_trial(1, "b", {20, 60}));
  r.trials.push_back(scored_trial(2, "c", {30, 50}));
  r.trials.push_back(scored_trial(3, "d", {80}, TrialStatus::kCulled));  // culled after epoch 1
  r.trials.push_back(scored_trial(4, "a", {99, 99}));  // a repeat: its first trial counts
  r.trials.push_back(scored_trial(5, "e", {50, 70}));  // no reference
  TrialRecord failed;
  failed.id = 6;
  failed.arch_key = "f";
  failed.status = TrialStatus::kFailed;
  r.trials.push_back(failed);
  return r;
}

ExperimentReport reference_report() {
  ExperimentReport r;
  r.experiment.id = "reference";
  r.retrains.emplace(10, retrain_of("a", 70));
  r.retrains.emplace(11, retrain_of("b", 80));
  r.retrains.emplace(12, retrain_of("c", 85));
  r.retrains.emplace(13, retrain_of("d", 90));
  RetrainRecord unfinished = retrain_of("e", 99);
  unfinished.status = TrialStatus::kInterrupted;
  r.retrains.emplace(14, unfinished);
  return r;
}

TEST(ProxyQuality, MatchesByArchitectureAndCountsEachOnce) {
  const ProxyQuality q = proxy_quality(scored_report(), reference_report());
  EXPECT_EQ(q.experiment, "scored");
  EXPECT_EQ(q.reference_experiment, "reference");
  EXPECT_EQ(q.scored, 5u);      // a, b, c, d, e: the repeat of a and the failed trial do not count
  EXPECT_EQ(q.referenced, 4u);  // e's retrain did not finish
  ASSERT_EQ(q.recipes.size(), 1u);
  EXPECT_EQ(q.recipes[0], "4 epochs on 15,000 training images, test accuracy on 10,000 images");
}

TEST(ProxyQuality, NamesAReevaluationOfSavedWeightsAsSuch) {
  ExperimentReport reference = reference_report();
  for (auto& [id, r] : reference.retrains) {
    r.epochs_planned = 0;  // nas-test-model --weights model.pt --epochs 0 --bn-recalibrate 10
    r.bn_recalibrate = 10;
  }
  const ProxyQuality q = proxy_quality(scored_report(), reference);
  ASSERT_EQ(q.recipes.size(), 1u);
  EXPECT_EQ(q.recipes[0],
            "saved weights re-evaluated, test accuracy on 10,000 images, BatchNorm recalibrated "
            "on 10 batches");
}

TEST(ProxyQuality, CorrelatesEachEpochsScoresWithTheReference) {
  const ProxyQuality q = proxy_quality(scored_report(), reference_report());
  ASSERT_EQ(q.rows.size(), 5u);  // accuracy and metric for epochs 1 and 2, then the final score
  EXPECT_EQ(q.rows[0].proxy, "accuracy, epoch 1");
  EXPECT_EQ(q.rows[0].n, 4u);
  EXPECT_DOUBLE_EQ(q.rows[0].tau_accuracy, 1.0);
  EXPECT_DOUBLE_EQ(q.rows[0].rho_accuracy, 1.0);
  EXPECT_DOUBLE_EQ(q.rows[1].tau_metric, 1.0);  // metric, epoch 1
  // Epoch 2: d was culled, so three pairs, one of three discordant: tau = 1/3.
  EXPECT_EQ(q.rows[2].proxy, "accuracy, epoch 2");
  EXPECT_EQ(q.rows[2].n, 3u);
  EXPECT_NEAR(q.rows[2].tau_accuracy, 1.0 / 3.0, 1e-12);
  EXPECT_NEAR(q.rows[2].rho_accuracy, 0.5, 1e-12);
  // The final score is each trial's last metric, the culled one's included.
  EXPECT_EQ(q.rows[4].proxy, "search score (final metric)");
  EXPECT_EQ(q.rows[4].n, 4u);
  EXPECT_NEAR(q.rows[4].tau_accuracy, 4.0 / 6.0, 1e-12);  // only (b, c) discordant
}

TEST(ProxyQuality, SaysHowSettledTheReferenceIs) {
  ExperimentReport reference = reference_report();
  // a..d end at 70, 80, 85, 90; after their first epoch they ranked a, b, d, c.
  const double first_epoch[] = {60, 61, 63, 62};
  int i = 0;
  for (int id : {10, 11, 12, 13}) {
    RetrainRecord& r = reference.retrains.at(id);
    r.epochs.resize(2);
    r.epochs[0].accuracy = first_epoch[i++];
    r.epochs[1].accuracy = *r.accuracy;
  }
  const ProxyQuality q = proxy_quality(scored_report(), reference);
  ASSERT_EQ(q.stability.size(), 1u);  // epochs 1 .. last-1
  EXPECT_EQ(q.stability[0].epoch, 1);
  EXPECT_EQ(q.stability[0].n, 4u);
  EXPECT_NEAR(q.stability[0].tau, 4.0 / 6.0, 1e-12);  // (c, d) swapped
  EXPECT_NE(render_proxy_quality(q).find("How settled the reference is"), std::string::npos);
  EXPECT_EQ(proxy_quality_to_json(q)["reference_stability"][0]["epoch"], 1);
}

TEST(ProxyQuality, RendersAndSaysWhenTooFewReferencesExist) {
  const ProxyQuality q = proxy_quality(scored_report(), reference_report());
  const std::string text = render_proxy_quality(q);
  EXPECT_NE(text.find("4 of 5 scored architectures have a reference (retrains in reference)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("accuracy, epoch 1"), std::string::npos) << text;

  ExperimentReport lone = scored_report();
  const ProxyQuality none = proxy_quality(lone, lone);  // no retrains of its own
  EXPECT_EQ(none.referenced, 0u);
  EXPECT_NE(render_proxy_quality(none).find("Too few references"), std::string::npos);
  const nlohmann::json j = proxy_quality_to_json(none);
  EXPECT_EQ(j["format"], "nas-proxy-quality/1");
  ASSERT_FALSE(j["rows"].empty());
  EXPECT_TRUE(j["rows"][0]["tau_accuracy"].is_null());  // undefined, not NaN in the JSON
}

}  // namespace
}  // namespace nas
