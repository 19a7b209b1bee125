#pragma once
// The backward pass of a depthwise convolution for CPU training in channels-last.
//
// oneDNN's depthwise backward is fast with AVX-512 but, held to AVX2 (the project's slower
// machines), takes 3x longer on the small maps of this space's later stages (1920 channels on
// 2x2 maps: 33 ms a batch, for 4 M multiply-adds), and was what halved nas's lead there
// (docs/PERFORMANCE.md). In channels-last each gradient is one multiply-add per tap along the
// contiguous channel axis, which the compiler vectorises for whichever of AVX-512, AVX2 or SSE
// the CPU has. oneDNN's forward stays: it is as fast or faster on both (nas bench --without dw).
#include <torch/torch.h>

namespace nas {

/// Whether depthwise_conv2d computes this case itself: CPU float32, input channels-last
/// contiguous, a [C, 1, kh, kw] weight, square stride. Elsewhere it calls LibTorch's conv2d.
bool depthwise_handles(const torch::Tensor& input, const torch::Tensor& weight);

/// conv2d(input, weight, stride, padding, groups = channels), differentiable in both. The
/// forward is LibTorch's; where a backward pass follows and depthwise_handles, the gradients are
/// ours, equal to LibTorch's up to float rounding (tested).
torch::Tensor depthwise_conv2d(const torch::Tensor& input, const torch::Tensor& weight, int stride,
                               int pad_h, int pad_w);

}  // namespace nas
