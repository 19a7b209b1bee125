#include "nas/retrain.hpp"

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "nas/device.hpp"
#include "nas/error.hpp"
#include "nas/experiment_store.hpp"
#include "nas/model.hpp"

namespace fs = std::filesystem;

namespace nas {

RetrainSource resolve_retrain_source(const std::string& path, const SearchSpace& space) {
  RetrainSource s;
  s.path = path;
  if (!fs::exists(path)) throw InputError(path + ": no such trial directory or architecture file");
  if (fs::is_directory(path)) {
    const fs::path dir(path);
    s.default_out_dir = dir.string();
    if (fs::exists(dir / "trial.json")) {
      const std::string trial_path = (dir / "trial.json").string();
      TrialRecord t;
      try {
        t = trial_record_from_json(read_json_file(trial_path));
        space.validate(t.arch);
      } catch (const InputError& e) {
        throw InputError(trial_path + ": " + e.what());
      }
      s.arch = t.arch;
      s.trial = t.id;
      const fs::path exp =
          fs::absolute(dir).lexically_normal().parent_path().parent_path() / "experiment.json";
      if (fs::exists(exp)) s.experiment = experiment_record_from_json(read_json_file(exp.string()));
      return s;
    }
    if (fs::exists(dir / "parameter.cfg")) {
      const LoadedArchitecture loaded = load_architecture((dir / "parameter.cfg").string(), space);
      s.arch = loaded.arch;
      s.nni27 = loaded.nni27;
      return s;
    }
    throw InputError(path + ": neither trial.json nor parameter.cfg in this directory");
  }
  const LoadedArchitecture loaded = load_architecture(path, space);
  s.arch = loaded.arch;
  s.nni27 = loaded.nni27;
  s.default_out_dir = fs::absolute(path).parent_path().string();
  return s;
}

RetrainRecord retrain(const RetrainSource& source, const DataOptions& data_options,
                      const TrainerOptions& options, const torch::Device& device,
                      const ComputeEnvironment& environment, const std::string& out_dir,
                      const RetrainProgress& progress, const std::atomic<bool>* cancel) {
  SearchSpace space;
  DataBundle data = load_data(data_options);
  const auto t0 = std::chrono::steady_clock::now();
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
  r.latency_exponent = options.latency_exponent;
  r.threads = options.threads;
  r.train_subset = data_options.train_subset;
  r.eval_subset = data_options.eval_subset;
  r.started = now_iso8601();
  const std::string json_path = (fs::path(out_dir) / "retrain.json").string();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  write_json_atomic(json_path, to_json(r));

  MobileNetV3 model = build_model(source.arch, data.shape, data.classes, options.seed, space);
  TrainHooks hooks;
  hooks.cancel = cancel;
  hooks.on_batch = progress.on_batch;
  hooks.on_loss = progress.on_loss;
  hooks.on_epoch = [&](const EpochRecord& e) {
    r.epochs.push_back(e);
    r.seconds = elapsed();
    write_json_atomic(json_path, to_json(r));
    if (progress.on_epoch) progress.on_epoch(e, options.epochs);
    return EpochAction::kContinue;
  };
  const TrainOutcome outcome = train_and_evaluate(model, data, device, options, hooks);
  if (!r.epochs.empty()) {
    r.accuracy = r.epochs.back().accuracy;
    r.latency_ms = r.epochs.back().latency_ms;
    r.metric = r.epochs.back().metric;
  }
  r.error = outcome.error;
  r.status = outcome.error         ? TrialStatus::kFailed
             : outcome.interrupted ? TrialStatus::kInterrupted
                                   : TrialStatus::kCompleted;
  if (r.status == TrialStatus::kCompleted) {
    const std::string weights = (fs::path(out_dir) / "model.pt").string();
    try {
      model->to(torch::kCPU);
      torch::save(model, weights);
    } catch (const c10::Error& e) {
      throw RuntimeFailure(weights + ": cannot save weights: " + e.what_without_backtrace());
    }
  }
  r.seconds = elapsed();
  r.ended = now_iso8601();
  write_json_atomic(json_path, to_json(r));
  return r;
}

}  // namespace nas
