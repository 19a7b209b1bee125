#pragma once
// SIGINT/SIGTERM handling for the long-running commands. The first signal raises a flag that the
// search and the trainer poll (so results are written and the process exits 130 within seconds);
// a second signal exits at once.
#include <atomic>

namespace nas {

/// Installs the handlers (idempotent) and returns the flag they raise. A signal handler can only
/// reach process-wide state, so this is the one place that has any.
const std::atomic<bool>& install_interrupt_handlers();

}  // namespace nas
