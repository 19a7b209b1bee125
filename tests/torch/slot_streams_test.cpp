#include "nas/torch/slot_streams.hpp"

#include <c10/core/StreamGuard.h>
#include <c10/core/impl/DeviceGuardImplInterface.h>
#include <c10/core/impl/VirtualGuardImpl.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

namespace nas {
namespace {

/// A stand-in accelerator with a stream pool, so the CPU build can check what the GPU path does
/// with streams: each pool request returns the next stream id; the current stream is per thread.
class FakeAcceleratorGuard final : public c10::impl::DeviceGuardImplInterface {
 public:
  static constexpr c10::DeviceType kType = c10::DeviceType::PrivateUse1;
  c10::DeviceType type() const override { return kType; }
  c10::Device exchangeDevice(c10::Device d) const override {
    const c10::Device old = getDevice();
    current_device() = d.index();
    return old;
  }
  c10::Device getDevice() const override { return c10::Device(kType, current_device()); }
  void setDevice(c10::Device d) const override { current_device() = d.index(); }
  void uncheckedSetDevice(c10::Device d) const noexcept override { current_device() = d.index(); }
  c10::Stream getStream(c10::Device d) const noexcept override {
    return c10::Stream(c10::Stream::UNSAFE, d, current_stream());
  }
  c10::Stream getDefaultStream(c10::Device d) const override {
    return c10::Stream(c10::Stream::DEFAULT, d);
  }
  c10::Stream getStreamFromGlobalPool(c10::Device d, bool) const override {
    return c10::Stream(c10::Stream::UNSAFE, d, ++pool_next_);
  }
  c10::Stream exchangeStream(c10::Stream s) const noexcept override {
    const c10::StreamId old = current_stream();
    current_stream() = s.id();
    return c10::Stream(c10::Stream::UNSAFE, s.device(), old);
  }
  c10::DeviceIndex deviceCount() const noexcept override { return 2; }

 private:
  static c10::DeviceIndex& current_device() {
    thread_local c10::DeviceIndex d = 0;
    return d;
  }
  static c10::StreamId& current_stream() {
    thread_local c10::StreamId s = 0;
    return s;
  }
  mutable std::atomic<c10::StreamId> pool_next_{0};
};

// Registered for the whole test binary: nothing else uses this device type.
C10_REGISTER_GUARD_IMPL(PrivateUse1, FakeAcceleratorGuard);

const c10::Device kFake0(FakeAcceleratorGuard::kType, 0);
const c10::Device kFake1(FakeAcceleratorGuard::kType, 1);

c10::Stream current_stream(const c10::Device& d) {
  return c10::impl::VirtualGuardImpl(d.type()).getStream(d);
}

TEST(SlotStreams, EverySlotOfAnAcceleratorGetsAPoolStreamOfItsOwn) {
  const SlotStreams streams({kFake0, kFake0, kFake1, kFake0});
  ASSERT_EQ(streams.size(), 4);
  std::set<c10::StreamId> ids;
  for (int i = 0; i < streams.size(); ++i) {
    EXPECT_NE(streams.of(i).id(), 0) << "slot " << i << " got the default stream";
    ids.insert(streams.of(i).id());
  }
  EXPECT_EQ(ids.size(), 4u);
  EXPECT_EQ(streams.of(2).device(), kFake1);
  EXPECT_EQ(streams.of(3).device(), kFake0);
}

TEST(SlotStreams, ASlotKeepsItsStreamForEveryTrialItRuns) {
  const SlotStreams streams({kFake0, kFake0});
  const c10::Stream first = streams.of(1);
  for (int trial = 0; trial < 3; ++trial) EXPECT_EQ(streams.of(1), first);
  EXPECT_THROW(streams.of(2), std::out_of_range);
}

TEST(SlotStreams, TheGuardSetsTheSlotStreamAndRestoresThePreviousOne) {
  const SlotStreams streams({kFake0, kFake0});
  const c10::Stream before = current_stream(kFake0);
  {
    const c10::StreamGuard guard(streams.of(1));
    EXPECT_EQ(current_stream(kFake0), streams.of(1));
    // Another thread (another slot) keeps its own current stream.
    std::thread([&] {
      const c10::StreamGuard other(streams.of(0));
      EXPECT_EQ(current_stream(kFake0), streams.of(0));
    }).join();
    EXPECT_EQ(current_stream(kFake0), streams.of(1));
  }
  EXPECT_EQ(current_stream(kFake0), before);
}

TEST(SlotStreams, CpuSlotsRunOnTheDefaultStream) {
  const torch::Device cpu(torch::kCPU);
  const SlotStreams streams({cpu, cpu, cpu});
  for (int i = 0; i < streams.size(); ++i) {
    EXPECT_EQ(streams.of(i).device_type(), torch::kCPU);
    EXPECT_EQ(streams.of(i).id(), 0);
  }
  const c10::StreamGuard guard(streams.of(2));
  EXPECT_EQ(current_stream(cpu), streams.of(2));
  // Work under the guard runs as usual.
  EXPECT_EQ(torch::ones({2}).sum().item<float>(), 2.0f);
}

TEST(SlotStreams, GpuSlotsGetDistinctNonDefaultCudaStreams) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const torch::Device gpu(torch::kCUDA, 0);
  const SlotStreams streams({gpu, gpu, gpu, gpu});
  std::set<c10::StreamId> ids;
  for (int i = 0; i < streams.size(); ++i) {
    EXPECT_EQ(streams.of(i).device(), gpu);
    EXPECT_NE(streams.of(i).id(),
              c10::impl::VirtualGuardImpl(torch::kCUDA).getDefaultStream(gpu).id());
    ids.insert(streams.of(i).id());
  }
  EXPECT_EQ(ids.size(), 4u);
  const c10::StreamGuard guard(streams.of(3));
  EXPECT_EQ(current_stream(gpu), streams.of(3));
  auto x = torch::ones({1024}, torch::TensorOptions().device(gpu));
  EXPECT_EQ(x.sum().item<float>(), 1024.0f);
}

}  // namespace
}  // namespace nas
