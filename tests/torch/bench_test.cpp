// nas bench: its figures are taken under the compute settings a trial trains and times under.
#include "nas/torch/bench.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace nas {
namespace {

bool denormals_flush_to_zero() {
  const auto tiny = torch::full({16}, 1e-40f);  // below FLT_MIN: a denormal
  return (tiny * 2).abs().max().item<float>() == 0.0f;
}

TEST(RunBench, TimesWithDenormalsFlushedAsATrialDoes) {
  // Trained weights can drift into denormals, which x86 computes many times slower; a bench that
  // kept them would read slower than the search measures the same network.
  at::globalContext().setFlushDenormal(false);
  ASSERT_FALSE(denormals_flush_to_zero());
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
  EXPECT_TRUE(denormals_flush_to_zero());
  at::globalContext().setFlushDenormal(false);
}

}  // namespace
}  // namespace nas
