#include "nas/core/search/latency_table.hpp"

#include <array>
#include <cmath>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>

#include "nas/core/common/error.hpp"
#include "nas/core/common/fnv1a.hpp"
#include "nas/core/common/json_fields.hpp"

namespace nas {
namespace {

std::string size_text(int h, int w) { return std::to_string(h) + "x" + std::to_string(w); }

std::string stem_key(const NetworkPlan& p) {
  return "stem c" + std::to_string(p.input.channels) + " " +
         size_text(p.input.height, p.input.width) + " o" + std::to_string(p.stem_channels) + " k" +
         std::to_string(p.stem_kernel);
}

std::string block_key(const BlockPlan& b) {
  return "block c" + std::to_string(b.in_channels) + " " + size_text(b.in_size[0], b.in_size[1]) +
         " h" + std::to_string(b.hidden) + " o" + std::to_string(b.out_channels) + " k" +
         std::to_string(b.kernel) + " s" + std::to_string(b.stride) + " se" +
         std::to_string(b.se_channels) + (b.activation == Activation::kReLU ? " relu" : " hswish");
}

std::string head_key(int in, const int size[2], const NetworkPlan& p) {
  return "head c" + std::to_string(in) + " " + size_text(size[0], size[1]) + " h" +
         std::to_string(p.head_channels) + " f" + std::to_string(p.final_channels) + " n" +
         std::to_string(p.classes);
}

LatencyBlock stem_block(const NetworkPlan& p) {
  LatencyBlock b;
  b.kind = LatencyBlock::Kind::kStem;
  b.net = p;
  b.net.blocks.clear();
  b.key = stem_key(p);
  return b;
}

LatencyBlock head_block(const NetworkPlan& p, int in, const int size[2]) {
  LatencyBlock b;
  b.kind = LatencyBlock::Kind::kHead;
  b.net = p;
  b.net.blocks.clear();
  b.head_in = in;
  b.head_size[0] = size[0];
  b.head_size[1] = size[1];
  b.key = head_key(in, size, p);
  return b;
}

LatencyBlock layer_block(const BlockPlan& plan) {
  LatencyBlock b;
  b.kind = LatencyBlock::Kind::kBlock;
  b.block = plan;
  b.key = block_key(plan);
  return b;
}

/// The spatial size and channels entering the head.
std::pair<int, std::array<int, 2>> head_input(const NetworkPlan& p) {
  if (p.blocks.empty()) return {p.stem_channels, {p.stem_size[0], p.stem_size[1]}};
  const BlockPlan& last = p.blocks.back();
  return {last.out_channels, {last.out_size[0], last.out_size[1]}};
}

/// The whole file; InputError when it cannot be read.
std::string file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": no such latency table");
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string settings_text(const InputShape& s) {
  return std::to_string(s.channels) + "," + std::to_string(s.height) + "," +
         std::to_string(s.width);
}

}  // namespace

std::vector<LatencyBlock> latency_blocks_of(const NetworkPlan& plan) {
  std::vector<LatencyBlock> out{stem_block(plan)};
  for (const auto& b : plan.blocks) out.push_back(layer_block(b));
  const auto [in, size] = head_input(plan);
  out.push_back(head_block(plan, in, size.data()));
  return out;
}

std::vector<std::string> latency_keys(const NetworkPlan& plan) {
  std::vector<std::string> keys;
  for (const auto& b : latency_blocks_of(plan)) keys.push_back(b.key);
  return keys;
}

std::vector<LatencyBlock> latency_blocks(const MobileNetV3Space& space,
                                         const LatencyTableSettings& s) {
  // Every layer position exists in the largest network; sizes, strides and activations depend on
  // the position alone (odd kernels with padding k / 2 keep the size), channels on the choices.
  const NetworkPlan largest = plan_network(space.largest(), s.input, s.classes, space);
  auto candidates = [&](const std::string& label) {
    const auto& c = space.choice(label).candidates;
    return std::set<int>(c.begin(), c.end());
  };
  std::vector<LatencyBlock> out;
  std::set<std::string> seen;
  auto add = [&](LatencyBlock b) {
    if (seen.insert(b.key).second) out.push_back(std::move(b));
  };
  for (const int c0 : candidates("width_0")) {
    for (const int k : candidates("ks_0")) {
      NetworkPlan p = largest;
      p.stem_channels = c0;
      p.stem_kernel = k;
      add(stem_block(p));
    }
  }
  for (const BlockPlan& position : largest.blocks) {
    // A stage's first layer takes the previous stage's width; the others keep their own.
    const bool first = position.layer == MobileNetV3Space::layer_number(position.stage, 0);
    const std::string n = std::to_string(position.layer);
    const std::set<int> ins =
        candidates("width_" + std::to_string(first ? position.stage - 1 : position.stage));
    const std::set<int> se =
        space.stage_has_se(position.stage) ? std::set<int>{0, 1} : std::set<int>{0};
    for (const int in : ins) {
      for (const int out_c : candidates("width_" + std::to_string(position.stage))) {
        if (!first && in != out_c) continue;
        for (const int e : candidates("exp_" + n)) {
          for (const int k : candidates("ks_" + n)) {
            for (const int with_se : se) {
              BlockPlan b = position;
              b.in_channels = in;
              b.out_channels = out_c;
              b.hidden = static_cast<int>(std::lround(in * static_cast<double>(e)));
              b.kernel = k;
              b.se = with_se == 1;
              b.se_channels = b.se ? make_divisible(b.hidden / 4) : 0;
              b.residual = b.stride == 1 && in == out_c;
              add(layer_block(b));
            }
          }
        }
      }
    }
  }
  // The head follows the last layer, whichever stage's depth it ends: its input is width_5's.
  const auto [last_in, size] = head_input(largest);
  (void)last_in;
  for (const int in : candidates("width_5")) {
    for (const int h : candidates("width_6")) {
      for (const int f : candidates("width_7")) {
        NetworkPlan p = largest;
        p.head_channels = h;
        p.final_channels = f;
        add(head_block(p, in, size.data()));
      }
    }
  }
  return out;
}

void check_latency_table_complete(const LatencyTable& table, const std::string& file) {
  if (!table.complete)
    throw InputError(file + ": an unfinished table (" + std::to_string(table.entries.size()) +
                     " of " + std::to_string(table.expected_entries) +
                     " blocks): finish it by running the same nas latency-table command again");
}

void check_latency_table_covers(const LatencyTable& table, const MobileNetV3Space& space,
                                const std::string& file) {
  check_latency_table_complete(table, file);
  for (const auto& b : latency_blocks(space, table.settings)) {
    if (!table.entries.count(b.key))
      throw InputError(file + ": no entry for the block '" + b.key +
                       "': the table was built for another space or input");
  }
}

double predict_latency_ms(const LatencyTable& table, const NetworkPlan& plan,
                          const std::string& file) {
  check_latency_table_complete(table, file);
  double sum = table.overhead_ms;
  for (const auto& key : latency_keys(plan)) {
    const auto it = table.entries.find(key);
    if (it == table.entries.end())
      throw InputError(file + ": no entry for the block '" + key +
                       "': the table was built for another space or input");
    sum += it->second;
  }
  return sum;
}

void check_latency_table_settings(const LatencyTable& t, const LatencyTableSettings& w,
                                  const std::string& file) {
  const LatencyTableSettings& h = t.settings;
  auto differs = [&](const std::string& what, const std::string& has, const std::string& wants) {
    throw InputError(file + ": built for " + what + " " + has + ", not " + wants +
                     ": build one for these settings with nas latency-table");
  };
  if (h.space != w.space) differs("space", h.space, w.space);
  if (h.input.channels != w.input.channels || h.input.height != w.input.height ||
      h.input.width != w.input.width)
    differs("input", settings_text(h.input), settings_text(w.input));
  if (h.classes != w.classes)
    differs("classes", std::to_string(h.classes), std::to_string(w.classes));
  if (h.batch != w.batch)
    differs("latency batch", std::to_string(h.batch), std::to_string(w.batch));
}

nlohmann::json to_json(const LatencyTable& t) {
  return {{"format", "nas-latency-table/" + std::to_string(t.format)},
          {"device", t.device},
          {"libtorch", t.libtorch},
          {"space", t.settings.space},
          {"input", {t.settings.input.channels, t.settings.input.height, t.settings.input.width}},
          {"classes", t.settings.classes},
          {"batch", t.settings.batch},
          {"threads", t.settings.threads},
          {"channels_last", t.settings.channels_last},
          {"overhead_ms", t.overhead_ms},
          {"calibration_networks", t.calibration_networks},
          {"warmup_ms", t.warmup_ms},
          {"expected_entries", t.expected_entries},
          {"complete", t.complete},
          {"build_seconds", t.build_seconds},
          {"entries", t.entries}};
}

LatencyTable latency_table_from_json(const nlohmann::json& j, const std::string& file) {
  try {
    const JsonFields f(j, "latency table");
    const std::string format = f.str("format");
    const std::string tag = "nas-latency-table/";
    if (format.rfind(tag, 0) != 0)
      throw InputError("format is '" + format + "', not a latency table of nas");
    int version = 0;
    try {
      version = std::stoi(format.substr(tag.size()));
    } catch (const std::exception&) {
      throw InputError("format '" + format + "' has no version number");
    }
    if (version > kLatencyTableFormat)
      throw InputError("format version " + std::to_string(version) +
                       " is newer than this nas reads (" + std::to_string(kLatencyTableFormat) +
                       "): use a newer nas");
    LatencyTable t;
    t.format = version;
    t.device = f.str("device");
    t.libtorch = f.str("libtorch");
    t.settings.space = f.str("space");
    const auto& input = f.at("input");
    if (!input.is_array() || input.size() != 3 || !input[0].is_number_integer() ||
        !input[1].is_number_integer() || !input[2].is_number_integer())
      f.fail("input", "three integers C, H, W");
    t.settings.input = {input[0].get<int>(), input[1].get<int>(), input[2].get<int>()};
    t.settings.classes = f.integer("classes");
    t.settings.batch = f.integer("batch");
    t.settings.threads = f.integer("threads");
    t.settings.channels_last = f.boolean("channels_last");
    t.overhead_ms = f.number("overhead_ms");
    t.calibration_networks = f.integer("calibration_networks");
    t.warmup_ms = f.opt_number("warmup_ms").value_or(0.0);
    t.expected_entries = f.integer("expected_entries");
    t.complete = f.boolean("complete");
    t.build_seconds = f.number("build_seconds");
    const auto& entries = f.at("entries");
    if (!entries.is_object()) f.fail("entries", "an object of block -> ms");
    for (const auto& [key, value] : entries.items()) {
      if (!value.is_number() || value.get<double>() < 0)
        throw InputError("entry '" + key + "' is not a latency in ms");
      t.entries[key] = value.get<double>();
    }
    if (t.complete && static_cast<int>(t.entries.size()) < t.expected_entries)
      throw InputError("marked complete with " + std::to_string(t.entries.size()) + " of " +
                       std::to_string(t.expected_entries) + " entries");
    return t;
  } catch (const InputError& e) {
    throw InputError(file + ": " + e.what());
  }
}

LatencyTable read_latency_table(const std::string& path) {
  const std::string text = file_text(path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    throw InputError(path + ": not a latency table (invalid or truncated JSON)");
  }
  LatencyTable t = latency_table_from_json(j, path);
  t.file = path;
  return t;
}

std::string latency_table_checksum(const std::string& path) {
  const std::string text = file_text(path);
  return hex64(fnv1a(text.data(), text.size()));
}

LatencyTable load_search_latency_table(const std::string& path, const std::string& checksum) {
  LatencyTable t = read_latency_table(path);
  if (!checksum.empty() && latency_table_checksum(path) != checksum)
    throw InputError(path + ": the latency table changed since this search started (checksum " +
                     latency_table_checksum(path) + ", recorded " + checksum +
                     "): its trials' latencies would not compare; restore it or start a new "
                     "search");
  return t;
}

}  // namespace nas
