#include "cli/cli.hpp"
#include "nas/torch/host_memory.hpp"
#include "nas/torch/trainer.hpp"

int main(int argc, char** argv) {
  nas::keep_freed_memory_for_reuse();
  nas::use_trial_compute(0);  // before any thread starts, so every thread inherits the flush
  CLI::App app{"nas-test-model: retrain one architecture with full statistics", "nas-test-model"};
  nas::add_version_flag(app, "nas-test-model");
  nas::setup_test_model(app, argv[0]);
  return nas::run_cli(app, argc, argv);
}
