#pragma once
// MPI underneath a distributed search: starting and ending MPI, and MessageChannel over MPI
// point-to-point messages. The only file that includes <mpi.h>; a build without MPI compiles
// the same interface, which can only say that it cannot run several ranks.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nas/dist/message_channel.hpp"

namespace nas {

/// The number of processes the launcher started, read from the environment variables mpirun
/// (Open MPI, MPICH/Hydra) and srun set; nullopt when not started by an MPI launcher.
std::optional<int> launcher_world_size();

/// MPI for the life of the process: initialised once, finalised at destruction. All MPI calls
/// come from the thread that created it (MPI_THREAD_FUNNELED).
class MpiSession {
 public:
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  /// The channel over MPI_COMM_WORLD.
  MessageChannel& channel() { return *channel_; }
  /// Ends every rank of the job at once with `code` (MPI_Abort): for failures that leave the
  /// ranks unable to agree on an orderly end.
  [[noreturn]] void abort(int code);

  /// Starts MPI when an MPI launcher started this process; nullptr otherwise. Throws UsageError
  /// when launched with several ranks by a build without MPI.
  static std::unique_ptr<MpiSession> start_if_launched();
  /// Whether this build can run several ranks.
  static bool available();

 private:
  MpiSession() = default;
  int rank_ = 0;
  int size_ = 1;
  std::unique_ptr<MessageChannel> channel_;
};

}  // namespace nas
