#include "nas/cli.hpp"
#include "nas/version.hpp"

int main(int argc, char** argv) {
  CLI::App app{"nas: neural architecture search over the MobileNetV3 space", "nas"};
  app.set_version_flag("--version", nas::nas_version());
  app.require_subcommand(1);
  nas::setup_arch(app);
  nas::setup_bench(app);
  nas::setup_search(app);
  return nas::run_cli(app, argc, argv);
}
