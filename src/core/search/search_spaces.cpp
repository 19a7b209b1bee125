#include "nas/core/search/search_spaces.hpp"

#include "nas/core/common/error.hpp"
#include "nas/core/search/mobilenetv3_space.hpp"
#include "nas/core/search/nb201_space.hpp"

namespace nas {

std::vector<std::string> search_space_names() {
  return {"mobilenetv3", "nni-2.7", "nas-bench-201"};
}

std::unique_ptr<SearchSpace> make_search_space(const std::string& name) {
  if (is_tabular_space(name)) return std::make_unique<Nb201Space>();
  if (name == "mobilenetv3" || name == "nni-2.7")
    return std::make_unique<MobileNetV3Space>(SearchSpaceOptions{}, label_set_from_string(name));
  throw UsageError("unknown search space '" + name + "' (known: " + known_search_spaces() + ")");
}

std::string known_search_spaces() {
  std::string out;
  for (const auto& n : search_space_names()) out += (out.empty() ? "" : ", ") + n;
  return out;
}

bool is_tabular_space(const std::string& name) { return name == "nas-bench-201"; }

}  // namespace nas
