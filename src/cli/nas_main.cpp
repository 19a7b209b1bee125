#include <iostream>

#include "cli/cli.hpp"
#include "nas/torch/host_memory.hpp"
#include "nas/torch/trainer.hpp"

int main(int argc, char** argv) {
  nas::keep_freed_memory_for_reuse();
  nas::use_trial_compute(0);  // before any thread starts, so every thread inherits the flush
  CLI::App app{
      "nas: neural architecture search over the MobileNetV3 space.\n"
      "Companions: nas-report <id> summarizes an experiment (nas-report alone lists them);\n"
      "nas-test-model <trial-dir> retrains one architecture for 50 epochs.",
      "nas"};
  nas::add_version_flag(app, "nas");
  app.require_subcommand(1);
  nas::setup_arch(app);
  nas::setup_bench(app);
  nas::setup_export(app);
  nas::setup_latency_table(app);
  nas::setup_search(app, argv[0]);
  app.footer(
      "Examples:\n"
      "  nas search --quick --seed 1          a small search on Fashion-MNIST\n"
      "  nas search --help                    every search flag, by group\n"
      "  nas arch <trial-dir>                 describe a trial's network");
  if (argc == 1) {
    std::cout << app.help();
    return 0;
  }
  return nas::run_cli(app, argc, argv);
}
