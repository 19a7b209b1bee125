// `nas bench`: training/evaluation throughput and latency of one architecture.
#include <spdlog/spdlog.h>

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "nas/bench.hpp"
#include "nas/cli.hpp"
#include "nas/device.hpp"
#include "nas/error.hpp"

namespace nas {
namespace {

struct BenchCliOptions {
  std::string arch_file;
  int batches = 20;
  int batch_size = 64;
  int threads = 1;
  bool nchw = false;
  bool json = false;
  std::string device = "cpu";
  ShapeFlags shape;
  std::string log_level = "warn";
};

void run_bench_command(const BenchCliOptions& o) {
  setup_logging(o.log_level);
  SearchSpace space;
  const Architecture arch = load_architecture(o.arch_file, space);
  BenchOptions b;
  std::tie(b.input, b.classes) = resolve_shape(o.shape);
  b.batches = o.batches;
  b.batch_size = o.batch_size;
  b.latency_batch = o.batch_size;
  b.threads = o.threads;
  b.channels_last = !o.nchw;
  const auto devices = resolve_devices(o.device, false);
  const BenchResult r = run_bench(arch, devices.front(), b);
  if (o.json) {
    std::cout << nlohmann::json{{"train_images_per_s", r.train_images_per_s},
                                {"eval_images_per_s", r.eval_images_per_s},
                                {"latency_ms", r.latency_ms}}
                     .dump()
              << "\n";
  } else {
    const NetworkPlan plan = plan_network(arch, b.input, b.classes, space);
    std::cout << "device            " << device_name(devices.front()) << " (threads " << o.threads
              << ")\n"
              << "MACs / params     " << count_macs(plan) << " / " << count_params(plan) << "\n"
              << "train images/s    " << r.train_images_per_s << "\n"
              << "eval images/s     " << r.eval_images_per_s << "\n"
              << "latency ms/image  " << r.latency_ms << " (batch " << b.latency_batch << ")\n";
  }
}

}  // namespace

void setup_bench(CLI::App& app) {
  auto o = std::make_shared<BenchCliOptions>();
  auto* cmd = app.add_subcommand("bench", "measure training/evaluation throughput and latency");
  cmd->add_option("--arch", o->arch_file, "architecture file")->required();
  cmd->add_option("--batches", o->batches, "timed batches")
      ->capture_default_str()
      ->check(positive());
  cmd->add_option("--batch-size", o->batch_size, "batch size")
      ->capture_default_str()
      ->check(positive());
  cmd->add_option("--threads", o->threads, "CPU threads (0 = LibTorch default)")
      ->capture_default_str()
      ->check(non_negative());
  cmd->add_option("--device", o->device, "cpu or cuda:N")->capture_default_str();
  cmd->add_flag("--nchw", o->nchw,
                "use contiguous NCHW tensors (the original's layout) instead of channels-last");
  cmd->add_flag("--json", o->json, "print the figures as JSON");
  add_shape_flags(*cmd, o->shape);
  add_log_level_flag(*cmd, o->log_level);
  cmd->callback([o] { run_bench_command(*o); });
}

}  // namespace nas
