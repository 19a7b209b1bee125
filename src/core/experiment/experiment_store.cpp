#include "nas/core/experiment/experiment_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "nas/core/common/error.hpp"
#include "nas/core/common/json_fields.hpp"

namespace nas {

namespace fs = std::filesystem;
namespace {

constexpr const char* kExperimentFile = "experiment.json";
constexpr const char* kTrialFile = "trial.json";
constexpr const char* kRetrainFile = "retrain.json";
constexpr int kIdAttempts = 16;

// Unique among the writers that may race on one path: processes differ by pid, threads of one
// process by thread id, and one thread writes one file at a time.
std::string temp_path_for(const std::string& path) {
  std::ostringstream out;
  out << path << ".tmp." << ::getpid() << "."
      << std::hash<std::thread::id>{}(std::this_thread::get_id());
  return out.str();
}

std::string new_experiment_id() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[20];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  std::random_device rd;
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%04x", static_cast<unsigned>(rd() & 0xffffu));
  return std::string(stamp) + "-" + suffix;
}

bool is_trial_number(const std::string& name) {
  return !name.empty() && name.size() < 10 &&
         std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void make_dirs(const fs::path& p) {
  std::error_code ec;
  fs::create_directories(p, ec);
  if (ec) throw RuntimeFailure(p.string() + ": cannot create folder: " + ec.message());
}

std::string known_experiments_text(const std::string& root) {
  const auto ids = ExperimentStore::list(root);
  if (ids.empty()) return "no experiments exist under " + root;
  std::string out = "experiments under " + root + ":";
  for (const auto& id : ids) out += " " + id;
  return out;
}

// The id of an experiment opened by path is its folder's name, also for "exp/", "." or "..".
std::string folder_name(const fs::path& p) {
  std::error_code ec;
  fs::path full = fs::weakly_canonical(fs::absolute(p, ec), ec);
  if (ec) full = p.lexically_normal();
  std::string s = full.string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return fs::path(s).filename().string();
}

}  // namespace

template <typename Reader>
auto read_record(const std::string& path, Reader from_json)
    -> decltype(from_json(nlohmann::json())) {
  try {
    return from_json(read_json_file(path));
  } catch (const InputError& e) {
    const std::string what = e.what();
    // read_json_file already names the path; record readers do not.
    if (what.rfind(path, 0) == 0) throw;
    throw InputError(path + ": " + what);
  } catch (const nlohmann::json::exception& e) {
    // A field a reader takes as given (an array element of the wrong type, say).
    throw InputError(path + ": " + e.what());
  } catch (const std::out_of_range& e) {
    throw InputError(path + ": value out of range: " + e.what());
  }
}

std::string default_experiment_root() {
  const char* env = std::getenv("NAS_EXPERIMENT_DIR");
  if (env && *env) return env;
  return "./nas-experiments";
}

void write_json_atomic(const std::string& path, const nlohmann::json& j) {
  write_file_atomic(path, dump_json(j, 2) + '\n');
}

void write_file_atomic(const std::string& path, const std::string& bytes) {
  const std::string tmp = temp_path_for(path);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      throw RuntimeFailure(path + ": cannot write (" + std::strerror(errno) + ")");
    }
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      std::remove(tmp.c_str());
      throw RuntimeFailure(path + ": write failed (disk full?)");
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    throw RuntimeFailure(path + ": cannot replace: " + ec.message());
  }
}

nlohmann::json read_json_file(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw InputError(path + ": is a directory, not a JSON file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot read (" + std::strerror(errno) + ")");
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw InputError(path + ": empty file");
  }
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    // Syntax, a number out of range (1e999), invalid UTF-8: all bad input in this file.
    throw InputError(path + ": invalid JSON: " + e.what());
  }
}

ExperimentStore ExperimentStore::create(const std::string& root, ExperimentRecord record) {
  make_dirs(root);
  const bool generated = record.id.empty();
  for (int attempt = 0; attempt < kIdAttempts; ++attempt) {
    if (generated) record.id = new_experiment_id();
    const fs::path dir = fs::path(root) / record.id;
    std::error_code ec;
    if (fs::create_directory(dir, ec)) {
      ExperimentStore store(dir.string(), record.id);
      try {
        make_dirs(dir / "trials");
        store.write_experiment(record);
      } catch (...) {
        // No folder without its experiment.json: nothing could read or resume it.
        fs::remove_all(dir, ec);
        throw;
      }
      return store;
    }
    if (ec) throw RuntimeFailure(dir.string() + ": cannot create folder: " + ec.message());
    if (!generated) {
      throw UsageError("experiment folder " + dir.string() + " already exists");
    }
  }
  throw RuntimeFailure("cannot find a free experiment id under " + root);
}

std::string ExperimentStore::resolve_id(const std::string& root, const std::string& text) {
  const auto ids = list(root);
  if (std::find(ids.begin(), ids.end(), text) != ids.end()) return text;
  if (text == "latest") {
    if (ids.empty()) throw UsageError("no experiments exist under " + root);
    // Newest by creation time; ids made by nas sort by time too, named ones need not.
    std::string best;
    std::string best_created;
    for (const auto& id : ids) {
      std::string created;
      try {
        created = read_json_file((fs::path(root) / id / kExperimentFile).string())
                      .value("created", std::string());
      } catch (const std::exception&) {
      }
      if (best.empty() || created > best_created || (created == best_created && id > best)) {
        best = id;
        best_created = created;
      }
    }
    return best;
  }
  std::vector<std::string> matches;
  for (const auto& id : ids) {
    if (!text.empty() && id.rfind(text, 0) == 0) matches.push_back(id);
  }
  if (matches.size() == 1) return matches.front();
  if (matches.size() > 1) {
    std::string all;
    for (const auto& m : matches) all += " " + m;
    throw UsageError("experiment '" + text + "' is ambiguous: it could be" + all);
  }
  throw UsageError("unknown experiment '" + text + "'; " + known_experiments_text(root));
}

ExperimentStore ExperimentStore::open(const std::string& root, const std::string& id_or_path) {
  std::error_code ec;
  const fs::path under_root = fs::path(root) / id_or_path;
  if (!id_or_path.empty() && fs::is_regular_file(under_root / kExperimentFile, ec)) {
    return ExperimentStore(under_root.string(), folder_name(under_root));
  }
  const fs::path as_path(id_or_path);
  if (!id_or_path.empty() && fs::is_regular_file(as_path / kExperimentFile, ec)) {
    return ExperimentStore(as_path.string(), folder_name(as_path));
  }
  if (!id_or_path.empty() && id_or_path.find('/') == std::string::npos) {
    const std::string id = resolve_id(root, id_or_path);
    return ExperimentStore((fs::path(root) / id).string(), id);
  }
  if (!id_or_path.empty() && fs::is_directory(as_path, ec)) {
    throw UsageError(id_or_path + " is not an experiment folder (it has no experiment.json)");
  }
  throw UsageError("unknown experiment '" + id_or_path + "'; " + known_experiments_text(root));
}

std::vector<std::string> ExperimentStore::list(const std::string& root) {
  std::vector<std::string> ids;
  std::error_code ec;
  fs::directory_iterator it(root, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    std::error_code entry_ec;
    if (it->is_directory(entry_ec) && fs::is_regular_file(it->path() / kExperimentFile, entry_ec)) {
      ids.push_back(it->path().filename().string());
    }
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

namespace {
// "a/b/" and "a/b" are one folder; parent_path() would take the first for a/b itself.
fs::path absolute_folder(const std::string& dir) {
  fs::path p = fs::absolute(dir).lexically_normal();
  return p.has_filename() ? p : p.parent_path();
}
}  // namespace

std::optional<ExperimentRecord> ExperimentStore::read_containing(const std::string& trial_dir) {
  const fs::path file = absolute_folder(trial_dir).parent_path().parent_path() / kExperimentFile;
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return std::nullopt;
  return read_record(file.string(), experiment_record_from_json);
}

std::string ExperimentStore::root() const { return absolute_folder(dir_).parent_path().string(); }

std::string ExperimentStore::trial_dir(int trial_id) const {
  return (fs::path(dir_) / "trials" / std::to_string(trial_id)).string();
}

std::string ExperimentStore::log_path() const { return (fs::path(dir_) / "search.log").string(); }

ExperimentRecord ExperimentStore::read_experiment() const {
  return read_record((fs::path(dir_) / kExperimentFile).string(), experiment_record_from_json);
}

void ExperimentStore::write_experiment(const ExperimentRecord& record) const {
  write_json_atomic((fs::path(dir_) / kExperimentFile).string(), to_json(record));
}

void ExperimentStore::write_trial(const TrialRecord& record) const {
  const fs::path dir = trial_dir(record.id);
  make_dirs(dir);
  write_json_atomic((dir / kTrialFile).string(), to_json(record));
}

ExperimentStore::LoadedTrials ExperimentStore::load_trials() const {
  LoadedTrials out;
  std::error_code ec;
  const fs::path trials = fs::path(dir_) / "trials";
  fs::directory_iterator it(trials, ec), end;
  // A folder that cannot be listed must not read as "no trials yet".
  const bool unlistable = ec && ec != std::errc::no_such_file_or_directory;
  if (unlistable) out.problems.push_back(trials.string() + ": cannot list: " + ec.message());
  const bool opened = !ec;
  for (; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code entry_ec;
    if (!is_trial_number(name) || !it->is_directory(entry_ec)) continue;
    const std::string path = (it->path() / kTrialFile).string();
    // write_trial creates the folder just before the file lands in it: no file yet is a trial
    // being born, not a corrupt one.
    if (!fs::exists(path, entry_ec)) continue;
    try {
      TrialRecord t = read_record(path, trial_record_from_json);
      if (std::to_string(t.id) != name) {
        out.problems.push_back(path + ": holds trial " + std::to_string(t.id) +
                               ", not the folder's trial " + name);
        continue;
      }
      out.trials.push_back(std::move(t));
    } catch (const InputError& e) {
      out.problems.push_back(e.what());
    }
  }
  if (opened && ec) out.problems.push_back(trials.string() + ": listing stopped: " + ec.message());
  std::sort(out.trials.begin(), out.trials.end(),
            [](const TrialRecord& a, const TrialRecord& b) { return a.id < b.id; });
  std::sort(out.problems.begin(), out.problems.end());
  return out;
}

std::vector<RetrainRecord> ExperimentStore::load_retrains(
    int trial_id, std::vector<std::string>* problems) const {
  std::vector<std::string> paths;
  std::error_code ec;
  const fs::path trial = trial_dir(trial_id);
  if (fs::exists(trial / kRetrainFile, ec)) paths.push_back((trial / kRetrainFile).string());
  fs::directory_iterator it(trial / "retrain", ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    std::error_code entry_ec;
    if (it->is_directory(entry_ec) && fs::exists(it->path() / kRetrainFile, entry_ec))
      paths.push_back((it->path() / kRetrainFile).string());
  }
  std::vector<RetrainRecord> out;
  for (const auto& path : paths) {
    try {
      out.push_back(read_record(path, retrain_record_from_json));
      out.back().dir = fs::path(path).parent_path().string();
    } catch (const InputError& e) {
      if (problems) problems->push_back(e.what());
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const RetrainRecord& a, const RetrainRecord& b) {
    return a.started < b.started;
  });
  return out;
}

ExperimentLock& ExperimentLock::operator=(ExperimentLock&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

ExperimentLock::~ExperimentLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

bool ExperimentStore::in_use() const {
  const std::string path = (fs::path(dir_) / ".lock").string();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;  // never locked
  const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  return held;
}

ExperimentLock ExperimentStore::lock() const {
  const std::string path = (fs::path(dir_) / ".lock").string();
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw RuntimeFailure(path + ": cannot open lock file");
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    throw UsageError("experiment " + id_ + " is in use by another nas process (" + path + ")");
  }
  return ExperimentLock(fd);
}

}  // namespace nas
