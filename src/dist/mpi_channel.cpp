#include "nas/dist/mpi_channel.hpp"

#include <cstdlib>
#include <deque>
#include <thread>

#include "nas/core/common/error.hpp"

#ifdef NAS_WITH_MPI
#include <mpi.h>
#endif

namespace nas {
namespace {

std::optional<int> env_int(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  char* end = nullptr;
  const long n = std::strtol(v, &end, 10);
  if (*end != 0 || n < 1) return std::nullopt;
  return static_cast<int>(n);
}

}  // namespace

std::optional<int> launcher_world_size() {
  if (auto n = env_int("OMPI_COMM_WORLD_SIZE")) return n;  // Open MPI's mpirun
  if (auto n = env_int("PMI_SIZE")) return n;              // MPICH/Hydra, srun --mpi=pmi2
  // srun with PMIx: a job step (not the batch script itself) of several tasks.
  if (std::getenv("PMIX_RANK") && std::getenv("SLURM_STEP_ID")) return env_int("SLURM_NTASKS");
  return std::nullopt;
}

#ifdef NAS_WITH_MPI

namespace {

void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) {
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, text, &len);
    throw RuntimeFailure(std::string(what) + ": " +
                         std::string(text, static_cast<std::size_t>(len)));
  }
}

/// Sends are non-blocking so two ranks sending to each other never wait on one another; each
/// buffer lives until MPI is done with it.
class MpiChannel : public MessageChannel {
 public:
  MpiChannel(int rank, int size) : rank_(rank), size_(size) {}
  ~MpiChannel() override {
    // Give queued sends a moment; a peer that has already ended never takes them, and waiting
    // for it would hang this rank's exit.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (!pending_.empty() && std::chrono::steady_clock::now() < deadline) {
      progress();
      if (!pending_.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    for (auto& p : pending_) {
      MPI_Cancel(&p.request);
      MPI_Request_free(&p.request);
    }
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void send(int to, int tag, const std::string& body) override {
    progress();
    pending_.push_back(Pending{body, MPI_REQUEST_NULL});
    Pending& p = pending_.back();
    check(MPI_Isend(p.body.data(), static_cast<int>(p.body.size()), MPI_CHAR, to, tag,
                    MPI_COMM_WORLD, &p.request),
          "MPI_Isend");
  }

  std::optional<Message> receive(std::chrono::microseconds timeout) override {
    // MPI has no receive with a timeout, and a blocking receive spins a core: probe, then sleep
    // a little longer each time, up to 1 ms, so a waiting rank (many per core when
    // oversubscribed) stays cheap while a busy one answers within a fraction of a millisecond.
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto nap = std::chrono::microseconds(50);
    while (true) {
      progress();
      int flag = 0;
      MPI_Status status;
      check(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status), "MPI_Iprobe");
      if (flag) {
        int count = 0;
        MPI_Get_count(&status, MPI_CHAR, &count);
        Message m;
        m.peer = status.MPI_SOURCE;
        m.tag = status.MPI_TAG;
        m.body.resize(static_cast<std::size_t>(count));
        check(MPI_Recv(m.body.data(), count, MPI_CHAR, status.MPI_SOURCE, status.MPI_TAG,
                       MPI_COMM_WORLD, MPI_STATUS_IGNORE),
              "MPI_Recv");
        return m;
      }
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return std::nullopt;
      std::this_thread::sleep_for(std::min<std::chrono::microseconds>(
          nap, std::chrono::duration_cast<std::chrono::microseconds>(deadline - now)));
      nap = std::min(nap * 2, std::chrono::microseconds(1000));
    }
  }

 private:
  struct Pending {
    std::string body;
    MPI_Request request;
  };
  /// Drops the buffers of sends that completed.
  void progress() {
    while (!pending_.empty()) {
      int done = 0;
      MPI_Test(&pending_.front().request, &done, MPI_STATUS_IGNORE);
      if (!done) break;
      pending_.pop_front();
    }
  }
  int rank_;
  int size_;
  std::deque<Pending> pending_;  // a deque keeps each body's address while MPI reads it
};

}  // namespace

bool MpiSession::available() { return true; }

std::unique_ptr<MpiSession> MpiSession::start_if_launched() {
  if (!launcher_world_size()) return nullptr;
  std::unique_ptr<MpiSession> s(new MpiSession());
  int provided = 0;
  check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  MPI_Comm_rank(MPI_COMM_WORLD, &s->rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &s->size_);
  s->channel_ = std::make_unique<MpiChannel>(s->rank_, s->size_);
  return s;
}

MpiSession::~MpiSession() {
  channel_.reset();  // completes its sends before MPI ends
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

void MpiSession::abort(int code) {
  MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

#else  // a build without MPI

bool MpiSession::available() { return false; }

std::unique_ptr<MpiSession> MpiSession::start_if_launched() {
  const auto n = launcher_world_size();
  if (n && *n > 1) {
    throw UsageError("started as " + std::to_string(*n) +
                     " MPI ranks, but this nas was built without MPI: run one process, or "
                     "rebuild with MPI (Debian: libopenmpi-dev; scripts/setup.sh installs it)");
  }
  return nullptr;
}

MpiSession::~MpiSession() = default;

void MpiSession::abort(int code) { std::_Exit(code); }

#endif

}  // namespace nas
