#include "nas/dist/message_channel.hpp"

#include <stdexcept>

namespace nas {

class LocalChannels::Endpoint : public MessageChannel {
 public:
  Endpoint(LocalChannels& all, int rank) : all_(all), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return static_cast<int>(all_.inboxes_.size()); }
  void send(int to, int tag, const std::string& body) override {
    Inbox& box = *all_.inboxes_.at(static_cast<std::size_t>(to));
    std::lock_guard<std::mutex> lock(box.mutex);
    box.queue.push_back(Message{rank_, tag, body});
    box.cv.notify_all();
  }
  std::optional<Message> receive(std::chrono::microseconds timeout) override {
    Inbox& box = *all_.inboxes_[static_cast<std::size_t>(rank_)];
    std::unique_lock<std::mutex> lock(box.mutex);
    if (!box.cv.wait_for(lock, timeout, [&] { return !box.queue.empty(); })) return std::nullopt;
    Message m = std::move(box.queue.front());
    box.queue.pop_front();
    return m;
  }

 private:
  LocalChannels& all_;
  int rank_;
};

LocalChannels::LocalChannels(int size) {
  if (size < 1) throw std::invalid_argument("LocalChannels: size must be at least 1");
  for (int r = 0; r < size; ++r) inboxes_.push_back(std::make_unique<Inbox>());
  for (int r = 0; r < size; ++r) endpoints_.push_back(std::make_unique<Endpoint>(*this, r));
}

MessageChannel& LocalChannels::endpoint(int rank) {
  return *endpoints_.at(static_cast<std::size_t>(rank));
}

}  // namespace nas
