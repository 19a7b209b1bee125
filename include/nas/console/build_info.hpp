#pragma once
// What this build is: for --version of every program, so a bug report says which LibTorch, and
// whether CUDA and MPI were there.
#include <string>

namespace nas {

/// "nas 0.1.0 (LibTorch 2.15.0, CUDA 13.2 (no GPU visible), MPI yes)" for `program`, where
/// `compute` is what the program can tell of CUDA at run time (gpu_runtime's cuda_summary());
/// empty: what the build alone tells ("CUDA build" or "CPU only"), for the tensor-free programs.
std::string build_summary(const std::string& program, const std::string& compute = "");

}  // namespace nas
