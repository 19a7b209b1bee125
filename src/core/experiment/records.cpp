#include "nas/core/experiment/records.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "nas/core/common/error.hpp"
#include "nas/core/common/json_fields.hpp"
#include "nas/core/search/search_spaces.hpp"

namespace nas {
namespace {

constexpr const char* kTrialFormat = "nas-trial/1";
constexpr const char* kExperimentFormat = "nas-experiment/1";
constexpr const char* kRetrainFormat = "nas-retrain/1";

constexpr std::array<std::pair<TrialStatus, const char*>, 6> kTrialStatusNames{{
    {TrialStatus::kRunning, "running"},
    {TrialStatus::kCompleted, "completed"},
    {TrialStatus::kCulled, "culled"},
    {TrialStatus::kFailed, "failed"},
    {TrialStatus::kInterrupted, "interrupted"},
    {TrialStatus::kRejected, "rejected"},
}};

constexpr std::array<std::pair<ExperimentStatus, const char*>, 4> kExperimentStatusNames{{
    {ExperimentStatus::kRunning, "running"},
    {ExperimentStatus::kCompleted, "completed"},
    {ExperimentStatus::kInterrupted, "interrupted"},
    {ExperimentStatus::kFailed, "failed"},
}};

// A double that may be NaN (a diverged loss): JSON has no NaN, so it is written as null.
nlohmann::json finite_or_null(double v) {
  if (!std::isfinite(v)) return nullptr;
  return v;
}

nlohmann::json epochs_to_json(const std::vector<EpochRecord>& epochs, bool with_threshold) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : epochs) {
    nlohmann::json j = to_json(e);
    if (!with_threshold) j.erase("threshold");
    if (with_threshold && e.cull_rank) j["cull_rank"] = *e.cull_rank;
    out.push_back(std::move(j));
  }
  return out;
}

std::vector<EpochRecord> epochs_from_json(const JsonFields& f) {
  const auto& arr = f.at("epochs");
  if (!arr.is_array()) f.fail("epochs", "an array");
  std::vector<EpochRecord> out;
  out.reserve(arr.size());
  for (std::size_t i = 0; i < arr.size(); ++i) {
    try {
      out.push_back(epoch_record_from_json(arr[i]));
    } catch (const InputError& e) {
      throw InputError(f.path("epochs[" + std::to_string(i) + "]") + ": " + e.what());
    }
  }
  return out;
}

Architecture arch_from_json(const JsonFields& f) {
  try {
    return Architecture::from_json(f.at("arch"));
  } catch (const InputError& e) {
    throw InputError(f.path("arch") + ": " + e.what());
  }
}

DatasetInfo dataset_from_json(const JsonFields& f) {
  try {
    return dataset_info_from_json(f.at("dataset"));
  } catch (const InputError& e) {
    throw InputError(f.path("dataset") + ": " + e.what());
  }
}

nlohmann::json optional_uint64(const std::optional<std::uint64_t>& v) {
  if (!v) return nullptr;
  return *v;
}

}  // namespace

std::string to_string(TrialStatus s) {
  for (const auto& [value, name] : kTrialStatusNames) {
    if (value == s) return name;
  }
  return "unknown";
}

TrialStatus trial_status_from_string(const std::string& s) {
  for (const auto& [value, name] : kTrialStatusNames) {
    if (s == name) return value;
  }
  throw InputError("unknown trial status '" + s +
                   "' (expected running, completed, culled, failed, interrupted or rejected)");
}

std::string to_string(ExperimentStatus s) {
  for (const auto& [value, name] : kExperimentStatusNames) {
    if (value == s) return name;
  }
  return "unknown";
}

ExperimentStatus experiment_status_from_string(const std::string& s) {
  for (const auto& [value, name] : kExperimentStatusNames) {
    if (s == name) return value;
  }
  throw InputError("unknown experiment status '" + s +
                   "' (expected running, completed, interrupted or failed)");
}

nlohmann::json to_json(const EpochRecord& r) {
  return {{"epoch", r.epoch},
          {"train_loss", finite_or_null(r.train_loss)},
          {"accuracy", finite_or_null(r.accuracy)},
          {"latency_ms", finite_or_null(r.latency_ms)},
          {"metric", finite_or_null(r.metric)},
          {"seconds", finite_or_null(r.seconds)},
          {"threshold", json_or_null(r.threshold)}};
}

EpochRecord epoch_record_from_json(const nlohmann::json& j) {
  const JsonFields f(j, "epoch");
  EpochRecord r;
  r.epoch = f.integer("epoch");
  r.train_loss = f.number_or_nan("train_loss");
  r.accuracy = f.number_or_nan("accuracy");
  r.latency_ms = f.number_or_nan("latency_ms");
  r.metric = f.number_or_nan("metric");
  r.seconds = f.number_or_nan("seconds");
  r.threshold = f.opt_number("threshold");
  r.cull_rank = f.opt_integer("cull_rank");  // only under --objective pareto
  return r;
}

nlohmann::json to_json(const TrialRecord& r) {
  nlohmann::json j;
  j["format"] = kTrialFormat;
  j["id"] = r.id;
  j["experiment"] = r.experiment;
  j["arch"] = r.arch.to_json();
  if (r.arch_nni27) j["arch_nni27"] = r.arch_nni27->to_json();
  j["arch_key"] = r.arch_key;
  j["origin"] = r.origin;
  j["parent"] = json_or_null(r.parent);
  j["params"] = json_or_null(r.params);
  j["macs"] = json_or_null(r.macs);
  j["device"] = r.device;
  j["host"] = json_or_null(r.host);
  j["threads"] = json_or_null(r.threads);
  j["status"] = to_string(r.status);
  j["started"] = r.started;
  j["ended"] = json_or_null(r.ended);
  j["seconds"] = json_or_null(r.seconds);
  j["epochs"] = epochs_to_json(r.epochs, /*with_threshold=*/true);
  j["metric"] = json_or_null(r.metric);
  j["accuracy"] = json_or_null(r.accuracy);
  j["latency_ms"] = json_or_null(r.latency_ms);
  j["culled_at_epoch"] = json_or_null(r.culled_at_epoch);
  j["error"] = json_or_null(r.error);
  j["latency_before_ms"] = json_or_null(r.latency_before_ms);
  j["rejected_by"] = json_or_null(r.rejected_by);
  j["latency_source"] = json_or_null(r.latency_source);
  j["latency_table_device"] = json_or_null(r.latency_table_device);
  if (r.nb201) {
    j["nb201"] = {{"dataset", r.nb201->dataset},
                  {"cell", r.nb201->cell},
                  {"val_accuracy", r.nb201->val_accuracy},
                  {"test_accuracy", r.nb201->test_accuracy}};
  }
  return j;
}

TrialRecord trial_record_from_json(const nlohmann::json& j) {
  const JsonFields f(j, "trial");
  f.expect_format(kTrialFormat);
  TrialRecord r;
  r.id = f.integer("id");
  r.experiment = f.str("experiment");
  r.arch = arch_from_json(f);
  if (f.has("arch_nni27") && !f.at("arch_nni27").is_null()) {
    try {
      r.arch_nni27 = Architecture::from_json(f.at("arch_nni27"));
    } catch (const InputError& e) {
      throw InputError("trial.arch_nni27: " + std::string(e.what()));
    }
  }
  r.arch_key = f.str("arch_key");
  r.origin = f.str("origin");
  r.parent = f.opt_integer("parent");
  r.params = f.opt_int64("params");
  r.macs = f.opt_int64("macs");
  r.device = f.str("device");
  r.host = f.opt_str("host");
  r.threads = f.opt_integer("threads");
  r.status = trial_status_from_string(f.str("status"));
  r.started = f.str("started");
  r.ended = f.opt_str("ended");
  r.seconds = f.opt_number("seconds");
  r.epochs = epochs_from_json(f);
  r.metric = f.opt_number("metric");
  r.accuracy = f.opt_number("accuracy");
  r.latency_ms = f.opt_number("latency_ms");
  r.culled_at_epoch = f.opt_integer("culled_at_epoch");
  r.error = f.opt_str("error");
  r.latency_before_ms = f.opt_number("latency_before_ms");  // absent in older files
  r.rejected_by = f.opt_str("rejected_by");
  r.latency_source = f.opt_str("latency_source");  // absent in older files: measured
  r.latency_table_device = f.opt_str("latency_table_device");
  if (f.has("nb201") && !f.at("nb201").is_null()) {
    const JsonFields n(f.at("nb201"), f.path("nb201"));
    r.nb201 = Nb201Lookup{n.str("dataset"), n.str("cell"), n.number("val_accuracy"),
                          n.number("test_accuracy")};
  }
  return r;
}

nlohmann::json to_json(const DatasetInfo& r) {
  return {{"name", r.name},           {"dir", json_or_null(r.dir)},
          {"split", r.split},         {"train_size", r.train_size},
          {"eval_size", r.eval_size}, {"shape", {r.shape[0], r.shape[1], r.shape[2]}},
          {"classes", r.classes}};
}

DatasetInfo dataset_info_from_json(const nlohmann::json& j) {
  const JsonFields f(j, "dataset");
  DatasetInfo r;
  r.name = f.str("name");
  r.dir = f.opt_str("dir");
  r.split = f.str("split");
  r.train_size = f.int64("train_size");
  r.eval_size = f.int64("eval_size");
  const auto& shape = f.at("shape");
  if (!shape.is_array() || shape.size() != 3) f.fail("shape", "an array [C, H, W]");
  for (int i = 0; i < 3; ++i) {
    if (!shape[i].is_number_integer()) f.fail("shape", "an array of 3 integers");
    r.shape[i] = shape[i].get<int>();
  }
  r.classes = f.integer("classes");
  return r;
}

nlohmann::json to_json(const ComputeEnvironment& r) {
  nlohmann::json devices = nlohmann::json::array();
  for (const auto& d : r.devices) {
    devices.push_back({{"device", d.device},
                       {"name", d.name},
                       {"memory_mib", d.memory_mib ? nlohmann::json(*d.memory_mib) : nullptr},
                       {"capability", json_or_null(d.capability)}});
  }
  return {{"devices", devices},
          {"libtorch_cuda", json_or_null(r.libtorch_cuda)},
          {"gpus_visible", r.gpus_visible},
          {"cuda_runtime", json_or_null(r.cuda_runtime)},
          {"cuda_driver", json_or_null(r.cuda_driver)},
          {"cudnn", json_or_null(r.cudnn)},
          {"cudnn_benchmark", r.cudnn_benchmark},
          {"deterministic", r.deterministic},
          {"tf32", r.tf32}};
}

ComputeEnvironment compute_environment_from_json(const nlohmann::json& j) {
  const JsonFields f(j, "environment");
  ComputeEnvironment r;
  const auto& devices = f.at("devices");
  if (!devices.is_array()) f.fail("devices", "an array of objects");
  for (const auto& d : devices) {
    const JsonFields g(d, f.path("devices"));
    DeviceInfo info;
    info.device = g.str("device");
    info.name = g.str("name");
    if (g.has("memory_mib") && !g.at("memory_mib").is_null())
      info.memory_mib = g.int64("memory_mib");
    info.capability = g.opt_str("capability");
    r.devices.push_back(info);
  }
  // Both absent in files written before they were recorded.
  r.libtorch_cuda = f.opt_str("libtorch_cuda");
  if (f.has("gpus_visible")) r.gpus_visible = f.integer("gpus_visible");
  r.cuda_runtime = f.opt_str("cuda_runtime");
  r.cuda_driver = f.opt_str("cuda_driver");
  r.cudnn = f.opt_str("cudnn");
  r.cudnn_benchmark = f.boolean("cudnn_benchmark");
  r.deterministic = f.boolean("deterministic");
  r.tf32 = f.boolean("tf32");
  return r;
}

nlohmann::json to_json(const WorkerInfo& r) {
  return {{"rank", r.rank},
          {"host", r.host},
          {"devices", r.devices},
          {"slots", r.slots},
          {"threads", r.threads}};
}

WorkerInfo worker_info_from_json(const nlohmann::json& j) {
  const JsonFields f(j, "worker");
  WorkerInfo r;
  r.rank = f.integer("rank");
  r.host = f.str("host");
  const auto& devices = f.at("devices");
  if (!devices.is_array()) f.fail("devices", "an array of strings");
  for (const auto& d : devices) {
    if (!d.is_string()) f.fail("devices", "an array of strings");
    r.devices.push_back(d.get<std::string>());
  }
  r.slots = f.integer("slots");
  r.threads = f.integer("threads");
  return r;
}

namespace {

std::optional<ComputeEnvironment> environment_from_json(const JsonFields& f) {
  if (!f.has("environment") || f.at("environment").is_null()) return std::nullopt;
  return compute_environment_from_json(f.at("environment"));
}

}  // namespace

nlohmann::json to_json(const ExperimentRecord& r) {
  nlohmann::json j;
  j["format"] = kExperimentFormat;
  j["id"] = r.id;
  j["name"] = json_or_null(r.name);
  j["created"] = r.created;
  j["finished"] = json_or_null(r.finished);
  j["status"] = to_string(r.status);
  j["error"] = json_or_null(r.error);
  j["seed"] = r.seed;
  j["options"] = to_json(r.options);
  // What a trial's metric is, said where a reader of the file looks first: the table's accuracy
  // under nas-bench-201 (no latency), else the reward of accuracy and latency.
  j["metric"] = is_tabular_space(r.options.space) ? "accuracy" : "reward";
  j["dataset"] = to_json(r.dataset);
  j["devices"] = r.devices;
  j["versions"] = {{"nas", r.nas_version}, {"libtorch", r.libtorch_version}};
  j["ended_by"] = json_or_null(r.ended_by);
  j["search_seconds"] = json_or_null(r.search_seconds);
  j["environment"] = r.environment ? to_json(*r.environment) : nlohmann::json(nullptr);
  j["workers"] = nlohmann::json::array();
  for (const auto& w : r.workers) j["workers"].push_back(to_json(w));
  j["sessions"] = nlohmann::json::array();
  for (const auto& s : r.sessions)
    j["sessions"].push_back({{"started", s.started}, {"ended", json_or_null(s.ended)}});
  return j;
}

ExperimentRecord experiment_record_from_json(const nlohmann::json& j) {
  const JsonFields f(j, "experiment");
  f.expect_format(kExperimentFormat);
  ExperimentRecord r;
  r.id = f.str("id");
  r.name = f.opt_str("name");
  r.created = f.str("created");
  r.finished = f.opt_str("finished");
  r.status = experiment_status_from_string(f.str("status"));
  r.error = f.opt_str("error");
  r.seed = f.uint64("seed");
  try {
    r.options = search_options_from_json(f.at("options"));
  } catch (const InputError& e) {
    throw InputError(std::string("experiment: ") + e.what());
  }
  r.dataset = dataset_from_json(f);
  const auto& devices = f.at("devices");
  if (!devices.is_array()) f.fail("devices", "an array of strings");
  for (const auto& d : devices) {
    if (!d.is_string()) f.fail("devices", "an array of strings");
    r.devices.push_back(d.get<std::string>());
  }
  const JsonFields versions(f.at("versions"), f.path("versions"));
  r.nas_version = versions.str("nas");
  r.libtorch_version = versions.str("libtorch");
  r.ended_by = f.opt_str("ended_by");
  r.search_seconds = f.opt_number("search_seconds");
  r.environment = environment_from_json(f);
  if (f.has("workers") && !f.at("workers").is_null()) {
    const auto& workers = f.at("workers");
    if (!workers.is_array()) f.fail("workers", "an array of objects");
    for (const auto& w : workers) r.workers.push_back(worker_info_from_json(w));
  }
  if (f.has("sessions") && !f.at("sessions").is_null()) {
    const auto& sessions = f.at("sessions");
    if (!sessions.is_array()) f.fail("sessions", "an array of {started, ended}");
    for (const auto& s : sessions) {
      const JsonFields g(s, f.path("sessions"));
      r.sessions.push_back({g.str("started"), g.opt_str("ended")});
    }
  }
  return r;
}

nlohmann::json to_json(const RetrainRecord& r) {
  nlohmann::json j;
  j["format"] = kRetrainFormat;
  j["source"] = r.source;
  j["experiment"] = json_or_null(r.experiment);
  j["trial"] = json_or_null(r.trial);
  j["arch"] = r.arch.to_json();
  j["arch_key"] = r.arch_key;
  j["params"] = r.params;
  j["macs"] = r.macs;
  j["dataset"] = to_json(r.dataset);
  j["device"] = r.device;
  j["environment"] = r.environment ? to_json(*r.environment) : nlohmann::json(nullptr);
  j["options"] = {{"epochs", r.epochs_planned},
                  {"batch_size", r.batch_size},
                  {"lr", r.lr},
                  {"seed", r.seed},
                  {"latency_batch", r.latency_batch},
                  {"latency_exponent", r.latency_exponent},
                  {"target_latency_ms", json_or_null(r.target_latency_ms)},
                  {"reward", r.reward},
                  {"beta", r.beta},
                  {"bn_recalibrate", r.bn_recalibrate},
                  {"threads", r.threads},
                  {"train_subset", r.train_subset},
                  {"eval_subset", r.eval_subset},
                  {"weights", json_or_null(r.initial_weights)}};
  j["status"] = to_string(r.status);
  j["error"] = json_or_null(r.error);
  j["epochs"] = epochs_to_json(r.epochs, /*with_threshold=*/false);
  j["accuracy"] = json_or_null(r.accuracy);
  j["latency_ms"] = json_or_null(r.latency_ms);
  j["metric"] = json_or_null(r.metric);
  j["seconds"] = finite_or_null(r.seconds);
  j["started"] = r.started;
  j["ended"] = json_or_null(r.ended);
  return j;
}

RetrainRecord retrain_record_from_json(const nlohmann::json& j) {
  const JsonFields f(j, "retrain");
  f.expect_format(kRetrainFormat);
  RetrainRecord r;
  r.source = f.str("source");
  r.experiment = f.opt_str("experiment");
  r.trial = f.opt_integer("trial");
  r.arch = arch_from_json(f);
  r.arch_key = f.str("arch_key");
  r.params = f.int64("params");
  r.macs = f.int64("macs");
  r.dataset = dataset_from_json(f);
  r.device = f.str("device");
  r.environment = environment_from_json(f);
  const JsonFields o(f.at("options"), f.path("options"));
  r.epochs_planned = o.integer("epochs");
  r.batch_size = o.integer("batch_size");
  r.lr = o.number("lr");
  r.seed = o.uint64("seed");
  r.latency_batch = o.integer("latency_batch");
  r.latency_exponent = o.number("latency_exponent");
  r.target_latency_ms = o.opt_number("target_latency_ms");  // absent in older files: none
  if (o.has("reward")) r.reward = o.str("reward");
  if (o.has("beta")) r.beta = o.number("beta");
  r.bn_recalibrate = o.opt_integer("bn_recalibrate").value_or(0);
  r.threads = o.integer("threads");
  r.train_subset = o.int64("train_subset");
  r.eval_subset = o.int64("eval_subset");
  r.initial_weights = o.opt_str("weights");
  r.status = trial_status_from_string(f.str("status"));
  r.error = f.opt_str("error");
  r.epochs = epochs_from_json(f);
  r.accuracy = f.opt_number("accuracy");
  r.latency_ms = f.opt_number("latency_ms");
  r.metric = f.opt_number("metric");
  r.seconds = f.number_or_nan("seconds");
  r.started = f.str("started");
  r.ended = f.opt_str("ended");
  return r;
}

double active_seconds(double from, double to, const std::vector<SearchSession>& sessions) {
  if (to <= from) return 0;
  if (sessions.empty()) return to - from;
  double total = 0;
  for (const auto& s : sessions) {
    double start = 0, end = to;
    try {
      start = parse_iso8601(s.started);
      if (s.ended) end = parse_iso8601(*s.ended);
    } catch (const InputError&) {
      continue;  // an unreadable span counts for nothing
    }
    total += std::max(0.0, std::min(end, to) - std::max(start, from));
  }
  return total;
}

std::string now_iso8601() {
  using std::chrono::system_clock;
  const auto now = system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

double parse_iso8601(const std::string& s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, used = 0;
  const bool ok =
      std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &used) == 6 &&
      used == 19;
  if (!ok || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) {
    throw InputError("unreadable time '" + s + "' (expected e.g. 2026-11-28T06:55:00Z)");
  }
  std::size_t pos = 19;
  double fraction = 0;
  if (pos < s.size() && s[pos] == '.') {
    double scale = 0.1;
    for (++pos; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos, scale /= 10) {
      fraction += (s[pos] - '0') * scale;
    }
  }
  // We only write UTC; accept "+00:00" too since other tools spell UTC that way.
  const std::string zone = s.substr(pos);
  if (zone != "Z" && zone != "+00:00") {
    throw InputError("unreadable time '" + s + "' (expected a UTC time ending in Z)");
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  return static_cast<double>(timegm(&tm)) + fraction;
}

}  // namespace nas
