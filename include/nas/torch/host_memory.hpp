#pragma once
// How freed tensor memory goes back to the C library. glibc hands blocks over 128 KiB to mmap and
// returns them to the kernel when freed (and trims the heap's free top), so every forward pass
// that allocates a feature map of a few MiB faults its pages in again: on a VM a third of a small
// network's latency, and timings that depend on what ran before (glibc raises its threshold after
// some frees), which made a latency table's isolated blocks bimodal. Keeping freed memory for
// reuse is what jemalloc and tcmalloc do for PyTorch servers, and what a deployment's long-running
// process sees.
namespace nas {

/// Keeps freed tensor memory in the heap for reuse (glibc: mmap threshold 32 MiB, trim threshold
/// 256 MiB). Process-wide, so executables call it first thing in main(). Leaves glibc alone where
/// the user tuned it (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_ or GLIBC_TUNABLES set) and
/// does nothing on another C library. Returns whether it changed anything.
bool keep_freed_memory_for_reuse();

}  // namespace nas
