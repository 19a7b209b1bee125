// nas-test-model: retrain one architecture for --epochs with full statistics.
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/cli.hpp"
#include "cli/cli_export.hpp"
#include "nas/console/interrupt.hpp"
#include "nas/core/common/error.hpp"
#include "nas/core/common/text_table.hpp"
#include "nas/core/experiment/experiment_store.hpp"
#include "nas/core/report/report.hpp"
#include "nas/core/search/nni27_labels.hpp"
#include "nas/core/search/search_options.hpp"
#include "nas/torch/compute_settings.hpp"
#include "nas/torch/device.hpp"
#include "nas/torch/gpu_runtime.hpp"
#include "nas/torch/retrain.hpp"

namespace fs = std::filesystem;

namespace nas {
namespace {

struct TestModelOptions {
  std::string source;
  std::string out_dir;
  std::string resume;
  std::string weights;
  int epochs = 50;
  bool no_export = false;
  RunFlags run;
  const CLI::App* app = nullptr;
  std::string argv0 = "nas-test-model";  // how this program was started (companion_command)
};

/// nas-test-model's training line on a terminal: loss, speed, and both ETAs.
class TrainingLine {
 public:
  TrainingLine(ProgressBlock& block, int epochs, int batch_size)
      : block_(block), epochs_(epochs), batch_size_(batch_size) {}
  void batch(int epoch, std::int64_t i, std::int64_t batches) {
    const auto now = Clock::now();
    if (epoch != epoch_) {
      epoch_ = epoch;
      epoch_start_ = now;
      loss_.reset();
    }
    TrainingProgressView v;
    v.epoch = epoch + 1;
    v.epochs = epochs_;
    v.batch = static_cast<long>(i);
    v.batches = static_cast<long>(batches);
    v.loss = loss_;
    const double in_epoch = std::chrono::duration<double>(now - epoch_start_).count();
    if (i > 1 && in_epoch > 0) {
      const double per_batch = in_epoch / static_cast<double>(i);
      v.images_per_s = batch_size_ / per_batch;
      v.epoch_eta_seconds = per_batch * static_cast<double>(batches - i);
      // Later epochs take about as long as this one will (evaluation left out).
      v.run_eta_seconds =
          *v.epoch_eta_seconds + per_batch * static_cast<double>(batches) * (epochs_ - epoch - 1);
    }
    // Redraw a few times a second at most.
    if (now - last_draw_ < std::chrono::milliseconds(100) && i != batches) return;
    last_draw_ = now;
    block_.draw({render_training_progress(v, terminal_width(2))});
  }
  void loss(double mean) { loss_ = mean; }

 private:
  using Clock = std::chrono::steady_clock;
  ProgressBlock& block_;
  int epochs_;
  int batch_size_;
  int epoch_ = -1;
  Clock::time_point epoch_start_;
  Clock::time_point last_draw_;
  std::optional<double> loss_;
};

/// model.onnx beside the trained weights, so the network can be deployed without another step.
/// The retrain itself succeeded: a failed export is a warning, never a lost retrain.
void export_retrain(const RetrainRecord& r, const std::string& out_dir) {
  if (!onnx_export_built()) {
    std::printf("no model.onnx: this nas was built without ONNX export (libonnx-dev)\n");
    return;
  }
  NetworkExport e;
  e.arch = r.arch;
  e.input = InputShape{r.dataset.shape[0], r.dataset.shape[1], r.dataset.shape[2]};
  e.classes = r.dataset.classes;
  e.dataset = r.dataset.name;
  e.weights_file = (fs::path(out_dir) / "model.pt").string();
  e.experiment = r.experiment;
  e.trial = r.trial;
  e.out = (fs::path(out_dir) / "model.onnx").string();
  try {
    const ExportedFiles f = export_network(e);
    std::printf("wrote %s and %s (ONNX, opset %d, dynamic batch)\n", f.model.c_str(),
                fs::path(f.sample).filename().c_str(), f.opset);
  } catch (const std::exception& x) {
    spdlog::warn("model.onnx not written: {}; try nas export {}", x.what(), out_dir);
  }
}

void run_test_model(const TestModelOptions& o) {
  setup_logging(o.run.log_level);
  const auto& cancel = install_interrupt_handlers();
  MobileNetV3Space space;
  const CLI::App& app = *o.app;
  auto given = [&](const char* flag) { return flag_given(app, flag); };

  RetrainSource source;
  DataOptions data;
  TrainerOptions train;
  std::string device_spec;
  bool no_gpu = false;
  ComputeSettings compute;
  RetrainRun run;
  if (!o.resume.empty()) {
    // Everything comes from the interrupted retrain; where it runs may change.
    if (!o.source.empty()) throw UsageError("--resume takes the retrain folder alone");
    const std::string json = (fs::path(o.resume) / "retrain.json").string();
    if (!fs::is_regular_file(json))
      throw InputError(o.resume + ": not a retrain folder (no retrain.json)");
    RetrainRecord record;
    try {
      record = retrain_record_from_json(read_json_file(json));
    } catch (const InputError& e) {
      const std::string what = e.what();
      throw InputError(what.rfind(json, 0) == 0 ? what : json + ": " + what);
    }
    if (record.status == TrialStatus::kCompleted)
      throw UsageError(o.resume + ": this retrain is complete; nothing to resume");
    if (!fs::exists(fs::path(o.resume) / "checkpoint.pt"))
      throw InputError(o.resume + ": no checkpoint.pt (it stopped before its first epoch ended)");
    RetrainSettings settings = settings_of(record);
    source = settings.source;
    data = settings.data;
    train = settings.train;
    if (record.environment) {
      compute.deterministic = record.environment->deterministic;
      compute.tf32 = record.environment->tf32;
    }
    device_spec = record.device;
    run.resume = record;
    run.out_dir = o.resume;
  } else {
    if (o.source.empty()) throw UsageError("name a trial directory or architecture file");
    source = resolve_retrain_source(o.source, space);
    // A trial of `nas search` brings its experiment's settings; flags given here override them.
    data.seed = random_seed();
    if (source.experiment) {
      const SearchOptions& e = source.experiment->options;
      data.name = e.dataset;
      data.dir = e.data_dir;
      train.batch_size = e.batch_size;
      train.lr = e.lr;
      train.latency_batch = e.latency_batch;
      train.reward = reward_options(e);  // the trial's score and its retrain's are one reward
      train.bn_recalibrate = e.bn_recalibrate;
      data.seed = source.experiment->seed;
      device_spec = e.device;
      compute = compute_settings_for(e);
    }
    if (given("--dataset")) data.name = o.run.dataset;
    if (given("--data-dir")) data.dir = o.run.data_dir;
    if (given("--batch-size")) train.batch_size = o.run.batch_size;
    if (given("--lr")) train.lr = o.run.lr;
    if (given("--latency-batch")) train.latency_batch = o.run.latency_batch;
    if (given("--latency-exponent")) train.reward.latency_exponent = o.run.latency_exponent;
    if (given("--bn-recalibrate")) train.bn_recalibrate = o.run.bn_recalibrate;
    if (given("--seed")) data.seed = o.run.seed;
    if (given("--deterministic")) compute.deterministic = o.run.deterministic;
    if (given("--tf32")) compute.tf32 = o.run.tf32;
    data.eval_split = "test";
    data.train_subset = o.run.train_subset;
    data.eval_subset = o.run.eval_subset;
    train.epochs = o.epochs;
    train.seed = data.seed;
    train.threads = o.run.threads;
    if (o.epochs == 0 && o.weights.empty())
      throw UsageError("--epochs 0 evaluates saved weights: give them with --weights model.pt");
    if (!o.weights.empty() && !fs::is_regular_file(o.weights))
      throw InputError(o.weights + ": no such weights file");
    run.initial_weights = o.weights;
    // Every retrain gets a folder of its own: none ever replaces another.
    run.out_dir = o.out_dir.empty() ? new_retrain_dir(source.default_out_dir) : o.out_dir;
    if (fs::exists(fs::path(run.out_dir) / "retrain.json")) {
      throw UsageError(run.out_dir +
                       " already holds a retrain; choose another --out, or continue "
                       "it with --resume " +
                       run.out_dir);
    }
  }
  if (given("--device")) device_spec = o.run.device;
  if (given("--no-gpu")) no_gpu = o.run.no_gpu;
  if (no_gpu && given("--device") && o.run.device != "cpu") {
    throw UsageError("--no-gpu and --device " + o.run.device +
                     " contradict each other: give one of them");
  }
  if (given("--threads")) train.threads = o.run.threads;
  // Before anything is written: a bad number must not leave a "running" retrain behind.
  validate_recipe(train.lr, train.reward.latency_exponent, train.batch_size, train.latency_batch,
                  train.threads);
  validate_train_subset(data.train_subset, train.batch_size);
  const torch::Device device = resolve_devices(device_spec, no_gpu).front();
  apply_compute_settings(compute);
  ComputeEnvironment environment = describe_environment({device});
  environment.deterministic = compute.deterministic;
  environment.tf32 = compute.tf32;
  const std::string& out_dir = run.out_dir;

  if (source.nni27) std::printf("%s: %s\n", o.source.c_str(), kNni27ExpandedNote);
  if (run.resume) {
    std::printf("resuming %s after epoch %zu of %d\n", out_dir.c_str(), run.resume->epochs.size(),
                train.epochs);
  }
  std::printf("writing to %s\n", out_dir.c_str());
  std::fflush(stdout);
  if (train.epochs == 0) {
    spdlog::info("evaluating {} with the weights {} on {} ({})", source.path, o.weights, data.name,
                 device_name(device));
  } else {
    spdlog::info("retraining {} for {} on {} ({}), seed {}", source.path,
                 counted(train.epochs, "epoch"), data.name, device_name(device), data.seed);
  }
  if (!run.resume && source.experiment && data.name != source.experiment->options.dataset) {
    // Legitimate (a transfer check), but its accuracy is not the trial's on the search's data.
    spdlog::warn(
        "retraining on {}, not on the experiment's data ({}): nas-report lists this retrain "
        "apart and does not take it as the trial's accuracy",
        data.name, source.experiment->options.dataset);
  }
  ProgressBlock block(stderr, is_terminal(2));
  const ConsoleThroughBlock console(block);
  TrainingLine line(block, train.epochs, train.batch_size);
  RetrainProgress progress;
  if (block.enabled()) {
    progress.on_batch = [&line](int epoch, std::int64_t i, std::int64_t batches) {
      line.batch(epoch, i, batches);
    };
    progress.on_loss = [&line](int, double mean) { line.loss(mean); };
  }
  progress.on_epoch = [&block](const EpochRecord& e, int epochs) {
    char text[160];
    std::snprintf(text, sizeof text,
                  "epoch %3d/%d  loss %.4f  accuracy %6.2f%%  latency %.4f ms  %s\n", e.epoch,
                  epochs, e.train_loss, e.accuracy, e.latency_ms,
                  format_duration(e.seconds).c_str());
    block.print_above(text, stdout);
  };
  const RetrainRecord r = retrain(source, data, train, device, environment, run, progress, &cancel);
  block.clear();
  if (r.status == TrialStatus::kInterrupted) {
    throw Interrupted("interrupted after epoch " + std::to_string(r.epochs.size()) +
                      "; continue with " + companion_command(o.argv0, "nas-test-model") +
                      " --resume " + out_dir);
  }
  if (r.status == TrialStatus::kFailed)
    throw RuntimeFailure("training failed: " + r.error.value_or("unknown error"));
  std::printf("final accuracy %.2f%%, latency %.4f ms/image, %s params, %s MACs, %s\n",
              r.accuracy.value_or(0), r.latency_ms.value_or(0), human_count(r.params).c_str(),
              human_count(r.macs).c_str(), format_duration(r.seconds).c_str());
  if (train.epochs == 0) {
    std::printf("evaluated %s; wrote %s/retrain.json\n", o.weights.c_str(), out_dir.c_str());
  } else if (fs::exists(fs::path(out_dir) / "fixed_arch.json")) {
    std::printf("wrote %s/retrain.json, model.pt, model_state_dict.pt and fixed_arch.json\n",
                out_dir.c_str());
  } else {
    std::printf(
        "wrote %s/retrain.json, model.pt and model_state_dict.pt\n"
        "no fixed_arch.json: choices NNI 2.7 ties differ in this architecture, so NNI's "
        "MobileNetV3Space cannot build it and the README's Python snippet does not apply\n",
        out_dir.c_str());
  }
  if (train.epochs > 0 && !o.no_export) export_retrain(r, out_dir);
}

}  // namespace

void setup_test_model(CLI::App& app, const std::string& argv0) {
  auto o = std::make_shared<TestModelOptions>();
  o->app = &app;
  o->argv0 = argv0;
  app.add_option("source", o->source,
                 "trial directory (nas search or NNI), arch.json or parameter.cfg")
      ->type_name("PATH");
  app.add_option("--epochs", o->epochs, "training epochs (0: evaluate --weights only)")
      ->capture_default_str()
      ->check(non_negative());
  app.add_option("--out", o->out_dir,
                 "write the retrain here (default: <trial>/retrain/<date-time>/, a new folder "
                 "each time)")
      ->type_name("DIR");
  app.add_option("--weights", o->weights,
                 "start from these weights (a model.pt of an earlier retrain); with --epochs 0 "
                 "only evaluate them")
      ->type_name("FILE");
  app.add_option("--resume", o->resume,
                 "continue an interrupted retrain from its last completed epoch (its folder)")
      ->type_name("DIR");
  app.add_flag("--no-export", o->no_export,
               "do not write model.onnx (and model.sample.json) when the retrain ends");
  add_run_flags(app, o->run);
  app.callback([o] { run_test_model(*o); });
}

}  // namespace nas
