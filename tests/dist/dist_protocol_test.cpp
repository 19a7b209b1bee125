#include "nas/dist/dist_protocol.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "nas/core/common/error.hpp"

namespace nas {
namespace {

TEST(DistProtocol, MessagesRoundTrip) {
  SetupMessage s;
  s.options.epochs = 5;
  s.options.tf32 = true;
  s.seed = 123456789012345ull;
  const SetupMessage s2 = decode_setup(encode(s));
  EXPECT_EQ(s2.options.epochs, 5);
  EXPECT_TRUE(s2.options.tf32);
  EXPECT_EQ(s2.seed, s.seed);

  MobileNetV3Space space;
  TrialProposal p;
  p.id = 7;
  p.arch = space.smallest();
  p.arch_key = space.canonical_key(p.arch);
  p.origin = "mutation";
  p.parent = 3;
  const TrialProposal p2 = decode_proposal(encode(p));
  EXPECT_EQ(p2.id, 7);
  EXPECT_EQ(p2.arch_key, p.arch_key);
  EXPECT_EQ(space.canonical_key(p2.arch), p.arch_key);
  EXPECT_EQ(p2.parent, 3);

  EpochMessage e{99, 1, {std::numeric_limits<double>::quiet_NaN(), 81.5, 0.25}};
  const EpochMessage e2 = decode_epoch(encode(e));
  EXPECT_EQ(e2.request, 99u);
  EXPECT_TRUE(std::isnan(e2.score.metric));  // a diverged metric crosses as null
  EXPECT_EQ(e2.score.accuracy, 81.5);        // a Pareto search's cull policy ranks by these
  EXPECT_EQ(e2.score.latency_ms, 0.25);

  DecisionMessage d{5, CullDecision{true, 41.5}};
  const DecisionMessage d2 = decode_decision(encode(d));
  EXPECT_TRUE(d2.decision.cull);
  EXPECT_EQ(d2.decision.threshold, 41.5);
  EXPECT_FALSE(d2.decision.rank.has_value());
  const DecisionMessage ranked = decode_decision(encode(DecisionMessage{6, {true, {}, 3}}));
  EXPECT_EQ(ranked.decision.rank, 3);

  ReadyMessage r;
  r.worker = {3, "node-c", {"cuda:0", "cuda:1"}, 8, 4};
  r.data.dataset = "fashion-mnist";
  r.data.train_images = "0123456789abcdef";
  r.dataset.name = "fashion-mnist";
  const ReadyMessage r2 = decode_ready(encode(r));
  EXPECT_EQ(r2.worker.host, "node-c");
  EXPECT_EQ(r2.worker.devices.size(), 2u);
  EXPECT_EQ(r2.worker.slots, 8);
  EXPECT_EQ(r2.data.train_images, "0123456789abcdef");
  EXPECT_FALSE(r2.environment);

  DoneMessage done;
  done.record.id = 4;
  done.record.status = TrialStatus::kCulled;
  done.record.started = now_iso8601();
  done.record.metric = 3.5;
  done.decisions = 2;
  done.decision_seconds = 0.004;
  const DoneMessage done2 = decode_done(encode(done));
  EXPECT_EQ(done2.record.status, TrialStatus::kCulled);
  EXPECT_EQ(done2.decisions, 2);
  EXPECT_FALSE(done2.escaped);
  done.escaped = true;
  EXPECT_TRUE(decode_done(encode(done)).escaped);
}

TEST(DistProtocol, GarbledMessagesAreInputErrors) {
  EXPECT_THROW(decode_epoch("{not json"), InputError);
  EXPECT_THROW(decode_decision(R"({"request": 1})"), InputError);
  EXPECT_THROW(decode_field(R"({"other": 1})", "exit_code"), InputError);
  EXPECT_EQ(decode_field(encode_field("exit_code", 130), "exit_code").get<int>(), 130);
  EXPECT_EQ(tag_name(kTagDecision), "decision");
  EXPECT_EQ(tag_name(99), "tag 99");
}

}  // namespace
}  // namespace nas
