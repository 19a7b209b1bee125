#include "nas/torch/compute_settings.hpp"

#include <ATen/Context.h>

#include <cstdlib>

namespace nas {

ComputeSettings compute_settings_for(const SearchOptions& s) {
  ComputeSettings c;
  c.deterministic = s.deterministic;
  c.tf32 = s.tf32;
  return c;
}

void apply_compute_settings(const ComputeSettings& s) {
  at::Context& ctx = at::globalContext();
  if (s.deterministic) {
    // cuBLAS is deterministic only with one of two fixed workspace sizes; LibTorch checks the
    // variable and refuses (or warns about) matmuls without it. 0: a user's setting wins.
    setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8", 0);
  }
  ctx.setBenchmarkCuDNN(ComputeSettings::kCudnnBenchmark);
  ctx.setDeterministicCuDNN(s.deterministic);
  ctx.setDeterministicAlgorithms(s.deterministic, /*warn_only=*/true);
  ctx.setAllowTF32CuBLAS(s.tf32);
  ctx.setAllowTF32CuDNN(s.tf32);
}

ComputeSettings current_compute_settings() {
  const at::Context& ctx = at::globalContext();
  ComputeSettings s;
  s.deterministic = ctx.deterministicCuDNN() && ctx.deterministicAlgorithms();
  s.tf32 = ctx.allowTF32CuDNN();
  return s;
}

}  // namespace nas
