#include "nas/torch/retrain.hpp"

#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "nas/core/common/error.hpp"
#include "nas/core/experiment/architecture_source.hpp"
#include "nas/core/experiment/experiment_store.hpp"
#include "nas/core/search/nni27_labels.hpp"
#include "nas/torch/adam.hpp"
#include "nas/torch/device.hpp"
#include "nas/torch/model.hpp"

namespace fs = std::filesystem;

namespace nas {

RetrainSource resolve_retrain_source(const std::string& path, const MobileNetV3Space& space) {
  ArchitectureSource a = read_architecture_source(path, space);
  RetrainSource s;
  s.path = path;
  s.arch = std::move(a.arch);
  s.nni27 = a.nni27;
  s.experiment = std::move(a.experiment);
  if (a.trial) s.trial = a.trial->id;
  // Beside what it retrains: in the trial folder, or beside the architecture file.
  s.default_out_dir = fs::is_directory(path) ? path : fs::absolute(a.file).parent_path().string();
  return s;
}

namespace {

constexpr const char* kCheckpoint = "checkpoint.pt";

/// Serialises into memory, then writes a temporary file and renames it, so a reader (or a
/// resume) never meets half a file. LibTorch's own file writer throws from a destructor when the
/// disk fills, which ends the process; a plain stream write reports it instead. A failure is a
/// RuntimeFailure naming the file, and leaves no temporary file behind.
template <typename Serialize>
void save_atomically(const fs::path& path, Serialize serialize) {
  const fs::path tmp = path.string() + ".tmp";
  std::ostringstream buffer(std::ios::binary);
  try {
    serialize(buffer);
  } catch (const c10::Error& e) {
    throw RuntimeFailure(path.string() + ": cannot serialise: " + e.what_without_backtrace());
  }
  const std::string bytes = buffer.str();
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  std::error_code ec;
  if (!out) {
    fs::remove(tmp, ec);
    throw RuntimeFailure(path.string() + ": cannot write (disk full?)");
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw RuntimeFailure(path.string() + ": cannot write: " + ec.message());
  }
}

void save_checkpoint(const fs::path& path, MobileNetV3& model, const Adam& optimizer,
                     int epochs_done) {
  save_atomically(path, [&](std::ostream& out) {
    torch::serialize::OutputArchive archive;
    torch::serialize::OutputArchive weights;
    model->save(weights);
    archive.write("model", weights);
    const AdamState s = optimizer.state();
    archive.write("epochs_done", torch::tensor(static_cast<std::int64_t>(epochs_done)));
    archive.write("adam_step", torch::tensor(s.step));
    for (std::size_t i = 0; i < s.exp_avg.size(); ++i) {
      archive.write("adam_m_" + std::to_string(i), s.exp_avg[i].to(torch::kCPU));
      archive.write("adam_v_" + std::to_string(i), s.exp_avg_sq[i].to(torch::kCPU));
    }
    archive.save_to(out);
  });
}

/// Loads the checkpoint's weights into `model`; returns its epoch count and optimizer state.
std::pair<int, AdamState> load_checkpoint(const fs::path& path, MobileNetV3& model,
                                          std::size_t parameters) {
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path.string());
    torch::serialize::InputArchive weights;
    archive.read("model", weights);
    model->load(weights);
    torch::Tensor t;
    archive.read("epochs_done", t);
    const int epochs_done = static_cast<int>(t.item<std::int64_t>());
    AdamState s;
    archive.read("adam_step", t);
    s.step = t.item<std::int64_t>();
    for (std::size_t i = 0; i < parameters; ++i) {
      torch::Tensor m, v;
      archive.read("adam_m_" + std::to_string(i), m);
      archive.read("adam_v_" + std::to_string(i), v);
      s.exp_avg.push_back(m);
      s.exp_avg_sq.push_back(v);
    }
    return {epochs_done, s};
  } catch (const c10::Error& e) {
    throw InputError(path.string() + ": unreadable checkpoint: " + e.what_without_backtrace());
  }
}

/// The weights as a dict of named tensors under NNI 2.7's names, which Python's torch.load reads
/// and the original's network loads.
void save_state_dict(const fs::path& path, MobileNetV3& model) {
  save_atomically(path, [&](std::ostream& out) {
    const std::vector<char> bytes = nni27_state_dict_file(model);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  });
}

}  // namespace

std::string new_retrain_dir(const std::string& dir) {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[20];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  const fs::path base = fs::path(dir) / "retrain";
  for (int n = 1;; ++n) {
    const fs::path candidate =
        base / (n == 1 ? std::string(stamp) : std::string(stamp) + "-" + std::to_string(n));
    if (!fs::exists(candidate)) return candidate.string();
  }
}

RetrainSettings settings_of(const RetrainRecord& r) {
  RetrainSettings s;
  s.source.path = r.source;
  s.source.arch = r.arch;
  s.source.trial = r.trial;
  s.data.name = r.dataset.name;
  s.data.dir = r.dataset.dir.value_or("");
  s.data.eval_split = r.dataset.split;
  s.data.train_subset = r.train_subset;
  s.data.eval_subset = r.eval_subset;
  s.data.seed = r.seed;
  s.train.epochs = r.epochs_planned;
  s.train.batch_size = r.batch_size;
  s.train.lr = r.lr;
  s.train.seed = r.seed;
  s.train.latency_batch = r.latency_batch;
  s.train.reward = {r.reward, r.target_latency_ms, r.latency_exponent, r.beta};
  s.train.bn_recalibrate = r.bn_recalibrate;
  s.train.threads = r.threads;
  return s;
}

RetrainRecord retrain(const RetrainSource& source, const DataOptions& data_options,
                      const TrainerOptions& options, const torch::Device& device,
                      const ComputeEnvironment& environment, const RetrainRun& run,
                      const RetrainProgress& progress, const std::atomic<bool>* cancel) {
  MobileNetV3Space space;
  DataBundle data = load_data(data_options);
  const auto t0 = std::chrono::steady_clock::now();
  const std::string& out_dir = run.out_dir;
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (!fs::is_directory(out_dir))
    throw RuntimeFailure(out_dir + ": cannot create output directory");

  RetrainRecord r;
  r.source = source.path;
  if (source.experiment) r.experiment = source.experiment->id;
  r.trial = source.trial;
  r.arch = source.arch;
  r.arch_key = space.canonical_key(source.arch);
  const NetworkPlan plan = plan_network(source.arch, data.shape, data.classes, space);
  r.params = count_params(plan);
  r.macs = count_macs(plan);
  r.dataset = data.info;
  r.device = device_name(device);
  r.environment = environment;
  r.epochs_planned = options.epochs;
  r.batch_size = options.batch_size;
  r.lr = options.lr;
  r.seed = options.seed;
  r.latency_batch = options.latency_batch;
  r.latency_exponent = options.reward.latency_exponent;
  r.target_latency_ms = options.reward.target_latency_ms;
  r.reward = options.reward.kind;
  r.beta = options.reward.beta;
  r.bn_recalibrate = options.bn_recalibrate;
  r.threads = options.threads;
  r.train_subset = data_options.train_subset;
  r.eval_subset = data_options.eval_subset;
  r.initial_weights =
      run.initial_weights.empty() ? std::nullopt : std::optional<std::string>(run.initial_weights);
  r.started = now_iso8601();
  double earlier_seconds = 0;
  if (run.resume) {
    // The same record, continued: its identity, start time and epochs so far.
    r.experiment = run.resume->experiment;
    r.trial = run.resume->trial;
    r.started = run.resume->started;
    r.initial_weights = run.resume->initial_weights;
    r.epochs = run.resume->epochs;
    earlier_seconds = std::isfinite(run.resume->seconds) ? run.resume->seconds : 0.0;
  }
  r.status = TrialStatus::kRunning;
  const std::string json_path = (fs::path(out_dir) / "retrain.json").string();
  auto elapsed = [&] {
    return earlier_seconds +
           std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };

  MobileNetV3 model = build_model(source.arch, data.shape, data.classes, options.seed, space);
  TrainerOptions train = options;
  std::optional<AdamState> resumed_optimizer;
  if (run.resume) {
    auto [epochs_done, state] =
        load_checkpoint(fs::path(out_dir) / kCheckpoint, model, model->parameters().size());
    // A crash between an epoch's record and its checkpoint: redo that epoch.
    if (static_cast<int>(r.epochs.size()) > epochs_done) r.epochs.resize(epochs_done);
    train.start_epoch = epochs_done;
    resumed_optimizer = std::move(state);
  } else if (!run.initial_weights.empty()) {
    try {
      torch::load(model, run.initial_weights);
    } catch (const c10::Error& e) {
      throw InputError(run.initial_weights + ": cannot load weights for this architecture: " +
                       e.what_without_backtrace());
    }
  }
  write_json_atomic(json_path, to_json(r));

  TrainHooks hooks;
  hooks.cancel = cancel;
  hooks.on_batch = progress.on_batch;
  hooks.on_loss = progress.on_loss;
  hooks.on_optimizer = [&](Adam& adam) {
    if (resumed_optimizer) adam.load_state(*resumed_optimizer);
  };
  hooks.on_epoch = [&](const EpochRecord& e) {
    r.epochs.push_back(e);
    r.seconds = elapsed();
    write_json_atomic(json_path, to_json(r));
    if (progress.on_epoch) progress.on_epoch(e, options.epochs);
    return EpochAction::kContinue;
  };
  hooks.on_checkpoint = [&](int epochs_done, MobileNetV3& m, const Adam& adam) {
    save_checkpoint(fs::path(out_dir) / kCheckpoint, m, adam, epochs_done);
  };
  TrainOutcome outcome;
  if (train.epochs == 0) {
    // Evaluation of the given weights only.
    try {
      model->to(device);
      if (train.channels_last) model->use_channels_last();
      const EpochRecord e = evaluate_model(model, data, device, train);
      r.accuracy = e.accuracy;
      r.latency_ms = e.latency_ms;
      r.metric = e.metric;
    } catch (const c10::Error& e) {
      outcome.error = e.what_without_backtrace();
    }
  } else {
    outcome = train_and_evaluate(model, data, device, train, hooks);
  }
  if (!r.epochs.empty()) {
    r.accuracy = r.epochs.back().accuracy;
    r.latency_ms = r.epochs.back().latency_ms;
    r.metric = r.epochs.back().metric;
  }
  r.error = outcome.error;
  r.status = outcome.error         ? TrialStatus::kFailed
             : outcome.interrupted ? TrialStatus::kInterrupted
                                   : TrialStatus::kCompleted;
  if (r.status == TrialStatus::kCompleted && train.epochs > 0) {
    try {
      model->to(torch::kCPU);
      save_atomically(fs::path(out_dir) / "model.pt",
                      [&](std::ostream& out) { torch::save(model, out); });
      save_state_dict(fs::path(out_dir) / "model_state_dict.pt", model);
      // What Python's `with fixed_arch("fixed_arch.json"):` needs to build the network that
      // state dict fits. NNI 2.7 ties some choices (nni27_labels.hpp); an architecture whose tied
      // choices differ has no such form.
      if (const auto arch54 = to_nni27(r.arch, space)) {
        write_json_atomic((fs::path(out_dir) / "fixed_arch.json").string(), arch54->to_json());
      }
    } catch (const RuntimeFailure& e) {
      // The weights are lost; the record must not claim a finished retrain.
      r.status = TrialStatus::kFailed;
      r.error = e.what();
      r.seconds = elapsed();
      r.ended = now_iso8601();
      try {
        write_json_atomic(json_path, to_json(r));
      } catch (const std::exception&) {
      }
      throw;
    }
  }
  r.seconds = elapsed();
  r.ended = now_iso8601();
  write_json_atomic(json_path, to_json(r));
  return r;
}

}  // namespace nas
