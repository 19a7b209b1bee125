// `nas latency-table`: every distinct block of the space timed on this device, for searches that
// run elsewhere (nas arch --latency-table predicts from it).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/cli.hpp"
#include "nas/console/interrupt.hpp"
#include "nas/core/common/error.hpp"
#include "nas/core/experiment/experiment_store.hpp"
#include "nas/core/report/report.hpp"
#include "nas/core/search/search_options.hpp"
#include "nas/core/search/search_spaces.hpp"
#include "nas/torch/device.hpp"
#include "nas/torch/latency_measure.hpp"
#include "nas/torch/version.hpp"

namespace fs = std::filesystem;

namespace nas {
namespace {

struct LatencyTableCliOptions {
  std::string device = "cpu";
  std::string out;
  ShapeFlags shape;
  int latency_batch = 64;
  int threads = 1;
  std::string space = "mobilenetv3";
  int calibration = 10;
  double warmup_ms = LatencyMeasureOptions{}.warmup_ms;
  std::uint64_t seed = 0;
  std::string log_level = "warn";
};

void run_latency_table(const LatencyTableCliOptions& o) {
  setup_logging(o.log_level);
  if (o.out.empty()) throw UsageError("--out FILE is required: where the table goes");
  if (is_tabular_space(o.space))
    throw UsageError("--space " + o.space +
                     ": a table of accuracies has no network to time; latency tables are for "
                     "mobilenetv3 (or nni-2.7)");
  label_set_from_string(o.space);  // refuses an unknown space
  if (o.threads < 0 || o.threads > max_useful_threads())
    throw UsageError("--threads must be from 0 to " + std::to_string(max_useful_threads()) +
                     " on this machine, got " + std::to_string(o.threads));
  const torch::Device device = resolve_devices(o.device, false).front();
  const MobileNetV3Space space;
  LatencyTable table;
  // Both label sets build the same modules: one table serves both.
  table.settings.space = "mobilenetv3";
  std::tie(table.settings.input, table.settings.classes) = resolve_shape(o.shape);
  table.settings.batch = o.latency_batch;
  table.settings.threads = o.threads;
  table.device = device_name(device);
  table.libtorch = libtorch_version();
  table.warmup_ms = o.warmup_ms;
  const std::vector<LatencyBlock> blocks = latency_blocks(space, table.settings);

  if (fs::exists(o.out)) {
    // A half-built table of the same settings on the same device is continued; anything else is
    // left alone.
    const LatencyTable earlier = read_latency_table(o.out);
    if (earlier.complete)
      throw UsageError(o.out + " is a complete latency table (" +
                       std::to_string(earlier.entries.size()) +
                       " blocks); choose another --out, or delete it to build it again");
    check_latency_table_settings(earlier, table.settings, o.out);
    if (earlier.device != table.device || earlier.settings.threads != table.settings.threads ||
        earlier.libtorch != table.libtorch)
      throw InputError(o.out + ": a half-built table for " + earlier.device + " at " +
                       std::to_string(earlier.settings.threads) + " threads with LibTorch " +
                       earlier.libtorch + "; continue it there, or choose another --out");
    // Blocks timed warm and cold in one table would not add up.
    if (earlier.warmup_ms != table.warmup_ms)
      throw InputError(o.out + ": a half-built table timed with --warmup-ms " +
                       quote_number(earlier.warmup_ms) + ", not " + quote_number(o.warmup_ms) +
                       "; continue it with the same, or choose another --out");
    table = earlier;
    std::printf("continuing %s: %zu of %zu blocks measured\n", o.out.c_str(), table.entries.size(),
                blocks.size());
  } else {
    const fs::path folder =
        fs::path(o.out).has_parent_path() ? fs::path(o.out).parent_path() : fs::path(".");
    if (!fs::is_directory(folder))
      throw InputError(o.out + ": cannot write: no folder " + folder.string());
  }
  std::printf("measuring %zu distinct blocks on %s (threads %d, batch %d, input %dx%dx%d)\n",
              blocks.size(), table.device.c_str(), o.threads, o.latency_batch,
              table.settings.input.channels, table.settings.input.height,
              table.settings.input.width);
  std::fflush(stdout);

  const auto& cancel = install_interrupt_handlers();
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  auto last_print = t0;
  const std::size_t at_start = table.entries.size();
  LatencyBuildHooks hooks;
  hooks.cancel = &cancel;
  hooks.save = [&](const LatencyTable& t) {
    try {
      write_json_atomic(o.out, to_json(t));
    } catch (const RuntimeFailure& e) {
      throw InputError(e.what());
    }
  };
  const bool terminal = is_terminal(2);
  hooks.on_progress = [&](std::size_t done, std::size_t total) {
    const auto now = Clock::now();
    if (now - last_print < std::chrono::seconds(terminal ? 1 : 30) && done != total) return;
    last_print = now;
    const double spent = std::chrono::duration<double>(now - t0).count();
    const double rate = (done - at_start) / std::max(spent, 1e-9);
    std::fprintf(stderr, "%s%zu of %zu blocks (%.0f%%), %s, about %s left%s", terminal ? "\r" : "",
                 done, total, 100.0 * done / total, format_duration(spent).c_str(),
                 format_duration(rate > 0 ? (total - done) / rate : 0).c_str(),
                 terminal ? "   " : "\n");
  };
  LatencyMeasureOptions m;
  m.calibration_networks = o.calibration;
  m.seed = o.seed;
  m.warmup_ms = o.warmup_ms;
  const bool done = build_latency_table(table, blocks, space, device, m, hooks);
  if (terminal) std::fprintf(stderr, "\n");
  if (!done)
    throw Interrupted("interrupted with " + std::to_string(table.entries.size()) + " of " +
                      std::to_string(blocks.size()) + " blocks measured (saved in " + o.out +
                      "); run the same command again to continue");
  std::printf(
      "wrote %s: %zu blocks, overhead %.4f ms per network (from %d networks), built in %s\n",
      o.out.c_str(), table.entries.size(), table.overhead_ms, table.calibration_networks,
      format_duration(table.build_seconds).c_str());
}

}  // namespace

void setup_latency_table(CLI::App& app) {
  auto o = std::make_shared<LatencyTableCliOptions>();
  auto* cmd = app.add_subcommand(
      "latency-table",
      "time every distinct block of the space on this device, for searches elsewhere");
  cmd->add_option("--device", o->device, "cpu or cuda:N: where the network will be deployed")
      ->capture_default_str();
  cmd->add_option("--out", o->out, "the table's JSON file (a half-built one is continued)")
      ->type_name("FILE");
  cmd->add_option("--latency-batch", o->latency_batch,
                  "batch size for latency timing (the search's --latency-batch)")
      ->capture_default_str()
      ->check(positive());
  cmd->add_option("--threads", o->threads, "CPU threads (0 = LibTorch default)")
      ->capture_default_str()
      ->check(non_negative());
  cmd->add_option("--space", o->space, "mobilenetv3 or nni-2.7 (the same modules: one table)")
      ->capture_default_str();
  cmd->add_option("--calibration", o->calibration,
                  "whole networks timed, each beside its blocks, to fit the per-network overhead")
      ->capture_default_str()
      ->check(positive());
  cmd->add_option("--warmup-ms", o->warmup_ms,
                  "forward passes before each block is timed, for at least this long, so it is "
                  "as warm as a search's network")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 60000.0));
  cmd->add_option("--seed", o->seed, "seed of the calibration networks")
      ->capture_default_str()
      ->check(seed_range());
  add_shape_flags(*cmd, o->shape);
  add_log_level_flag(*cmd, o->log_level);
  cmd->callback([o] { run_latency_table(*o); });
}

}  // namespace nas
