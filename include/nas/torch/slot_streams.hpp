#pragma once
// One stream per executor slot, reused by every trial that slot runs. On a GPU each slot's work
// is queued on its own stream, so concurrent trials overlap instead of running one after another
// on the default stream; a fixed stream per slot (rather than a fresh pool stream per trial)
// bounds the caching allocator's per-stream caches by the slot count and never lets a long
// trial share its stream with later ones. On CPU every slot gets the default stream, on which
// operations run synchronously: the same code runs, with nothing to overlap.
#include <c10/core/Stream.h>
#include <torch/torch.h>

#include <vector>

namespace nas {

class SlotStreams {
 public:
  /// `slot_devices[i]` is slot i's device. Streams are taken from the device's pool where it has
  /// one (CUDA: round-robin over its pool, so at most every 32nd slot of a device shares one).
  explicit SlotStreams(const std::vector<torch::Device>& slot_devices);

  /// Slot `index`'s stream; throws std::out_of_range for an unknown slot.
  const c10::Stream& of(int index) const { return streams_.at(static_cast<std::size_t>(index)); }
  int size() const { return static_cast<int>(streams_.size()); }

 private:
  std::vector<c10::Stream> streams_;
};

/// A stream of its own for work on `device`: a pool stream on devices that pool streams, the
/// default stream on CPU (which has no streams to choose between).
c10::Stream stream_for(const torch::Device& device);

}  // namespace nas
