#include "nas/build_info.hpp"
#include "nas/cli.hpp"

int main(int argc, char** argv) {
  CLI::App app{"nas-test-model: retrain one architecture with full statistics", "nas-test-model"};
  app.set_version_flag("--version", nas::build_summary("nas-test-model"));
  nas::setup_test_model(app);
  return nas::run_cli(app, argc, argv);
}
