#include "nas/core/search/executor.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "nas/core/common/error.hpp"

namespace nas {
namespace {

using namespace std::chrono_literals;

TrialProposal proposal(int id) {
  TrialProposal p;
  p.id = id;
  p.arch_key = "k" + std::to_string(id);
  return p;
}

TrialRecord completed(const TrialProposal& p, const TrialSlot& slot) {
  TrialRecord r;
  r.id = p.id;
  r.device = slot.device;
  r.status = TrialStatus::kCompleted;
  r.metric = p.id;
  r.seconds = 0.0;
  return r;
}

TEST(ThreadExecutor, RunsUpToCapacityAndReportsEveryTrial) {
  std::atomic<int> concurrent{0}, peak{0};
  ThreadExecutor ex(
      [&](const TrialProposal& p, const TrialSlot& s) {
        const int now = ++concurrent;
        int old = peak.load();
        while (now > old && !peak.compare_exchange_weak(old, now)) {
        }
        std::this_thread::sleep_for(20ms);
        --concurrent;
        return completed(p, s);
      },
      {"cpu"}, 3, 6);
  EXPECT_EQ(ex.capacity(), 3);
  std::set<int> seen;
  int next = 0;
  while (seen.size() < 10) {
    while (ex.running() < ex.capacity() && next < 10) ex.start(proposal(next++));
    if (auto r = ex.wait_any(1000ms)) seen.insert(r->record.id);
  }
  EXPECT_EQ(seen.size(), 10u);
  EXPECT_LE(peak.load(), 3);
  EXPECT_EQ(ex.running(), 0);
}

TEST(ThreadExecutor, SplitsCpuThreadsBetweenSlots) {
  ThreadExecutor ex(completed, {"cpu"}, 4, 8);
  for (const auto& s : ex.slots()) EXPECT_EQ(s.threads, 2);
  ThreadExecutor one(completed, {"cpu"}, 4, 2);
  for (const auto& s : one.slots()) EXPECT_EQ(s.threads, 1);
}

TEST(ThreadExecutor, SpreadsSlotsOverDevicesRoundRobinWithOneGatePerDevice) {
  ThreadExecutor ex(completed, {"cuda:0", "cuda:1"}, 4, 8);
  const auto& s = ex.slots();
  EXPECT_EQ(s[0].device, "cuda:0");
  EXPECT_EQ(s[1].device, "cuda:1");
  EXPECT_EQ(s[2].device, "cuda:0");
  EXPECT_EQ(s[0].gate, s[2].gate);
  EXPECT_NE(s[0].gate, s[1].gate);
}

TEST(ThreadExecutor, AnEscapedExceptionBecomesAFailedRecord) {
  ThreadExecutor ex([](const TrialProposal&,
                       const TrialSlot&) -> TrialRecord { throw std::runtime_error("boom"); },
                    {"cpu"}, 1, 1);
  ex.start(proposal(7));
  auto r = ex.wait_any(2000ms);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->escaped);
  EXPECT_EQ(r->record.id, 7);
  EXPECT_EQ(r->record.status, TrialStatus::kFailed);
  EXPECT_EQ(r->record.error.value_or(""), "boom");
}

TEST(ThreadExecutor, AFailedRecordTheTrialReturnedIsNotEscaped) {
  ThreadExecutor ex(
      [](const TrialProposal& p, const TrialSlot&) {
        TrialRecord r;
        r.id = p.id;
        r.status = TrialStatus::kFailed;  // and no seconds: escaped was once guessed from that
        return r;
      },
      {"cpu"}, 1, 1);
  ex.start(proposal(3));
  auto r = ex.wait_any(2000ms);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->escaped);
  EXPECT_EQ(r->record.status, TrialStatus::kFailed);
}

TEST(ThreadExecutor, ADeviceFailureIsRethrownToTheDriverNotRecorded) {
  ThreadExecutor ex(
      [](const TrialProposal& p, const TrialSlot& s) -> TrialRecord {
        if (p.id == 2) throw DeviceFailure("cuda:0 failed in trial 2: CUDA error: launch failure");
        std::this_thread::sleep_for(20ms);
        return completed(p, s);
      },
      {"cpu"}, 2, 2);
  ex.start(proposal(1));
  ex.start(proposal(2));
  bool thrown = false;
  for (int i = 0; i < 20 && !thrown; ++i) {
    try {
      if (auto r = ex.wait_any(200ms))
        EXPECT_EQ(r->record.id, 1);  // a finished trial may come first
    } catch (const DeviceFailure& e) {
      thrown = true;
      EXPECT_NE(std::string(e.what()).find("trial 2"), std::string::npos);
    }
  }
  EXPECT_TRUE(thrown);
  // It stays thrown: the search cannot go on with that device.
  EXPECT_THROW(ex.wait_any(10ms), DeviceFailure);
}

TEST(ThreadExecutor, WaitAnyTimesOutWhenNothingFinishes) {
  ThreadExecutor ex(completed, {"cpu"}, 1, 1);
  EXPECT_FALSE(ex.wait_any(10ms));
}

TEST(DeviceGate, ExclusiveHoldWaitsForSharedHoldersAndBlocksNewOnes) {
  DeviceGate gate;
  std::atomic<bool> exclusive_in{false}, violated{false};
  std::atomic<int> shared_in{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int k = 0; k < 200; ++k) {
        SharedGateHold hold(&gate);
        ++shared_in;
        if (exclusive_in) violated = true;
        --shared_in;
      }
    });
  }
  threads.emplace_back([&] {
    for (int k = 0; k < 50; ++k) {
      ExclusiveGateHold hold(&gate);
      exclusive_in = true;
      if (shared_in > 0) violated = true;
      std::this_thread::sleep_for(std::chrono::microseconds(50));
      exclusive_in = false;
    }
  });
  for (auto& t : threads) t.join();
  EXPECT_FALSE(violated);
}

}  // namespace
}  // namespace nas
