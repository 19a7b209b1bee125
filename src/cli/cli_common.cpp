#include <c10/util/Exception.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <sstream>

#include "cli/cli.hpp"
#include "cli/cli_suggest.hpp"
#include "nas/console/build_info.hpp"
#include "nas/core/common/error.hpp"
#include "nas/torch/gpu_runtime.hpp"

namespace nas {

int run_cli(CLI::App& app, int argc, char** argv) {
  refuse_empty_values(app);
  plain_type_names(app);
  try {
    app.parse(argc, argv);
    return kExitOk;
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << app.get_name() << ": error: "
              << with_suggestion(app, e, std::vector<std::string>(argv + 1, argv + argc)) << "\n";
    return kExitUsage;
  } catch (const c10::Error& e) {
    std::cerr << app.get_name() << ": error: " << e.what_without_backtrace() << "\n";
    return kExitFailure;
  } catch (const std::exception& e) {
    std::cerr << app.get_name() << ": error: " << e.what() << "\n";
    return exit_code_for(e);
  }
}

void add_version_flag(CLI::App& app, const std::string& program) {
  app.set_version_flag("--version", [program] { return build_summary(program, cuda_summary()); });
}

void setup_logging(const std::string& level) {
  const auto l = spdlog::level::from_str(level);
  if (l == spdlog::level::off && level != "off") {
    throw UsageError("--log-level '" + level +
                     "': expected trace, debug, info, warn, error or off");
  }
  spdlog::set_level(l);
  // The console shows what --log-level asks; other sinks (search.log) may show more.
  for (auto& sink : spdlog::default_logger()->sinks()) sink->set_level(l);
  spdlog::set_pattern("[%H:%M:%S] [%^%l%$] %v");
}

void add_log_file(const std::string& path, const std::string& session) {
  auto logger = spdlog::default_logger();
  const auto file_level = std::min(logger->level(), spdlog::level::info);
  std::shared_ptr<spdlog::sinks::sink> file;
  try {
    file = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, /*truncate=*/false);
  } catch (const spdlog::spdlog_ex& e) {
    throw RuntimeFailure(path + ": cannot write the log: " + e.what());
  }
  file->set_level(file_level);
  file->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %v");
  logger->sinks().push_back(file);
  logger->set_level(std::min(logger->level(), file_level));
  logger->flush_on(spdlog::level::info);
  if (!session.empty()) {
    file->log(
        spdlog::details::log_msg(logger->name(), spdlog::level::info,
                                 "==================== " + session + " ===================="));
    file->flush();
  }
}

namespace {

/// A console sink that prints through a progress block.
class BlockSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit BlockSink(ProgressBlock& block) : block_(block) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t text;
    formatter_->format(msg, text);
    // A wrapped line would break mid-number under the block; the full line is in search.log.
    std::string line = fmt::to_string(text);
    if (!line.empty() && line.back() == '\n') line.pop_back();
    block_.print_above(fit_width(line, terminal_width(fileno(stdout))) + "\n", stdout);
  }
  void flush_() override { std::fflush(stdout); }

 private:
  ProgressBlock& block_;
};

}  // namespace

ConsoleThroughBlock::ConsoleThroughBlock(ProgressBlock& block) {
  auto& sinks = spdlog::default_logger()->sinks();
  if (!block.enabled() || sinks.empty()) return;
  replaced_ = sinks.front();
  installed_ = std::make_shared<BlockSink>(block);
  installed_->set_level(replaced_->level());
  installed_->set_pattern("%H:%M:%S %l %v");  // short: the block's lines are fitted to the width
  sinks.front() = installed_;
}

ConsoleThroughBlock::~ConsoleThroughBlock() {
  if (!replaced_) return;
  auto& sinks = spdlog::default_logger()->sinks();
  for (auto& s : sinks) {
    if (s == installed_) s = replaced_;
  }
}

void add_log_level_flag(CLI::App& app, std::string& level) {
  app.add_option("--log-level", level, "log level: trace, debug, info, warn, error, off")
      ->capture_default_str();
}

InputShape parse_input_shape(const std::string& text) {
  InputShape s;
  char c1 = 0, c2 = 0;
  std::istringstream in(text);
  if (!(in >> s.channels >> c1 >> s.height >> c2 >> s.width) || c1 != ',' || c2 != ',' ||
      in.peek() != EOF || s.channels < 1 || s.height < 1 || s.width < 1) {
    throw UsageError("--input '" + text + "': expected C,H,W with positive integers, e.g. 3,32,32");
  }
  // Beyond these the parameter and MAC counts overflow (and no network here would fit anyway).
  if (s.channels > 64 || s.height > 4096 || s.width > 4096) {
    throw UsageError("--input '" + text + "': at most 64 channels and 4096x4096 pixels");
  }
  return s;
}

void add_shape_flags(CLI::App& app, ShapeFlags& f) {
  app.add_option("--dataset", f.dataset,
                 "data set whose shape to use: fashion-mnist, mnist, cifar10, synthetic")
      ->capture_default_str();
  app.add_option("--input", f.input, "input shape C,H,W (overrides --dataset)");
  app.add_option("--classes", f.classes, "class count (with --input; default 10)");
}

std::pair<InputShape, int> resolve_shape(const ShapeFlags& f) {
  if (f.classes < 0 || f.classes > 100000)
    throw UsageError("--classes must be from 1 to 100000, got " + std::to_string(f.classes));
  if (!f.input.empty()) return {parse_input_shape(f.input), f.classes > 0 ? f.classes : 10};
  const int classes = f.classes > 0 ? f.classes : 10;
  if (f.dataset == "fashion-mnist" || f.dataset == "mnist") return {{1, 28, 28}, classes};
  if (f.dataset == "cifar10" || f.dataset == "synthetic") return {{3, 32, 32}, classes};
  throw UsageError("unknown data set '" + f.dataset +
                   "' (known: fashion-mnist, mnist, cifar10, synthetic)");
}

void add_run_flags(CLI::App& app, RunFlags& f) {
  app.add_option("--dataset", f.dataset,
                 "fashion-mnist, mnist, cifar10 or synthetic (learns from about 80 training "
                 "batches: --train-subset 2000 for 3 epochs; data/README.md)")
      ->capture_default_str();
  app.add_option("--data-dir", f.data_dir, "data set directory (default: the data set's own)");
  app.add_option("--train-subset", f.train_subset,
                 "use a seeded subset of N training images (0 = all)")
      ->check(non_negative());
  app.add_option("--eval-subset", f.eval_subset,
                 "use a seeded subset of N evaluation images (0 = all)")
      ->check(non_negative());
  app.add_flag("--no-gpu", f.no_gpu, "run on CPU even where CUDA is available");
  app.add_option("--device", f.device,
                 "cpu, cuda, or cuda:0,cuda:1,... (default: every GPU, else cpu)");
  app.add_option("--threads", f.threads, "CPU threads in all (0 = every core)")
      ->check(non_negative());
  app.add_option("--seed", f.seed, "seed for everything random (default: drawn and recorded)")
      ->check(seed_range());
  app.add_option("--batch-size", f.batch_size, "training batch size")
      ->capture_default_str()
      ->check(positive());
  app.add_option("--lr", f.lr, "Adam learning rate")->capture_default_str()->check(positive());
  app.add_option("--latency-batch", f.latency_batch, "batch size for latency timing")
      ->capture_default_str()
      ->check(positive());
  app.add_option("--latency-exponent", f.latency_exponent,
                 "metric = accuracy * (latency in us per image)^(-x); 0 = accuracy alone")
      ->capture_default_str()
      ->check(non_negative());
  app.add_option("--bn-recalibrate", f.bn_recalibrate,
                 "re-estimate BatchNorm statistics on N training batches before each evaluation "
                 "(0 = as training left them; default: the trial's experiment's)")
      ->capture_default_str()
      ->check(non_negative());
  add_compute_flags(app, f.deterministic, f.tf32);
  add_log_level_flag(app, f.log_level);
}

void add_compute_flags(CLI::App& app, bool& deterministic, bool& tf32) {
  app.add_flag("--deterministic", deterministic,
               "deterministic GPU algorithms where they exist (slower; ops without one warn)");
  app.add_flag("--tf32", tf32,
               "allow TF32 matmuls and convolutions on Ampere and newer GPUs (faster, ~3 digits)");
}

CLI::Validator positive() {
  return number_check(
      "POSITIVE", [](double v) { return v > 0; }, "positive");
}

CLI::Validator non_negative() {
  return number_check(
      "NON-NEGATIVE", [](double v) { return v >= 0; }, "zero or more");
}

CLI::Validator seed_range() {
  return number_check(
      "SEED",
      [](double v) {
        return v >= 0 && v < 9007199254740992.0 &&
               v == static_cast<double>(static_cast<long long>(v));
      },
      "an integer from 0 to 2^53 - 1");
}

bool flag_given(const CLI::App& app, const std::string& name) { return app.count(name) > 0; }

std::string companion_command(const std::string& argv0, const std::string& program) {
  if (argv0.find('/') == std::string::npos) return program;
  return (std::filesystem::path(argv0).parent_path() / program).string();
}

bool is_terminal(int fd) { return isatty(fd) == 1; }

}  // namespace nas
