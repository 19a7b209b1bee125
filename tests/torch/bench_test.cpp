// nas bench: its figures are taken under the compute settings a trial trains and times under.
#include "nas/torch/bench.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace nas {
namespace {

bool thread_flushes_denormals() {
  volatile float tiny =
      1e-40f;  // below FLT_MIN: a denormal; volatile keeps the product at run time
  const float twice = tiny * 2;
  return twice == 0.0f;
}

// A bench that timed with other compute settings than a trial would not be the reference the
// latency-table study takes it for.
TEST(RunBench, TimesWithDenormalsFlushedAsATrialDoes) {
  if (!at::globalContext().setFlushDenormal(true)) GTEST_SKIP() << "this CPU cannot flush them";
  at::globalContext().setFlushDenormal(false);
  ASSERT_FALSE(thread_flushes_denormals());
  MobileNetV3Space space;
  Architecture arch;
  for (const auto& c : space.choices())
    arch.set(c.label, *std::min_element(c.candidates.begin(), c.candidates.end()));
  BenchOptions o;
  o.batches = 1;
  o.warmup = 1;
  o.batch_size = 8;
  o.latency_batch = 4;
  o.latency_repeats = 2;
  o.latency_warmup_ms = 0;
  const BenchResult r = run_bench(arch, torch::Device(torch::kCPU), o);
  EXPECT_GT(r.latency.median_ms, 0);
  EXPECT_TRUE(thread_flushes_denormals());
}

}  // namespace
}  // namespace nas
