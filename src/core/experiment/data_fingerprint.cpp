#include "nas/core/experiment/data_fingerprint.hpp"

#include <nlohmann/json.hpp>

#include "nas/core/common/json_fields.hpp"

namespace nas {

std::optional<std::string> describe_difference(const DataFingerprint& a, const DataFingerprint& b) {
  auto differ = [](const std::string& what, const auto& x, const auto& y) {
    std::string out = what + ": ";
    if constexpr (std::is_arithmetic_v<std::decay_t<decltype(x)>>) {
      out += std::to_string(x) + " vs " + std::to_string(y);
    } else {
      out += "'" + std::string(x) + "' vs '" + std::string(y) + "'";
    }
    return out;
  };
  // Coarse facts first: they say what the user changed (a data set, a subset, a split).
  if (a.dataset != b.dataset) return differ("data set", a.dataset, b.dataset);
  if (a.split != b.split) return differ("evaluation split", a.split, b.split);
  if (a.shape != b.shape) return differ("image shape", a.shape, b.shape);
  if (a.classes != b.classes) return differ("classes", a.classes, b.classes);
  if (a.train_size != b.train_size) return differ("training images", a.train_size, b.train_size);
  if (a.eval_size != b.eval_size) return differ("evaluation images", a.eval_size, b.eval_size);
  if (a.train_images != b.train_images)
    return differ("training image bytes (hash)", a.train_images, b.train_images);
  if (a.train_labels != b.train_labels)
    return differ("training labels (hash)", a.train_labels, b.train_labels);
  if (a.eval_images != b.eval_images)
    return differ("evaluation image bytes (hash)", a.eval_images, b.eval_images);
  if (a.eval_labels != b.eval_labels)
    return differ("evaluation labels (hash)", a.eval_labels, b.eval_labels);
  return std::nullopt;
}

nlohmann::json to_json(const DataFingerprint& f) {
  return {{"dataset", f.dataset},
          {"split", f.split},
          {"train_size", f.train_size},
          {"eval_size", f.eval_size},
          {"shape", f.shape},
          {"classes", f.classes},
          {"train_images", f.train_images},
          {"train_labels", f.train_labels},
          {"eval_images", f.eval_images},
          {"eval_labels", f.eval_labels}};
}

DataFingerprint data_fingerprint_from_json(const nlohmann::json& j) {
  const JsonFields f(j, "data fingerprint");
  DataFingerprint r;
  r.dataset = f.str("dataset");
  r.split = f.str("split");
  r.train_size = f.int64("train_size");
  r.eval_size = f.int64("eval_size");
  r.shape = f.str("shape");
  r.classes = f.integer("classes");
  r.train_images = f.str("train_images");
  r.train_labels = f.str("train_labels");
  r.eval_images = f.str("eval_images");
  r.eval_labels = f.str("eval_labels");
  return r;
}

}  // namespace nas
