#include "nas/dist/worker_loop.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "nas/core/common/error.hpp"
#include "nas/dist/dist_protocol.hpp"

namespace nas {
namespace {

using namespace std::chrono_literals;

TEST(WorkerLink, AQuestionWaitsForItsOwnAnswer) {
  WorkerLink link;
  CullDecision got;
  std::thread trial([&] { got = link.ask(1, EpochScore{42.0, 0, 0}); });
  std::vector<std::pair<int, std::string>> out;
  while (out.empty()) {
    out = link.take_outbox();
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].first, kTagEpoch);
  const EpochMessage m = decode_epoch(out[0].second);
  EXPECT_EQ(m.epoch, 1);
  EXPECT_EQ(m.score.metric, 42.0);
  EXPECT_EQ(link.pending(), 1);
  link.deliver(m.request + 100, CullDecision{false, 1.0});  // someone else's: ignored
  link.deliver(m.request, CullDecision{true, 50.0});
  trial.join();
  EXPECT_TRUE(got.cull);
  EXPECT_EQ(got.threshold, 50.0);
  EXPECT_EQ(link.pending(), 0);
}

TEST(WorkerLink, ClosingReleasesWaitingTrialsWithContinue) {
  WorkerLink link;
  CullDecision got{true, 1.0};
  std::thread trial([&] { got = link.ask(0, EpochScore{1.0, 0, 0}); });
  while (link.pending() == 0) std::this_thread::sleep_for(1ms);
  link.close();
  trial.join();
  EXPECT_FALSE(got.cull);
  EXPECT_FALSE(link.ask(0, EpochScore{2.0, 0, 0}).cull);  // and answers at once from then on
}

TEST(WorkerLink, DecisionStatisticsAreFiledPerTrial) {
  WorkerLink link;
  TrialFunction run = with_decision_stats(link, [&](const TrialProposal& p, const TrialSlot&) {
    std::thread answer([&] {
      while (link.pending() == 0) std::this_thread::sleep_for(1ms);
      auto out = link.take_outbox();
      link.deliver(decode_epoch(out.at(0).second).request, CullDecision{});
    });
    link.ask(0, EpochScore{1.0, 0, 0});
    answer.join();
    TrialRecord r;
    r.id = p.id;
    return r;
  });
  TrialProposal p;
  p.id = 9;
  std::thread([&] { run(p, TrialSlot{}); }).join();
  const auto [n, seconds] = link.take_trial_stats(9);
  EXPECT_EQ(n, 1);
  EXPECT_GT(seconds, 0.0);
  EXPECT_EQ(link.take_trial_stats(9).first, 0);  // taken
}

TEST(RemoteStandIns, ForwardRecordsAndRefuseToRestore) {
  WorkerLink link;
  RemoteTrialWriter writer(link, "exp-1");
  EXPECT_EQ(writer.id(), "exp-1");
  TrialRecord r;
  r.id = 4;
  r.status = TrialStatus::kRunning;
  r.started = now_iso8601();
  writer.write_trial(r);
  const auto out = link.take_outbox();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].first, kTagUpdate);
  EXPECT_EQ(decode_record(out[0].second).id, 4);
  RemoteCullPolicy cull(link);
  EXPECT_THROW(cull.restore(std::vector<double>{1.0}, false), RuntimeFailure);
}

TEST(WorkerLoop, AnUnexpectedMessageIsAnErrorNotAHang) {
  LocalChannels ch(2);
  WorkerLink link;
  ThreadExecutor ex([](const TrialProposal&, const TrialSlot&) { return TrialRecord{}; }, {"cpu"},
                    1, 1);
  std::atomic<bool> stop{false}, interrupted{false};
  ch.endpoint(0).send(1, kTagReady, "{}");
  EXPECT_THROW(run_worker_loop(ch.endpoint(1), link, ex, stop, interrupted), RuntimeFailure);
}

}  // namespace
}  // namespace nas
