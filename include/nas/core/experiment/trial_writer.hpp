#pragma once
// Where a running trial's record goes after every epoch and at its end. In one process that is
// the experiment store; on a worker rank of a distributed search it is a stand-in that sends the
// record to the driver, which alone writes the experiment folder.
#include <string>

#include "nas/core/experiment/records.hpp"

namespace nas {

class TrialWriter {
 public:
  virtual ~TrialWriter() = default;
  /// The experiment the trials belong to.
  virtual const std::string& id() const = 0;
  /// Persists (or forwards) the record; thread-safe. Throws RuntimeFailure when it cannot.
  virtual void write_trial(const TrialRecord& record) const = 0;
};

}  // namespace nas
