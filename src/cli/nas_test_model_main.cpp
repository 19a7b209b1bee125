#include "cli/cli.hpp"
#include "nas/torch/host_memory.hpp"

int main(int argc, char** argv) {
  nas::keep_freed_memory_for_reuse();
  CLI::App app{"nas-test-model: retrain one architecture with full statistics", "nas-test-model"};
  nas::add_version_flag(app, "nas-test-model");
  nas::setup_test_model(app, argv[0]);
  return nas::run_cli(app, argc, argv);
}
