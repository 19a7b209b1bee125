#pragma once
// Sorts a training failure by what it means for the rest of the search. Most failures belong to
// one trial (a NaN loss, a shape error); an out-of-memory failure belongs to the trial too, but
// leaves cached memory behind; a sticky device error poisons the device's context, so every later
// trial there would fail as well. LibTorch reports all three as c10::Error with a message, in
// every version we build against, so the message decides.
#include <string>

namespace nas {

enum class FailureKind {
  kTrial,        // this trial's own failure; the search goes on
  kOutOfMemory,  // this trial's failure; release cached memory, then go on
  kDeviceFatal,  // the device is unusable: end the search (resumable)
};

FailureKind classify_failure(const std::string& message);

std::string to_string(FailureKind kind);

}  // namespace nas
