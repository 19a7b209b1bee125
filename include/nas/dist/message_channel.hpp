#pragma once
// Point-to-point messages between the ranks of a distributed search. The driver and the workers
// speak through this interface only: MPI carries it across machines (mpi_channel), and
// LocalChannels carries it between threads of one process, so the distributed logic is tested
// without MPI.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace nas {

struct Message {
  int peer = 0;  // the sender (on receive) or the receiver (on send)
  int tag = 0;
  std::string body;
};

/// Not thread-safe: each rank uses its channel from one thread.
class MessageChannel {
 public:
  virtual ~MessageChannel() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// Queues a message for `to`; returns without waiting for it to be received.
  virtual void send(int to, int tag, const std::string& body) = 0;
  /// The next message from any rank, or nullopt when none arrives within `timeout` (0: poll).
  virtual std::optional<Message> receive(std::chrono::microseconds timeout) = 0;
};

/// `size` ranks in one process: endpoint(r) is rank r's channel. Every endpoint may be used
/// from its own thread.
class LocalChannels {
 public:
  explicit LocalChannels(int size);
  MessageChannel& endpoint(int rank);

 private:
  struct Inbox {
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<Message> queue;
  };
  class Endpoint;
  std::vector<std::unique_ptr<Inbox>> inboxes_;
  std::vector<std::unique_ptr<MessageChannel>> endpoints_;
};

}  // namespace nas
