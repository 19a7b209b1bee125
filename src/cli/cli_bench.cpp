// `nas bench`: training/evaluation throughput and latency of one architecture.
#include <spdlog/spdlog.h>

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/cli.hpp"
#include "nas/core/common/error.hpp"
#include "nas/core/common/text_table.hpp"
#include "nas/core/experiment/architecture_source.hpp"
#include "nas/core/search/executor.hpp"
#include "nas/core/search/search_options.hpp"
#include "nas/torch/bench.hpp"
#include "nas/torch/compute_settings.hpp"
#include "nas/torch/device.hpp"

namespace nas {
namespace {

struct BenchCliOptions {
  std::string arch_file;
  std::string arch_flag;  // --arch, the older spelling of the positional
  int batches = 20;
  int batch_size = 64;
  int latency_batch = 64;
  int background = 0;
  int threads = 1;
  bool nchw = false;
  std::vector<std::string> without;  // levers turned off, to measure them
  std::string profile;
  bool json = false;
  bool deterministic = false;
  bool tf32 = false;
  std::string device = "cpu";
  ShapeFlags shape;
  std::string log_level = "warn";
  // Set from the command line: flags given override what a trial brings.
  bool threads_given = false, batch_size_given = false, latency_batch_given = false,
       shape_given = false;
};

/// The CPU threads a trial trained with: recorded since trial.json has `threads`; for older
/// trials, the share its search gave each slot (as ThreadExecutor splits them).
int trial_threads(const TrialRecord& t, const std::optional<ExperimentRecord>& e) {
  if (t.threads) return *t.threads;
  if (!e) return 1;
  return slot_threads(t.device, e->options.threads, e->options.concurrent_trials);
}

void run_bench_command(const BenchCliOptions& o) {
  setup_logging(o.log_level);
  if (!o.arch_file.empty() && !o.arch_flag.empty())
    throw UsageError("give the architecture once: as the argument or as --arch, not both");
  const std::string& file = o.arch_file.empty() ? o.arch_flag : o.arch_file;
  if (file.empty()) throw UsageError("an architecture file is required: nas bench <file>");
  MobileNetV3Space space;
  const ArchitectureSource source = read_architecture_source(file, space);
  const Architecture& arch = source.arch;
  BenchOptions b;
  std::tie(b.input, b.classes) = resolve_shape(o.shape);
  b.batches = o.batches;
  b.batch_size = o.batch_size;
  b.latency_batch = o.latency_batch;
  b.background = o.background;
  b.threads = o.threads;
  // A trial is measured as its search measured it, unless told otherwise: its threads, its
  // experiment's batches and input. Otherwise its recorded latency and this one differ for
  // reasons that have nothing to do with the machine.
  std::string from_trial;
  if (source.trial || source.experiment) {
    std::vector<std::string> taken;
    const auto& e = source.experiment;
    if (source.trial && !o.threads_given) {
      b.threads = trial_threads(*source.trial, e);
      taken.push_back("threads");
    }
    if (e && !o.batch_size_given) {
      b.batch_size = e->options.batch_size;
      taken.push_back("batch");
    }
    if (e && !o.latency_batch_given) {
      b.latency_batch = e->options.latency_batch;
      taken.push_back("latency batch");
    }
    if (e && !o.shape_given && e->dataset.shape[0] > 0) {
      b.input = InputShape{e->dataset.shape[0], e->dataset.shape[1], e->dataset.shape[2]};
      b.classes = e->dataset.classes;
      taken.push_back("input");
    }
    for (std::size_t i = 0; i < taken.size(); ++i)
      from_trial += (i == 0 ? "" : i + 1 == taken.size() ? " and " : ", ") + taken[i];
    if (!from_trial.empty())
      from_trial += source.trial ? " of trial " + std::to_string(source.trial->id)
                                 : std::string(" of its experiment");
  }
  b.channels_last = !o.nchw;
  b.profile_path = o.profile;
  for (const auto& lever : o.without) {
    if (lever == "crop") {
      b.crop_kernels = false;
    } else if (lever == "adam") {
      b.one_pass_adam = false;
    } else if (lever == "stem-cl") {
      b.stem_channels_last = false;
    } else if (lever == "dw") {
      b.own_depthwise = false;
    } else {
      throw UsageError("--without takes crop, adam, stem-cl or dw, not '" + lever + "'");
    }
  }
  if (b.threads < 0 || b.threads > max_useful_threads())
    throw UsageError("--threads must be from 0 to " + std::to_string(max_useful_threads()) +
                     " on this machine, got " + std::to_string(b.threads));
  const auto devices = resolve_devices(o.device, false);
  ComputeSettings compute;
  compute.deterministic = o.deterministic;
  compute.tf32 = o.tf32;
  apply_compute_settings(compute);
  const BenchResult r = run_bench(arch, devices.front(), b);
  auto stats_json = [](const LatencyStats& l) {
    return nlohmann::json{
        {"median", l.median_ms}, {"min", l.min_ms}, {"max", l.max_ms}, {"samples", l.samples_ms}};
  };
  if (o.json) {
    nlohmann::json j{{"device", device_name(devices.front())},
                     {"threads", b.threads},
                     {"batch_size", b.batch_size},
                     {"latency_batch", b.latency_batch},
                     {"input", {b.input.channels, b.input.height, b.input.width}},
                     {"classes", b.classes},
                     {"from_trial", source.trial ? nlohmann::json(source.trial->id) : nullptr},
                     {"train_images_per_s", r.train_images_per_s},
                     {"eval_images_per_s", r.eval_images_per_s},
                     {"latency_ms", r.latency.median_ms},
                     {"latency", stats_json(r.latency)},
                     {"latency_loaded", nullptr},
                     {"background", o.background},
                     {"peak_memory_mib", nullptr}};
    if (r.latency_loaded) j["latency_loaded"] = stats_json(*r.latency_loaded);
    if (r.peak_memory_bytes) j["peak_memory_mib"] = *r.peak_memory_bytes / 1048576.0;
    std::cout << j.dump() << "\n";
  } else {
    const NetworkPlan plan = plan_network(arch, b.input, b.classes, space);
    auto spread = [](const LatencyStats& l) {
      return std::to_string(l.median_ms) + " (" + std::to_string(l.min_ms) + " to " +
             std::to_string(l.max_ms) + " over " + std::to_string(l.samples_ms.size()) + ")";
    };
    std::cout << "device            " << device_name(devices.front()) << " (threads " << b.threads
              << ")\n"
              << "input             " << b.input.channels << "x" << b.input.height << "x"
              << b.input.width << ", " << b.classes << " classes; batch " << b.batch_size << "\n";
    if (!from_trial.empty())
      std::cout << "as measured in    "
                << "the search: " << from_trial << "\n";
    std::cout << "MACs / params     " << human_count(count_macs(plan)) << " / "
              << human_count(count_params(plan)) << "\n"
              << "train images/s    " << r.train_images_per_s << "\n"
              << "eval images/s     " << r.eval_images_per_s << "\n"
              << "latency ms/image  " << spread(r.latency) << " (batch " << b.latency_batch
              << ")\n";
    if (r.latency_loaded) {
      std::cout << "  with " << o.background << " trainings  " << spread(*r.latency_loaded) << "\n";
    }
    if (r.peak_memory_bytes) {
      std::cout << "peak memory MiB   " << *r.peak_memory_bytes / 1048576.0 << " (training)\n";
    }
  }
}

}  // namespace

void setup_bench(CLI::App& app) {
  auto o = std::make_shared<BenchCliOptions>();
  auto* cmd = app.add_subcommand("bench", "measure training/evaluation throughput and latency");
  cmd->add_option("arch", o->arch_file,
                  "architecture file (JSON or parameter.cfg), or a trial (its folder or "
                  "trial.json: measured with the threads, batches and input its search used)")
      ->type_name("PATH");
  cmd->add_option("--arch", o->arch_flag, "the architecture file, as a flag")->type_name("FILE");
  cmd->add_option("--batches", o->batches, "timed batches")
      ->capture_default_str()
      ->check(positive());
  cmd->add_option("--batch-size", o->batch_size, "batch size")
      ->capture_default_str()
      ->check(positive());
  cmd->add_option("--latency-batch", o->latency_batch, "batch size for latency timing")
      ->capture_default_str()
      ->check(positive());
  cmd->add_option("--background", o->background,
                  "also time latency while N other trainings run on the device (as concurrent "
                  "trials do)")
      ->capture_default_str()
      ->check(non_negative());
  cmd->add_option("--threads", o->threads, "CPU threads (0 = LibTorch default)")
      ->capture_default_str()
      ->check(non_negative());
  cmd->add_option("--device", o->device, "cpu or cuda:N")->capture_default_str();
  cmd->add_flag("--nchw", o->nchw,
                "use contiguous NCHW tensors (the original's layout) instead of channels-last");
  cmd->add_option("--without", o->without,
                  "turn off one of nas's CPU levers to measure it: crop (depthwise kernels "
                  "cropped to the map), adam (one-pass Adam), stem-cl (channels-last after a "
                  "1-channel stem), dw (nas's depthwise kernels, for LibTorch's); repeatable")
      ->type_name("LEVER");
  cmd->add_option("--profile", o->profile,
                  "also write a Chrome trace (chrome://tracing) of three training steps, by "
                  "LibTorch's profiler, to FILE")
      ->type_name("FILE");
  cmd->add_flag("--json", o->json, "print the figures as JSON");
  add_compute_flags(*cmd, o->deterministic, o->tf32);
  add_shape_flags(*cmd, o->shape);
  add_log_level_flag(*cmd, o->log_level);
  cmd->callback([o, cmd] {
    o->threads_given = flag_given(*cmd, "--threads");
    o->batch_size_given = flag_given(*cmd, "--batch-size");
    o->latency_batch_given = flag_given(*cmd, "--latency-batch");
    o->shape_given = flag_given(*cmd, "--dataset") || flag_given(*cmd, "--input") ||
                     flag_given(*cmd, "--classes");
    run_bench_command(*o);
  });
}

}  // namespace nas
