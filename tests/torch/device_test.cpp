#include "nas/torch/device.hpp"

#include <c10/core/StreamGuard.h>
#include <c10/core/impl/VirtualGuardImpl.h>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "nas/core/common/error.hpp"
#include "nas/torch/slot_streams.hpp"

namespace nas {
namespace {

const torch::Device kCpu(torch::kCPU);

bool cuda() { return torch::cuda::is_available(); }

TEST(MakeGenerator, SameSeedSameDrawsOtherSeedOtherDraws) {
  auto a = make_generator(kCpu, 42);
  auto b = make_generator(kCpu, 42);
  auto c = make_generator(kCpu, 43);
  const auto x = torch::randn({16}, a);
  EXPECT_TRUE(torch::equal(x, torch::randn({16}, b)));
  EXPECT_FALSE(torch::equal(x, torch::randn({16}, c)));
}

TEST(MakeGenerator, EachGeneratorIsItsOwnStream) {
  // One trial drawing does not move another trial's stream.
  auto a = make_generator(kCpu, 7);
  auto b = make_generator(kCpu, 7);
  const auto first_a = torch::rand({4}, a);
  for (int i = 0; i < 5; ++i) torch::rand({100}, b);
  auto fresh = make_generator(kCpu, 7);
  EXPECT_TRUE(torch::equal(first_a, torch::rand({4}, fresh)));
  EXPECT_FALSE(torch::equal(torch::rand({4}, a), torch::rand({4}, b)));
}

TEST(MakeGenerator, LeavesTheDefaultGeneratorAlone) {
  torch::manual_seed(5);
  const auto expected = torch::rand({8});
  torch::manual_seed(5);
  auto g = make_generator(kCpu, 5);
  torch::rand({1000}, g);
  EXPECT_TRUE(torch::equal(torch::rand({8}), expected));
}

TEST(MakeGenerator, IsSafeWhileOtherThreadsDraw) {
  std::vector<std::thread> threads;
  std::vector<torch::Tensor> draws(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &draws] {
      for (int i = 0; i < 50; ++i) torch::rand({16});  // the default generator, concurrently
      auto g = make_generator(kCpu, 99);
      draws[t] = torch::rand({16}, g);
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 1; t < 4; ++t) EXPECT_TRUE(torch::equal(draws[0], draws[t]));
}

TEST(Synchronize, IsANoOpOnCpu) { EXPECT_NO_THROW(synchronize(kCpu)); }

TEST(Synchronize, ACudaDeviceReachesCudaSynchronisation) {
  // Without a GPU the CUDA path must say so, not return as if it had waited.
  if (cuda()) GTEST_SKIP() << "covered by the GPU tests";
  EXPECT_THROW(synchronize(torch::Device(torch::kCUDA, 1)), c10::Error);
  EXPECT_THROW(synchronize(torch::Device(torch::kCUDA)), c10::Error);
}

TEST(ParseDevice, ReadsWhatRecordsCarry) {
  EXPECT_EQ(parse_device("cpu"), kCpu);
  EXPECT_EQ(parse_device("cuda:1"), torch::Device(torch::kCUDA, 1));
  EXPECT_THROW(parse_device("gpu7"), UsageError);
}

TEST(ResolveDevices, CpuAndNoGpu) {
  EXPECT_EQ(resolve_devices("cpu", false), std::vector<torch::Device>{kCpu});
  EXPECT_EQ(resolve_devices("cuda:0", true), std::vector<torch::Device>{kCpu});
  EXPECT_THROW(resolve_devices("cuda:x", false), UsageError);
  EXPECT_THROW(resolve_devices("tpu", false), UsageError);
}

// ---- on a GPU (skipped elsewhere) ---------------------------------------------------------

TEST(GpuDevice, GeneratorsAreSeededPerTrialOnCuda) {
  if (!cuda()) GTEST_SKIP() << "no CUDA device";
  const torch::Device gpu(torch::kCUDA, 0);
  auto a = make_generator(gpu, 3);
  auto b = make_generator(gpu, 3);
  auto opts = torch::TensorOptions().device(gpu);
  EXPECT_TRUE(torch::equal(torch::randn({64}, a, opts), torch::randn({64}, b, opts)));
  auto c = make_generator(gpu, 4);
  EXPECT_FALSE(torch::equal(torch::randn({64}, a, opts), torch::randn({64}, c, opts)));
}

TEST(GpuDevice, SynchronizeWaitsForEveryStreamOfTheNamedDevice) {
  if (!cuda()) GTEST_SKIP() << "no CUDA device";
  const int count = static_cast<int>(torch::cuda::device_count());
  const torch::Device gpu(torch::kCUDA, static_cast<c10::DeviceIndex>(count - 1));
  const c10::Stream stream = stream_for(gpu);
  torch::Tensor y;
  std::thread([&] {
    const c10::StreamGuard guard(stream);
    auto x = torch::randn({4096, 4096}, torch::TensorOptions().device(gpu));
    y = x;
    for (int i = 0; i < 20; ++i) y = y.matmul(x).tanh();  // queued, not yet done
  }).join();
  synchronize(gpu);
  const c10::impl::VirtualGuardImpl impl(torch::kCUDA);
  EXPECT_TRUE(impl.queryStream(stream)) << "the slot stream still had work after synchronize";
  // An index past the last device is refused rather than silently syncing another one.
  EXPECT_THROW(synchronize(torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(count))),
               c10::Error);
}

}  // namespace
}  // namespace nas
