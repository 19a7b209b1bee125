#pragma once
// A per-device latency table: every distinct block a space can produce at each position (the stem
// with the separable conv after it, each inverted-residual layer's shape, the head), timed on the
// device where the network will run, so a search anywhere can predict that device's latency as a
// sum of entries plus a per-network overhead fitted on whole networks (Once-for-all's and FBNet's
// lookup tables; nn-Meter's maintainers note GPU latency is close to additive). Tensor-free: the
// table is keys and numbers; nas latency-table (torch) measures it.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "nas/core/search/mobilenetv3_space.hpp"
#include "nas/core/search/network_plan.hpp"

namespace nas {

inline constexpr int kLatencyTableFormat = 1;

/// What a table was measured for. A search or nas arch must match its space, input, classes and
/// batch (check_latency_table_settings); threads and layout are recorded, not compared (the
/// deployment device's threads need not be the search machine's).
struct LatencyTableSettings {
  std::string space = "mobilenetv3";  // both label sets build the same modules
  InputShape input;
  int classes = 10;
  int batch = 64;   // the latency batch: ms per image at this batch, as the search measures
  int threads = 1;  // CPU threads (0: LibTorch's default)
  bool channels_last = true;
};

struct LatencyTable {
  int format = kLatencyTableFormat;
  std::string device;    // the device's name, as trial.json's environment gives it
  std::string libtorch;  // the LibTorch version that measured it
  LatencyTableSettings settings;
  std::map<std::string, double> entries;  // block key -> ms per image (median of the repeats)
  /// Added once per network: what whole networks took beyond the sum of their blocks (the median
  /// over the calibration networks); 0 until calibrated.
  double overhead_ms = 0;
  int calibration_networks = 0;
  /// Untimed passes before each timing ran at least this long (nas latency-table --warmup-ms); 0
  /// in tables written before nas recorded it, which were timed cold and read slow.
  double warmup_ms = 0;
  int expected_entries = 0;  // how many distinct blocks the space has for these settings
  bool complete = false;     // false while building: such a table is refused for use
  double build_seconds = 0;
  std::string file;  // where it was read from, for messages (not part of the file)
};

/// One distinct block to measure: what builds it and the key it is stored under.
struct LatencyBlock {
  enum class Kind { kStem, kBlock, kHead };
  Kind kind = Kind::kBlock;
  std::string key;
  /// kStem: input, stem_channels, stem_kernel, stem_size. kHead: head_channels, final_channels,
  /// classes, and head_in / head_size below.
  NetworkPlan net;
  BlockPlan block;  // kBlock
  int head_in = 0;
  int head_size[2] = {0, 0};
};

/// The keys of a network's blocks, in order: the stem, each layer, the head.
std::vector<std::string> latency_keys(const NetworkPlan& plan);

/// Every distinct block `space` can produce for `settings`, each once, in a fixed order.
std::vector<LatencyBlock> latency_blocks(const MobileNetV3Space& space,
                                         const LatencyTableSettings& settings);

/// The block of each key of `plan` (for timing a network block by block).
std::vector<LatencyBlock> latency_blocks_of(const NetworkPlan& plan);

/// The sum of the plan's entries plus the overhead. Throws InputError naming `file` and the
/// block when an entry is missing, or the table is incomplete.
double predict_latency_ms(const LatencyTable& table, const NetworkPlan& plan,
                          const std::string& file);

/// Throws InputError naming `file` for a table still being built.
void check_latency_table_complete(const LatencyTable& table, const std::string& file);

/// Throws InputError naming `file` and the first block of the space (for the table's settings)
/// that the table lacks: checked once when a search starts, not trial by trial.
void check_latency_table_covers(const LatencyTable& table, const MobileNetV3Space& space,
                                const std::string& file);

/// Throws InputError naming `file` and the first setting that differs from what is asked.
void check_latency_table_settings(const LatencyTable& table, const LatencyTableSettings& wanted,
                                  const std::string& file);

nlohmann::json to_json(const LatencyTable& table);
/// Throws InputError naming `file` for a table that is not one of ours, is truncated, or comes
/// from a newer format version.
LatencyTable latency_table_from_json(const nlohmann::json& j, const std::string& file);
LatencyTable read_latency_table(const std::string& path);

/// FNV-1a of the file's bytes, as hex: the table's identity in experiment.json.
std::string latency_table_checksum(const std::string& path);

/// The table a search predicts with, from the path it recorded; a checksum that differs from the
/// recorded one (the file changed since the search started) is refused, naming the file.
LatencyTable load_search_latency_table(const std::string& path, const std::string& checksum);

}  // namespace nas
