#pragma once
// The network of one architecture written for deployment: X.onnx and X.sample.json, shared by
// `nas export` and nas-test-model (which exports every retrain it finishes).
#include <cstdint>
#include <optional>
#include <string>

#include "nas/core/search/mobilenetv3_space.hpp"
#include "nas/core/search/network_plan.hpp"

namespace nas {

/// Whether this build has the ONNX exporter (Debian's libonnx-dev at build time).
bool onnx_export_built();

struct NetworkExport {
  Architecture arch;
  std::string space = "mobilenetv3";
  InputShape input;
  int classes = 10;
  /// The data set the network was (or would be) trained on, for the metadata's class names and
  /// normalisation; empty when only an input shape was given.
  std::string dataset;
  /// Trained weights to export; empty: the network's seeded initial weights.
  std::string weights_file;
  std::uint64_t seed = 0;  // initial weights, and the sample's input
  std::optional<std::string> experiment;
  std::optional<int> trial;
  int opset = 0;    // 0: 17, or the newest the ONNX library validates when that is older
  int batch = 0;    // 0: dynamic
  std::string out;  // X.onnx
};

struct ExportedFiles {
  std::string model;   // X.onnx
  std::string sample;  // X.sample.json
  std::size_t model_bytes = 0;
  std::int64_t sample_rows = 0;
  int opset = 0;  // the one written
};

/// The sample file beside `model`: X.onnx -> X.sample.json.
std::string sample_path_for(const std::string& model);

/// Builds the network, loads and checks the weights, writes both files (each through a temporary
/// file; when either fails, neither is left). Throws InputError for weights that do not fit, a
/// bad opset or batch, or an output that cannot be written; RuntimeFailure when this build has
/// no ONNX exporter.
ExportedFiles export_network(const NetworkExport& request);

}  // namespace nas
