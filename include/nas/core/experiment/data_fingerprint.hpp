#pragma once
// What identifies the data a search trains and selects on: the data set, the split and the
// exact tensors after subsetting. Worker ranks of a distributed search each load their own copy;
// the driver refuses to start unless every worker's fingerprint equals the first one's.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "nas/core/common/fnv1a.hpp"

namespace nas {

struct DataFingerprint {
  std::string dataset;
  std::string split;
  std::int64_t train_size = 0;
  std::int64_t eval_size = 0;
  std::string shape;  // "C,H,W"
  int classes = 0;
  // 16 hex digits each: a 64-bit FNV-1a hash of the tensor's bytes.
  std::string train_images;
  std::string train_labels;
  std::string eval_images;
  std::string eval_labels;
};

/// The first difference, as "<what>: <a> vs <b>", or nullopt when they are equal.
std::optional<std::string> describe_difference(const DataFingerprint& a, const DataFingerprint& b);

nlohmann::json to_json(const DataFingerprint& f);
/// Throws InputError naming a missing or mistyped field.
DataFingerprint data_fingerprint_from_json(const nlohmann::json& j);

}  // namespace nas
