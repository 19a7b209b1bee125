#pragma once
// SIGINT/SIGTERM handling for the long-running commands. The first signal raises a flag that the
// search and the trainer poll (so results are written and the process exits 130 within seconds),
// and they say so; a second signal exits at once, unless it came with the first (within
// kSecondSignalAfterNs), as when one interrupt reaches a process several ways.
#include <atomic>
#include <cstdint>

namespace nas {

/// Signals closer together than this (half a second) are one interrupt.
constexpr std::int64_t kSecondSignalAfterNs = 500000000;

/// Installs the handlers (idempotent) and returns the flag they raise. A signal handler can only
/// reach process-wide state, so this is the one place that has any.
const std::atomic<bool>& install_interrupt_handlers();

}  // namespace nas
