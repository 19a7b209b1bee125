#pragma once
// Command-line layer: one subcommand per file (cli_arch.cpp, cli_bench.cpp, cli_search.cpp,
// cli_test_model.cpp), each with an options struct, a setup_x that binds flags and a run_x that
// tests can call without argv. main() only wires them through run_cli.
#include <spdlog/sinks/sink.h>

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

#include "nas/console/progress_display.hpp"
#include "nas/core/search/network_plan.hpp"

namespace nas {

/// Parses argv and runs the chosen command; turns every error into one line on stderr and an
/// exit code (0 ok, 1 runtime failure, 2 bad usage or input, 130 interrupted).
int run_cli(CLI::App& app, int argc, char** argv);

/// Adds --version to a LibTorch program: the build, and what CUDA sees, found only when asked
/// (looking for GPUs starts CUDA).
void add_version_flag(CLI::App& app, const std::string& program);

/// Console logging at `level` (trace, debug, info, warn, error, off); throws UsageError otherwise.
void setup_logging(const std::string& level);
/// Also writes the log to `path` (appending), at info level or finer whatever the console shows,
/// each line flushed as it is written (so `tail -f` follows it and a crash loses nothing). A
/// non-empty `session` starts with a marked separator line naming it (e.g. "resumed").
void add_log_file(const std::string& path, const std::string& session);

/// While it lives, console log lines are printed through `block` (above the progress block,
/// never mixed with it).
class ConsoleThroughBlock {
 public:
  explicit ConsoleThroughBlock(ProgressBlock& block);
  ~ConsoleThroughBlock();
  ConsoleThroughBlock(const ConsoleThroughBlock&) = delete;
  ConsoleThroughBlock& operator=(const ConsoleThroughBlock&) = delete;

 private:
  std::shared_ptr<spdlog::sinks::sink> replaced_;
  std::shared_ptr<spdlog::sinks::sink> installed_;
};

/// Adds --log-level to a command and applies it before the command runs.
void add_log_level_flag(CLI::App& app, std::string& level);

/// "C,H,W" -> InputShape; throws UsageError.
InputShape parse_input_shape(const std::string& text);
/// The input shape and class count of a data set (without loading it), or of --input/--classes.
struct ShapeFlags {
  std::string dataset = "fashion-mnist";
  std::string input;  // "C,H,W"
  int classes = 0;
};
void add_shape_flags(CLI::App& app, ShapeFlags& flags);
std::pair<InputShape, int> resolve_shape(const ShapeFlags& flags);

/// Flags shared by `nas search` and `nas-test-model`: data, device, seed and training recipe.
/// Values are applied on top of defaults only where the user gave them (`given`).
struct RunFlags {
  std::string dataset = "fashion-mnist";
  std::string data_dir;
  std::int64_t train_subset = 0;
  std::int64_t eval_subset = 0;
  bool no_gpu = false;
  std::string device;
  int threads = 0;
  std::uint64_t seed = 0;
  int batch_size = 64;
  double lr = 1e-3;
  int latency_batch = 64;
  double latency_exponent = 0.07;
  int bn_recalibrate = 0;
  bool deterministic = false;
  bool tf32 = false;
  std::string log_level = "info";
};
void add_run_flags(CLI::App& app, RunFlags& flags);
/// --deterministic and --tf32 (ComputeSettings), shared by search, nas-test-model and bench.
void add_compute_flags(CLI::App& app, bool& deterministic, bool& tf32);
/// Whether the user gave `--name` on this command line.
bool flag_given(const CLI::App& app, const std::string& name);

/// Flag checks with plain messages ("must be positive, got 0"); CLI11's own print the double
/// limits in full.
CLI::Validator positive();
CLI::Validator non_negative();
/// Seeds are kept below 2^53 so every JSON reader (doubles included) keeps them exact.
CLI::Validator seed_range();

/// Whether stdout/stderr is a terminal (progress bars only there).
bool is_terminal(int fd);

void setup_arch(CLI::App& app);
void setup_bench(CLI::App& app);
/// `nas export` (cli_export.cpp).
void setup_export(CLI::App& app);
/// `nas latency-table` (cli_latency_table.cpp).
void setup_latency_table(CLI::App& app);
/// `argv0`: how the program was started, so the commands it prints name its companions as the
/// user can run them (companion_command).
void setup_search(CLI::App& app, const std::string& argv0 = "nas");
/// nas-test-model's flags, on its own root app.
void setup_test_model(CLI::App& app, const std::string& argv0 = "nas-test-model");

/// `program` (nas, nas-report, nas-test-model) as a printed command must name it: its bare name
/// when this program was found on PATH (argv0 without a '/'), else beside this one, as the user
/// reached it ("build/nas-report"), so that the line runs when pasted.
std::string companion_command(const std::string& argv0, const std::string& program);

}  // namespace nas
