#include "nas/console/search_monitor.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace nas {
namespace {

TrialRecord running(int id, int epochs_done, double accuracy = 50.0) {
  TrialRecord r;
  r.id = id;
  r.device = "cpu";
  r.host = "node1";
  r.status = TrialStatus::kRunning;
  for (int e = 1; e <= epochs_done; ++e) {
    EpochRecord rec;
    rec.epoch = e;
    rec.accuracy = accuracy + e;
    rec.latency_ms = 0.25;
    rec.metric = 30 + e;
    if (e == 1) rec.threshold = 29.5;
    r.epochs.push_back(rec);
  }
  return r;
}

TEST(EstimateEta, FromTheMeanTrialTimeTheTrialsLeftAndTheSlots) {
  EXPECT_FALSE(estimate_eta(std::nullopt, 10, {}, 4));
  // 8 not started x 60 s, plus 40 s and 0 s still needed by two running trials, over 4 slots.
  EXPECT_DOUBLE_EQ(*estimate_eta(60.0, 8, {20.0, 75.0}, 4), (8 * 60.0 + 40.0) / 4);
  EXPECT_DOUBLE_EQ(*estimate_eta(60.0, 0, {}, 4), 0.0);
}

TEST(SearchMonitor, LogsEachEpochOnceAndTracksRunningTrials) {
  SearchMonitor m(3, 2);
  EXPECT_FALSE(m.on_record(running(4, 0)));  // started: nothing to log
  auto line = m.on_record(running(4, 1));
  ASSERT_TRUE(line);
  EXPECT_EQ(*line,
            "trial 4 epoch 1/3: accuracy 51.00%, 0.2500 ms, metric 31.0000, cull "
            "threshold 29.5000");
  EXPECT_FALSE(m.on_record(running(4, 1)));  // the same epoch again (a rewrite)
  EXPECT_TRUE(m.on_record(running(4, 2)));
  m.on_record(running(5, 0));
  SearchProgress p;
  p.n_trials = 10;
  const SearchProgressView v = m.view(p);
  ASSERT_EQ(v.running.size(), 2u);
  EXPECT_EQ(v.running[0].id, 4);
  EXPECT_EQ(v.running[0].epochs_done, 2);
  EXPECT_EQ(v.running[0].accuracy, 52.0);
  EXPECT_EQ(v.running[0].where, "cpu");  // one machine: no host
  EXPECT_TRUE(v.eta_seconds);  // none finished, but trial 4 ran epochs: an estimate already
}

TEST(SearchMonitor, FinishedTrialsLeaveAndSetTheEta) {
  SearchMonitor m(3, 2, /*show_hosts=*/true);
  m.on_record(running(1, 0));
  TrialRecord done = running(1, 3);
  done.status = TrialStatus::kCompleted;
  done.seconds = 100.0;
  m.on_finished(done);
  m.on_record(running(2, 0));
  SearchProgress p;
  p.n_trials = 5;
  p.finished = 1;
  const SearchProgressView v = m.view(p);
  ASSERT_EQ(v.running.size(), 1u);
  EXPECT_EQ(v.running[0].where, "cpu@node1");
  ASSERT_TRUE(v.eta_seconds);
  // 3 not started x 100 s plus nearly 100 s for the running one, over 2 slots.
  EXPECT_NEAR(*v.eta_seconds, 200.0, 1.0);
  // An interrupted trial leaves the list but says nothing about trial times.
  TrialRecord cut = running(2, 1);
  cut.status = TrialStatus::kInterrupted;
  cut.seconds = 1.0;
  m.on_finished(cut);
  EXPECT_TRUE(m.view(p).running.empty());
  EXPECT_NEAR(*m.view(p).eta_seconds, 200.0, 1.0);
}

TEST(SearchMonitor, BatchesShowWithinTheEpochAndAnEpochRunGivesAnEta) {
  SearchMonitor m(3, 1, /*show_hosts=*/false, /*batch_size=*/64);
  SearchProgress p;
  p.n_trials = 4;
  m.on_batch(1, 0, 1, 100);  // before its first record: unknown, ignored
  m.on_record(running(1, 0));
  EXPECT_FALSE(m.view(p).eta_seconds) << "nothing to estimate from yet";
  m.on_batch(1, 0, 1, 100);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  m.on_batch(1, 0, 11, 100);
  SearchProgressView v = m.view(p);
  ASSERT_EQ(v.running.size(), 1u);
  EXPECT_EQ(v.running[0].batch, 11);
  EXPECT_EQ(v.running[0].batches, 100);
  ASSERT_TRUE(v.running[0].images_per_s);
  EXPECT_GT(*v.running[0].images_per_s, 0.0);
  // An epoch done: the trial's time so far, times 3 epochs, per trial.
  m.on_record(running(1, 1));
  v = m.view(p);
  EXPECT_EQ(v.running[0].batches, 0) << "the next epoch starts afresh";
  ASSERT_TRUE(v.eta_seconds);
  EXPECT_GT(*v.eta_seconds, 0.0);
}

}  // namespace
}  // namespace nas
