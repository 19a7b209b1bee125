#pragma once
// `nas search` on a worker rank (1..N-1) of an MPI job: it takes the experiment's options from
// the driver, loads the data itself, and runs the trials the driver sends on its own devices and
// threads, exactly as one process would, until the driver ends the search.
#include <atomic>
#include <chrono>
#include <exception>
#include <string>

#include "nas/dist/message_channel.hpp"

namespace nas {

/// What the worker's own command line says about where it runs; each field applies when given,
/// else the experiment's option does.
struct WorkerFlags {
  std::string device;
  bool device_given = false;
  bool no_gpu = false;
  int concurrent_trials = 4;
  bool concurrent_trials_given = false;
  int threads = 0;
  bool threads_given = false;
  std::string data_dir;
  bool data_dir_given = false;
};

/// Returns the exit code the driver sent with its Shutdown. Throws for errors of this rank (its
/// data, its devices, a message it cannot read): report them with report_worker_failure.
int run_search_worker(MessageChannel& channel, const WorkerFlags& flags,
                      const std::atomic<bool>& interrupted);

/// Tells the driver that this worker failed (`e`) and waits up to `wait` for its Shutdown;
/// false when none came (the caller then aborts the job).
bool report_worker_failure(MessageChannel& channel, const std::exception& e,
                           std::chrono::seconds wait = std::chrono::seconds(30));

}  // namespace nas
