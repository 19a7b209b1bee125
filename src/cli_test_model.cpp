// nas-test-model: retrain one architecture for --epochs with full statistics.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <iostream>
#include <memory>

#include "nas/cli.hpp"
#include "nas/compute_settings.hpp"
#include "nas/device.hpp"
#include "nas/error.hpp"
#include "nas/gpu_runtime.hpp"
#include "nas/interrupt.hpp"
#include "nas/nni27_labels.hpp"
#include "nas/retrain.hpp"

namespace nas {
namespace {

struct TestModelOptions {
  std::string source;
  std::string out_dir;
  int epochs = 50;
  RunFlags run;
  const CLI::App* app = nullptr;
};

void print_bar(int epoch, std::int64_t batch, std::int64_t batches) {
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(kWidth * batch / std::max<std::int64_t>(1, batches));
  std::fprintf(stderr, "\repoch %d [%.*s%*s] %lld/%lld", epoch + 1, filled,
               "==============================", kWidth - filled, "", static_cast<long long>(batch),
               static_cast<long long>(batches));
  std::fflush(stderr);
}

void run_test_model(const TestModelOptions& o) {
  setup_logging(o.run.log_level);
  const auto& cancel = install_interrupt_handlers();
  SearchSpace space;
  const RetrainSource source = resolve_retrain_source(o.source, space);
  const CLI::App& app = *o.app;
  auto given = [&](const char* flag) { return flag_given(app, flag); };

  // A trial of `nas search` brings its experiment's settings; flags given here override them.
  DataOptions data;
  TrainerOptions train;
  std::uint64_t seed = random_seed();
  std::string device_spec;
  bool no_gpu = false;
  ComputeSettings compute;
  if (source.experiment) {
    const SearchOptions& e = source.experiment->options;
    data.name = e.dataset;
    data.dir = e.data_dir;
    train.batch_size = e.batch_size;
    train.lr = e.lr;
    train.latency_batch = e.latency_batch;
    train.latency_exponent = e.latency_exponent;
    seed = source.experiment->seed;
    device_spec = e.device;
    compute = compute_settings_for(e);
  }
  if (given("--dataset")) data.name = o.run.dataset;
  if (given("--data-dir")) data.dir = o.run.data_dir;
  if (given("--batch-size")) train.batch_size = o.run.batch_size;
  if (given("--lr")) train.lr = o.run.lr;
  if (given("--latency-batch")) train.latency_batch = o.run.latency_batch;
  if (given("--latency-exponent")) train.latency_exponent = o.run.latency_exponent;
  if (given("--seed")) seed = o.run.seed;
  if (given("--device")) device_spec = o.run.device;
  if (given("--no-gpu")) no_gpu = o.run.no_gpu;
  if (given("--deterministic")) compute.deterministic = o.run.deterministic;
  if (given("--tf32")) compute.tf32 = o.run.tf32;
  data.eval_split = "test";
  data.train_subset = o.run.train_subset;
  data.eval_subset = o.run.eval_subset;
  data.seed = seed;
  train.epochs = o.epochs;
  train.seed = seed;
  train.threads = o.run.threads;
  const torch::Device device = resolve_devices(device_spec, no_gpu).front();
  apply_compute_settings(compute);
  ComputeEnvironment environment = describe_environment({device});
  environment.deterministic = compute.deterministic;
  environment.tf32 = compute.tf32;
  const std::string out_dir = o.out_dir.empty() ? source.default_out_dir : o.out_dir;

  if (source.nni27) std::printf("%s: %s\n", o.source.c_str(), kNni27ExpandedNote);
  spdlog::info("retraining {} for {} epochs on {} ({}), seed {}", o.source, o.epochs, data.name,
               device_name(device), seed);
  const bool bar = is_terminal(2);
  RetrainProgress progress;
  if (bar) progress.on_batch = print_bar;
  progress.on_epoch = [bar](const EpochRecord& e, int epochs) {
    if (bar) std::fprintf(stderr, "\r\033[K");
    std::printf("epoch %3d/%d  loss %.4f  accuracy %6.2f %%  latency %.4f ms  %.1f s\n", e.epoch,
                epochs, e.train_loss, e.accuracy, e.latency_ms, e.seconds);
    std::fflush(stdout);
  };
  const RetrainRecord r =
      retrain(source, data, train, device, environment, out_dir, progress, &cancel);
  if (r.status == TrialStatus::kInterrupted)
    throw Interrupted("interrupted; partial results in " + out_dir + "/retrain.json");
  if (r.status == TrialStatus::kFailed)
    throw RuntimeFailure("training failed: " + r.error.value_or("unknown error"));
  std::printf("final accuracy %.2f %%, latency %.4f ms/image, params %lld, MACs %lld, %.1f s\n",
              r.accuracy.value_or(0), r.latency_ms.value_or(0), static_cast<long long>(r.params),
              static_cast<long long>(r.macs), r.seconds);
  std::printf("wrote %s/retrain.json and %s/model.pt\n", out_dir.c_str(), out_dir.c_str());
}

}  // namespace

void setup_test_model(CLI::App& app) {
  auto o = std::make_shared<TestModelOptions>();
  o->app = &app;
  app.add_option("source", o->source,
                 "trial directory (nas search or NNI), arch.json or parameter.cfg")
      ->required();
  app.add_option("--epochs", o->epochs, "training epochs")
      ->capture_default_str()
      ->check(positive());
  app.add_option("--out", o->out_dir,
                 "write retrain.json and model.pt here (default: the trial directory)");
  add_run_flags(app, o->run);
  app.callback([o] { run_test_model(*o); });
}

}  // namespace nas
