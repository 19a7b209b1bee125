#pragma once
// An architecture as a command line names it: an architecture file (ours, or NNI's
// parameter.cfg), a trial.json of nas search, or a trial folder (nas search's, holding
// trial.json; NNI's, holding parameter.cfg). A trial brings its experiment, whose data shape and
// recipe the commands take as their defaults. One reader for nas arch, nas bench and
// nas-test-model, so the three accept the same things and refuse them with the same words.
#include <optional>
#include <string>

#include "nas/core/experiment/records.hpp"
#include "nas/core/search/mobilenetv3_space.hpp"

namespace nas {

struct ArchitectureSource {
  std::string file;   // the file read: the path given, or the trial.json / parameter.cfg in it
  Architecture arch;  // in the 66-label space (expanded when the file held NNI 2.7's 54 labels)
  bool nni27 = false;
  std::optional<TrialRecord> trial;            // a trial of nas search
  std::optional<ExperimentRecord> experiment;  // that trial's experiment, when it is inside one
};

/// Throws InputError naming the path for a missing or unreadable path, a folder with neither
/// file, invalid JSON or an architecture outside the space.
ArchitectureSource read_architecture_source(const std::string& path, const MobileNetV3Space& space);

}  // namespace nas
