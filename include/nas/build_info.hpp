#pragma once
// What this build is: for --version of every program, so a bug report says which LibTorch, and
// whether CUDA and MPI were there.
#include <string>

namespace nas {

/// "nas 0.1.0 (LibTorch 1.13.0, CUDA no, MPI yes)", for `program`.
std::string build_summary(const std::string& program);

}  // namespace nas
