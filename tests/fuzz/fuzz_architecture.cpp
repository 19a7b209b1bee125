// libFuzzer target: an architecture file as `nas arch`, `nas bench` and `nas-test-model` read it
// (our flat JSON, or NNI's parameter.cfg in either label set).
#include <nlohmann/json.hpp>

#include "fuzz_common.hpp"
#include "nas/core/common/error.hpp"
#include "nas/core/search/mobilenetv3_space.hpp"
#include "nas/core/search/network_plan.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const nas::MobileNetV3Space space;
  const auto path = nas::fuzz::scratch() / "arch.json";
  nas::fuzz::write_input(path, data, size);
  try {
    const auto loaded = nas::load_architecture(path.string(), space);
    // A loaded architecture is valid: planning it and counting must work.
    const auto plan = nas::plan_network(loaded.arch, nas::InputShape{3, 32, 32}, 10, space);
    if (nas::count_params(plan) <= 0 || nas::count_macs(plan) <= 0) __builtin_trap();
  } catch (const nas::InputError&) {
  }
  return 0;
}
