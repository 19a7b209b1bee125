#include "nas/core/search/search_options.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "nas/core/common/error.hpp"
#include "nas/core/common/json_fields.hpp"
#include "nas/core/search/nb201_table.hpp"
#include "nas/core/search/reward.hpp"
#include "nas/core/search/search_spaces.hpp"

namespace nas {
namespace {

template <typename T>
std::string quoted(const T& v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

void require(bool ok, const std::string& message) {
  if (!ok) throw UsageError(message);
}

// Messages name the flags a user types; an edited experiment.json on resume maps onto them too.
void validate_counts(const SearchOptions& o) {
  require(o.n_trials >= 1, "--n-trials must be at least 1, got " + quoted(o.n_trials));
  require(o.epochs >= 1, "--epochs must be at least 1, got " + quoted(o.epochs));
  require(o.concurrent_trials >= 1,
          "--concurrent-trials must be at least 1, got " + quoted(o.concurrent_trials));
  require(o.sample_size >= 1, "--sample-size must be at least 1, got " + quoted(o.sample_size));
  require(o.max_population >= 1,
          "--max-population must be at least 1, got " + quoted(o.max_population));
  // Random search draws no tournament and only uses the population as the point where culling
  // starts, so a small random search needs no population flags.
  if (o.strategy != "evolution") return;
  // NNI asserts it: a tournament of the whole population would always pick the best member.
  require(o.sample_size < o.max_population, "--sample-size " + quoted(o.sample_size) +
                                                " must be smaller than --max-population " +
                                                quoted(o.max_population));
  require(static_cast<int>(o.initial_archs.size()) <= o.max_population,
          "--initial-arch gives " + quoted(o.initial_archs.size()) +
              " architectures, more than the initial population (--max-population " +
              quoted(o.max_population) + ")");
  require(o.max_population <= o.n_trials, "--max-population " + quoted(o.max_population) +
                                              " must not exceed --n-trials " + quoted(o.n_trials));
}

void validate_budget(const SearchOptions& o) {
  if (o.max_latency_ms) {
    require(std::isfinite(*o.max_latency_ms) && *o.max_latency_ms > 0,
            "--max-latency must be a positive number of milliseconds, got " +
                quoted(*o.max_latency_ms));
  }
  if (o.max_macs)
    require(*o.max_macs > 0, "--max-macs must be positive, got " + quoted(*o.max_macs));
  if (o.max_params) {
    require(*o.max_params > 0, "--max-params must be positive, got " + quoted(*o.max_params));
  }
  if (!o.time_budget_seconds) return;
  require(std::isfinite(*o.time_budget_seconds) && *o.time_budget_seconds > 0,
          "--time-budget must be positive, got " + quoted(*o.time_budget_seconds) + " s");
}

void validate_rates(const SearchOptions& o) {
  // Written as negations so that NaN fails too.
  require(o.cull_ratio >= 0 && o.cull_ratio < 1,
          "--cull-ratio must be in [0, 1), got " + quoted(o.cull_ratio));
  require(o.mutation_prob >= 0 && o.mutation_prob <= 1,
          "--mutation-prob must be in [0, 1], got " + quoted(o.mutation_prob));
}

// A table cell has no network: nothing to time, build or cull, so every flag about one is refused
// rather than silently ignored.
void validate_tabular(const SearchOptions& o) {
  if (!is_tabular_space(o.space)) return;
  const std::string space = "with --space " + o.space;
  require(o.cull_ratio == 0, "--cull-ratio " + quoted(o.cull_ratio) + " " + space +
                                 ": the table has no per-epoch accuracies to cull by (give 0 or "
                                 "leave it out)");
  const std::string no_network = ": a table cell has no network to time or build";
  require(!o.max_latency_ms, "--max-latency " + space + no_network);
  require(!o.target_latency_ms, "--target-latency " + space + no_network);
  require(!o.max_macs, "--max-macs " + space + no_network);
  require(!o.max_params, "--max-params " + space + no_network);
  require(o.latency_table.empty(), "--latency-table " + space + no_network);
  require(o.objective == "scalar", "--objective " + o.objective + " " + space +
                                       ": the table has no latency, so the only objective is "
                                       "accuracy");
}

void validate_names_and_sizes(const SearchOptions& o) {
  require(o.strategy == "evolution" || o.strategy == "random",
          "--strategy must be 'evolution' or 'random', got '" + o.strategy + "'");
  require(o.objective == "scalar" || o.objective == "pareto",
          "--objective must be 'scalar' or 'pareto', got '" + o.objective + "'");
  const auto spaces = search_space_names();
  require(std::find(spaces.begin(), spaces.end(), o.space) != spaces.end(),
          "--space must be one of " + known_search_spaces() + ", got '" + o.space + "'");
  nb201_dataset_from_string(o.nb201_dataset);
  require(o.eval_split == "validation" || o.eval_split == "test",
          "--eval-split must be 'validation' or 'test', got '" + o.eval_split + "'");
  require(o.eval_subset >= 0,
          "--eval-subset must not be negative (0 = all), got " + quoted(o.eval_subset));
  require(o.train_subset >= 0,
          "--train-subset must not be negative (0 = all), got " + quoted(o.train_subset));
  validate_recipe(o.lr, o.latency_exponent, o.batch_size, o.latency_batch, o.threads);
  require(o.bn_recalibrate >= 0 && o.bn_recalibrate <= 100000,
          "--bn-recalibrate must be from 0 to 100000 batches, got " + quoted(o.bn_recalibrate));
  require(o.concurrent_trials <= max_useful_threads(),
          "--concurrent-trials " + quoted(o.concurrent_trials) + " is more than this machine can " +
              "run (at most " + std::to_string(max_useful_threads()) + ")");
}

nlohmann::json empty_as_null(const std::string& s) {
  if (s.empty()) return nullptr;
  return s;
}

}  // namespace

int max_useful_threads() {
  return 4 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

void validate_train_subset(std::int64_t train_subset, int batch_size) {
  require(train_subset >= 0,
          "--train-subset must not be negative (0 = all), got " + quoted(train_subset));
  require(train_subset == 0 || train_subset >= batch_size,
          "--train-subset " + quoted(train_subset) + " is smaller than one batch (--batch-size " +
              quoted(batch_size) + "): give at least " + quoted(batch_size) +
              " images, or 0 for all");
}

void validate_recipe(double lr, double latency_exponent, int batch_size, int latency_batch,
                     int threads) {
  // Written as negations of the valid range so that NaN fails too; inf is not a rate.
  require(std::isfinite(lr) && lr > 0, "--lr must be a positive number, got " + quoted(lr));
  require(std::isfinite(latency_exponent) && latency_exponent >= 0,
          "--latency-exponent must be a number of at least 0, got " + quoted(latency_exponent));
  require(batch_size >= 2,
          "--batch-size must be at least 2 (BatchNorm cannot train on one "
          "image), got " +
              quoted(batch_size));
  require(latency_batch >= 1, "--latency-batch must be at least 1, got " + quoted(latency_batch));
  require(threads >= 0, "--threads must not be negative (0 = all cores), got " + quoted(threads));
  require(threads <= max_useful_threads(),
          "--threads " + quoted(threads) + " is more than this machine can use (at most " +
              std::to_string(max_useful_threads()) + ", 4x its hardware threads)");
}

void validate(const SearchOptions& o) {
  validate_names_and_sizes(o);
  validate_counts(o);
  validate_rates(o);
  validate_budget(o);
  validate_reward(reward_options(o));
  validate_tabular(o);
}

RewardOptions reward_options(const SearchOptions& o) {
  RewardOptions r;
  r.kind = o.reward;
  r.target_latency_ms = o.target_latency_ms;
  r.latency_exponent = o.latency_exponent;
  r.beta = o.beta;
  return r;
}

double parse_duration(const std::string& text, const std::string& flag) {
  const std::string usage =
      flag + " '" + text + "': expected a duration such as 90m, 8h, 1d, 1h30m or seconds";
  if (text.empty()) throw UsageError(usage);
  double total = 0;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t used = 0;
    double value = 0;
    try {
      value = std::stod(text.substr(at), &used);
    } catch (const std::exception&) {
      throw UsageError(usage);
    }
    // stod reads "1e3" and "inf" too; a duration is digits and a point.
    for (std::size_t i = at; i < at + used; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(text[i])) && text[i] != '.')
        throw UsageError(usage);
    }
    at += used;
    double unit = 1;
    if (at < text.size()) {
      switch (text[at]) {
        case 's':
          unit = 1;
          break;
        case 'm':
          unit = 60;
          break;
        case 'h':
          unit = 3600;
          break;
        case 'd':
          unit = 86400;
          break;
        default:
          throw UsageError(usage);
      }
      ++at;
    } else if (total > 0) {
      throw UsageError(usage);  // "1h30": the 30 has no unit
    }
    total += value * unit;
  }
  if (!(total > 0)) throw UsageError(flag + " must be positive, got '" + text + "'");
  return total;
}

std::int64_t parse_count(const std::string& text, const std::string& flag) {
  const std::string usage =
      flag + " '" + text + "': expected a count such as 300000000, 300M, 2.5M, 800k or 1G";
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    throw UsageError(usage);
  }
  for (std::size_t i = 0; i < used; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i])) && text[i] != '.' && text[i] != '-')
      throw UsageError(usage);
  }
  const std::string suffix = text.substr(used);
  double unit = 1;
  if (suffix == "k" || suffix == "K") {
    unit = 1e3;
  } else if (suffix == "M") {
    unit = 1e6;
  } else if (suffix == "G") {
    unit = 1e9;
  } else if (!suffix.empty()) {
    throw UsageError(usage);
  }
  const double n = value * unit;
  if (!(n >= 1)) throw UsageError(flag + " must be positive, got '" + text + "'");
  if (n > 9e18) throw UsageError(usage);
  return static_cast<std::int64_t>(n);
}

nlohmann::json to_json(const SearchOptions& o) {
  nlohmann::json j;
  j["strategy"] = o.strategy;
  j["space"] = o.space;
  j["nb201_dataset"] = o.nb201_dataset;
  j["nb201_table"] = empty_as_null(o.nb201_table);
  j["latency_table"] = nullptr;
  if (!o.latency_table.empty()) {
    j["latency_table"] = {{"path", o.latency_table},
                          {"device", o.latency_table_device},
                          {"checksum", o.latency_table_checksum}};
  }
  j["objective"] = o.objective;
  j["epochs"] = o.epochs;
  j["cull_ratio"] = o.cull_ratio;
  j["max_population"] = o.max_population;
  j["sample_size"] = o.sample_size;
  j["n_trials"] = o.n_trials;
  j["time_budget_seconds"] =
      o.time_budget_seconds ? nlohmann::json(*o.time_budget_seconds) : nlohmann::json(nullptr);
  j["concurrent_trials"] = o.concurrent_trials;
  j["mutation_prob"] = o.mutation_prob;
  j["max_latency_ms"] =
      o.max_latency_ms ? nlohmann::json(*o.max_latency_ms) : nlohmann::json(nullptr);
  j["max_macs"] = o.max_macs ? nlohmann::json(*o.max_macs) : nlohmann::json(nullptr);
  j["max_params"] = o.max_params ? nlohmann::json(*o.max_params) : nlohmann::json(nullptr);
  j["initial_archs"] = nlohmann::json::array();
  for (const auto& a : o.initial_archs) j["initial_archs"].push_back(a.to_json());
  j["seed"] = o.seed ? nlohmann::json(*o.seed) : nlohmann::json(nullptr);
  j["batch_size"] = o.batch_size;
  j["lr"] = o.lr;
  j["latency_batch"] = o.latency_batch;
  j["latency_exponent"] = o.latency_exponent;
  j["target_latency_ms"] =
      o.target_latency_ms ? nlohmann::json(*o.target_latency_ms) : nlohmann::json(nullptr);
  j["reward"] = o.reward;
  j["beta"] = o.beta;
  j["bn_recalibrate"] = o.bn_recalibrate;
  j["threads"] = o.threads;
  j["train_subset"] = o.train_subset;
  j["eval_subset"] = o.eval_subset;
  j["eval_split"] = o.eval_split;
  j["dataset"] = o.dataset;
  j["data_dir"] = empty_as_null(o.data_dir);
  j["device"] = empty_as_null(o.device);
  j["deterministic"] = o.deterministic;
  j["tf32"] = o.tf32;
  return j;
}

SearchOptions search_options_from_json(const nlohmann::json& j) {
  const JsonFields f(j, "options");
  SearchOptions o;
  auto read_int = [&](const char* key, int& out) {
    if (f.has(key)) out = f.integer(key);
  };
  auto read_int64 = [&](const char* key, std::int64_t& out) {
    if (f.has(key)) out = f.int64(key);
  };
  auto read_number = [&](const char* key, double& out) {
    if (f.has(key)) out = f.number(key);
  };
  // null stands for "the default" in data_dir and device.
  auto read_string = [&](const char* key, std::string& out) {
    if (f.has(key)) out = f.opt_str(key).value_or("");
  };
  read_string("strategy", o.strategy);
  read_string("space", o.space);
  read_string("nb201_dataset", o.nb201_dataset);  // absent in older files: cifar10, unused
  read_string("nb201_table", o.nb201_table);
  if (f.has("latency_table") && !f.at("latency_table").is_null()) {  // absent in older files
    const JsonFields t(f.at("latency_table"), f.path("latency_table"));
    o.latency_table = t.str("path");
    o.latency_table_device = t.str("device");
    o.latency_table_checksum = t.str("checksum");
  }
  read_string("objective", o.objective);  // absent in older files: scalar
  read_int("concurrent_trials", o.concurrent_trials);
  read_int("epochs", o.epochs);
  read_number("cull_ratio", o.cull_ratio);
  read_int("max_population", o.max_population);
  read_int("sample_size", o.sample_size);
  read_int("n_trials", o.n_trials);
  o.time_budget_seconds = f.opt_number("time_budget_seconds");  // absent in older files
  read_number("mutation_prob", o.mutation_prob);
  o.max_latency_ms = f.opt_number("max_latency_ms");  // absent in older files: none
  if (f.has("max_macs") && !f.at("max_macs").is_null()) o.max_macs = f.int64("max_macs");
  if (f.has("max_params") && !f.at("max_params").is_null()) o.max_params = f.int64("max_params");
  if (f.has("initial_archs")) {  // absent in older files: none
    const nlohmann::json& list = f.at("initial_archs");
    if (!list.is_array()) throw InputError(f.path("initial_archs") + ": expected an array");
    for (const auto& a : list) o.initial_archs.push_back(Architecture::from_json(a));
  }
  o.seed = f.opt_uint64("seed");
  read_string("dataset", o.dataset);
  read_string("data_dir", o.data_dir);
  read_string("eval_split", o.eval_split);
  read_int64("train_subset", o.train_subset);
  read_int64("eval_subset", o.eval_subset);
  read_int("batch_size", o.batch_size);
  read_number("lr", o.lr);
  read_int("latency_batch", o.latency_batch);
  read_number("latency_exponent", o.latency_exponent);
  o.target_latency_ms = f.opt_number("target_latency_ms");  // absent in older files: none
  read_string("reward", o.reward);
  read_number("beta", o.beta);
  read_int("bn_recalibrate", o.bn_recalibrate);  // absent in older files: 0, as they ran
  read_int("threads", o.threads);
  read_string("device", o.device);
  if (f.has("deterministic")) o.deterministic = f.boolean("deterministic");
  if (f.has("tf32")) o.tf32 = f.boolean("tf32");
  return o;
}

}  // namespace nas
