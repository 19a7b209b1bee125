#include "torch/depthwise.hpp"

#include <ATen/Parallel.h>

#include <cstdint>

namespace nas {
namespace {

// The two loops each run with the channel axis innermost and contiguous (input, output and
// their gradients are N, H, W, C in memory; the weight is rearranged to kh, kw, C). GCC builds
// each for AVX-512, AVX2 and plain x86-64 and picks one when the program loads: nas is compiled
// for any x86-64, and these loops are where the vector width pays.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define NAS_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define NAS_VECTOR_CLONES
#endif

struct Geometry {
  std::int64_t n, c, h, w, kh, kw, oh, ow, stride, pad_h, pad_w;
};

/// dx[n, ih, iw, :] += dy[n, oh, ow, :] * w[tap, :], for n in [n0, n1) (dx zeroed by the caller).
NAS_VECTOR_CLONES void input_grad_rows(const Geometry& g, const float* __restrict dy,
                                       const float* __restrict w, float* __restrict dx,
                                       std::int64_t n0, std::int64_t n1) {
  const std::int64_t c = g.c;
  for (std::int64_t n = n0; n < n1; ++n) {
    for (std::int64_t oh = 0; oh < g.oh; ++oh) {
      for (std::int64_t ow = 0; ow < g.ow; ++ow) {
        const float* __restrict d = dy + ((n * g.oh + oh) * g.ow + ow) * c;
        for (std::int64_t kh = 0; kh < g.kh; ++kh) {
          const std::int64_t ih = oh * g.stride - g.pad_h + kh;
          if (ih < 0 || ih >= g.h) continue;
          for (std::int64_t kw = 0; kw < g.kw; ++kw) {
            const std::int64_t iw = ow * g.stride - g.pad_w + kw;
            if (iw < 0 || iw >= g.w) continue;
            float* __restrict xi = dx + ((n * g.h + ih) * g.w + iw) * c;
            const float* __restrict wk = w + (kh * g.kw + kw) * c;
            for (std::int64_t i = 0; i < c; ++i) xi[i] += d[i] * wk[i];
          }
        }
      }
    }
  }
}

/// dw[tap, c] = sum over n, oh, ow of dy[n, oh, ow, c] * x[n, ih, iw, c], for c in [c0, c1):
/// threads split the channels, so each owns its part of dw and nothing is reduced afterwards.
NAS_VECTOR_CLONES void weight_grad_channels(const Geometry& g, const float* __restrict dy,
                                            const float* __restrict x, float* __restrict dw,
                                            std::int64_t c0, std::int64_t c1) {
  const std::int64_t c = g.c;
  for (std::int64_t t = 0; t < g.kh * g.kw; ++t) {
    for (std::int64_t i = c0; i < c1; ++i) dw[t * c + i] = 0.0f;
  }
  for (std::int64_t n = 0; n < g.n; ++n) {
    for (std::int64_t oh = 0; oh < g.oh; ++oh) {
      for (std::int64_t ow = 0; ow < g.ow; ++ow) {
        const float* __restrict d = dy + ((n * g.oh + oh) * g.ow + ow) * c;
        for (std::int64_t kh = 0; kh < g.kh; ++kh) {
          const std::int64_t ih = oh * g.stride - g.pad_h + kh;
          if (ih < 0 || ih >= g.h) continue;
          for (std::int64_t kw = 0; kw < g.kw; ++kw) {
            const std::int64_t iw = ow * g.stride - g.pad_w + kw;
            if (iw < 0 || iw >= g.w) continue;
            const float* __restrict xi = x + ((n * g.h + ih) * g.w + iw) * c;
            float* __restrict wk = dw + (kh * g.kw + kw) * c;
            for (std::int64_t i = c0; i < c1; ++i) wk[i] += d[i] * xi[i];
          }
        }
      }
    }
  }
}

Geometry geometry_of(const torch::Tensor& input, const torch::Tensor& weight, std::int64_t stride,
                     std::int64_t pad_h, std::int64_t pad_w) {
  Geometry g{};
  g.n = input.size(0);
  g.c = input.size(1);
  g.h = input.size(2);
  g.w = input.size(3);
  g.kh = weight.size(2);
  g.kw = weight.size(3);
  g.stride = stride;
  g.pad_h = pad_h;
  g.pad_w = pad_w;
  g.oh = (g.h + 2 * pad_h - g.kh) / stride + 1;
  g.ow = (g.w + 2 * pad_w - g.kw) / stride + 1;
  return g;
}

/// [C, 1, kh, kw] -> [kh, kw, C], contiguous: one row of C weights per tap.
torch::Tensor taps_by_channel(const torch::Tensor& weight) {
  return weight.squeeze(1).permute({1, 2, 0}).contiguous();
}

torch::Tensor library_conv(const torch::Tensor& input, const torch::Tensor& weight,
                           std::int64_t stride, std::int64_t pad_h, std::int64_t pad_w) {
  return torch::nn::functional::conv2d(input, weight,
                                       torch::nn::functional::Conv2dFuncOptions()
                                           .stride(stride)
                                           .padding(std::vector<std::int64_t>{pad_h, pad_w})
                                           .groups(input.size(1)));
}

// Rows of work per thread: a batch image, or a block of channels for the weight gradient.
constexpr std::int64_t kChannelGrain = 64;

class DepthwiseConv : public torch::autograd::Function<DepthwiseConv> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& input,
                               const torch::Tensor& weight, std::int64_t stride, std::int64_t pad_h,
                               std::int64_t pad_w) {
    ctx->save_for_backward({input, weight});
    ctx->saved_data["stride"] = stride;
    ctx->saved_data["pad_h"] = pad_h;
    ctx->saved_data["pad_w"] = pad_w;
    return library_conv(input, weight, stride, pad_h, pad_w)
        .contiguous(torch::MemoryFormat::ChannelsLast);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor& input = saved[0];
    const torch::Tensor& weight = saved[1];
    const Geometry g =
        geometry_of(input, weight, ctx->saved_data["stride"].toInt(),
                    ctx->saved_data["pad_h"].toInt(), ctx->saved_data["pad_w"].toInt());
    const torch::Tensor dy = grads[0].contiguous(torch::MemoryFormat::ChannelsLast);
    const float* d = dy.data_ptr<float>();
    torch::Tensor grad_input, grad_weight;
    if (ctx->needs_input_grad(0)) {
      const torch::Tensor w = taps_by_channel(weight);
      const float* wp = w.data_ptr<float>();
      grad_input = torch::zeros_like(input, torch::MemoryFormat::ChannelsLast);
      float* dx = grad_input.data_ptr<float>();
      at::parallel_for(0, g.n, 1, [&](std::int64_t n0, std::int64_t n1) {
        input_grad_rows(g, d, wp, dx, n0, n1);
      });
    }
    if (ctx->needs_input_grad(1)) {
      torch::Tensor taps = torch::empty({g.kh, g.kw, g.c}, weight.options());
      const float* x = input.data_ptr<float>();
      float* dw = taps.data_ptr<float>();
      at::parallel_for(0, g.c, kChannelGrain, [&](std::int64_t c0, std::int64_t c1) {
        weight_grad_channels(g, d, x, dw, c0, c1);
      });
      grad_weight = taps.permute({2, 0, 1}).unsqueeze(1).contiguous();
    }
    return {grad_input, grad_weight, torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

bool depthwise_handles(const torch::Tensor& input, const torch::Tensor& weight) {
  return input.device().is_cpu() && input.scalar_type() == torch::kFloat &&
         weight.scalar_type() == torch::kFloat && input.dim() == 4 && weight.dim() == 4 &&
         weight.size(0) == input.size(1) && weight.size(1) == 1 &&
         input.is_contiguous(torch::MemoryFormat::ChannelsLast);
}

torch::Tensor depthwise_conv2d(const torch::Tensor& input, const torch::Tensor& weight, int stride,
                               int pad_h, int pad_w) {
  const bool backward_follows =
      torch::GradMode::is_enabled() && (input.requires_grad() || weight.requires_grad());
  if (!backward_follows || !depthwise_handles(input, weight)) {
    return library_conv(input, weight, stride, pad_h, pad_w);
  }
  return DepthwiseConv::apply(input, weight, static_cast<std::int64_t>(stride),
                              static_cast<std::int64_t>(pad_h), static_cast<std::int64_t>(pad_w));
}

}  // namespace nas
