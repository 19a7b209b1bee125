#include "cli/cli.hpp"

int main(int argc, char** argv) {
  CLI::App app{"nas-test-model: retrain one architecture with full statistics", "nas-test-model"};
  nas::add_version_flag(app, "nas-test-model");
  nas::setup_test_model(app, argv[0]);
  return nas::run_cli(app, argc, argv);
}
