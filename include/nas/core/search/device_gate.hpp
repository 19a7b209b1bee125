#pragma once
// Keeps latency measurements undisturbed: trials hold the gate shared while they train or
// evaluate on a device, and exclusively while they time inference on it. Writer-preferring, so a
// waiting measurement is not starved by a stream of training steps.
#include <condition_variable>
#include <mutex>

namespace nas {

class DeviceGate {
 public:
  void lock_shared();
  void unlock_shared();
  void lock();
  void unlock();

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  int readers_ = 0;
  int writers_waiting_ = 0;
  bool writer_ = false;
};

/// RAII shared hold; a null gate holds nothing.
class SharedGateHold {
 public:
  explicit SharedGateHold(DeviceGate* gate) : gate_(gate) {
    if (gate_) gate_->lock_shared();
  }
  ~SharedGateHold() {
    if (gate_) gate_->unlock_shared();
  }
  SharedGateHold(const SharedGateHold&) = delete;
  SharedGateHold& operator=(const SharedGateHold&) = delete;

 private:
  DeviceGate* gate_;
};

/// RAII exclusive hold; a null gate holds nothing.
class ExclusiveGateHold {
 public:
  explicit ExclusiveGateHold(DeviceGate* gate) : gate_(gate) {
    if (gate_) gate_->lock();
  }
  ~ExclusiveGateHold() {
    if (gate_) gate_->unlock();
  }
  ExclusiveGateHold(const ExclusiveGateHold&) = delete;
  ExclusiveGateHold& operator=(const ExclusiveGateHold&) = delete;

 private:
  DeviceGate* gate_;
};

}  // namespace nas
