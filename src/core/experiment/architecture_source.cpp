#include "nas/core/experiment/architecture_source.hpp"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "nas/core/common/error.hpp"
#include "nas/core/experiment/experiment_store.hpp"

namespace fs = std::filesystem;

namespace nas {

ArchitectureSource read_architecture_source(const std::string& path,
                                            const MobileNetV3Space& space) {
  std::error_code ec;
  if (path.empty() || !fs::exists(path, ec))
    throw InputError(path + ": no such trial folder or architecture file");
  fs::path file = path;
  if (fs::is_directory(file, ec)) {
    if (fs::is_regular_file(file / "trial.json", ec)) {
      file /= "trial.json";
    } else if (fs::is_regular_file(file / "parameter.cfg", ec)) {
      file /= "parameter.cfg";
    } else {
      throw InputError(path +
                       ": a folder with neither trial.json (nas search) nor parameter.cfg "
                       "(NNI)");
    }
  } else if (!fs::is_regular_file(file, ec)) {
    throw InputError(path + ": not a file or folder that can be read");
  }
  ArchitectureSource s;
  s.file = file.string();
  if (file.filename() == "trial.json") {
    s.experiment = ExperimentStore::read_containing(file.parent_path().string());
    try {
      TrialRecord t = trial_record_from_json(read_json_file(s.file));
      space.validate(t.arch);
      s.arch = t.arch;
      s.trial = std::move(t);
      return s;
    } catch (const InputError& e) {
      // A trial.json cut down to its architecture (by hand, or by another tool) still names
      // one; only when it does not is the record's own complaint the one to report.
      try {
        s.arch = load_architecture(s.file, space).arch;
        return s;
      } catch (const InputError&) {
      }
      const std::string what = e.what();
      throw InputError(what.rfind(s.file, 0) == 0 ? what : s.file + ": " + what);
    }
  }
  LoadedArchitecture loaded = load_architecture(s.file, space);
  s.arch = std::move(loaded.arch);
  s.nni27 = loaded.nni27;
  return s;
}

}  // namespace nas
