#include "nas/core/search/device_gate.hpp"

namespace nas {

void DeviceGate::lock_shared() {
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait(lock, [this] { return !writer_ && writers_waiting_ == 0; });
  ++readers_;
}

void DeviceGate::unlock_shared() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (--readers_ == 0) cv_.notify_all();
}

void DeviceGate::lock() {
  std::unique_lock<std::mutex> lock(mutex_);
  ++writers_waiting_;
  cv_.wait(lock, [this] { return !writer_ && readers_ == 0; });
  --writers_waiting_;
  writer_ = true;
}

void DeviceGate::unlock() {
  std::lock_guard<std::mutex> lock(mutex_);
  writer_ = false;
  cv_.notify_all();
}

}  // namespace nas
