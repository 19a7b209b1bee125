// `nas arch`: describe an architecture, or draw a random one.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/cli.hpp"
#include "nas/core/common/error.hpp"
#include "nas/core/common/text_table.hpp"
#include "nas/core/experiment/architecture_source.hpp"
#include "nas/core/search/latency_table.hpp"
#include "nas/core/search/nb201_space.hpp"
#include "nas/core/search/network_plan.hpp"
#include "nas/core/search/nni27_labels.hpp"

namespace fs = std::filesystem;

namespace nas {
namespace {

struct ArchOptions {
  std::string file;
  bool random = false;
  std::uint64_t seed = 0;
  bool seed_given = false;
  std::string space = "mobilenetv3";  // label set of --random
  bool json = false;
  ShapeFlags shape;
  bool shape_given = false;  // --dataset, --input or --classes on the command line
  std::string latency_table;
  std::string log_level = "warn";
};

void print_table(const MobileNetV3Space& space, const Architecture& arch, const NetworkPlan& plan) {
  std::ostream& out = std::cout;
  out << "stem      conv " << plan.stem_channels << " ch, kernel " << plan.stem_kernel
      << ", stride 2, h-swish\n";
  out << "separable dw3x3 + pw1x1, " << plan.stem_channels << " ch, residual\n";
  out << std::left << std::setw(7) << "stage" << std::setw(7) << "layer" << std::setw(8) << "in"
      << std::setw(5) << "exp" << std::setw(8) << "hidden" << std::setw(8) << "out" << std::setw(8)
      << "kernel" << std::setw(8) << "stride" << std::setw(5) << "SE" << std::setw(10) << "residual"
      << "act\n";
  for (int s = 1; s <= MobileNetV3Space::kStages; ++s) {
    bool any = false;
    for (const auto& b : plan.blocks) {
      if (b.stage != s) continue;
      any = true;
      out << std::setw(7) << s << std::setw(7) << b.layer << std::setw(8) << b.in_channels
          << std::setw(5) << arch.at("exp_" + std::to_string(b.layer)) << std::setw(8) << b.hidden
          << std::setw(8) << b.out_channels << std::setw(8) << b.kernel << std::setw(8) << b.stride
          << std::setw(5) << (b.se ? "yes" : "-") << std::setw(10) << (b.residual ? "yes" : "-")
          << (b.activation == Activation::kReLU ? "relu" : "h-swish") << "\n";
    }
    if (!any) out << std::setw(7) << s << "(none)\n";
  }
  out << "widths    ";
  for (int i = 0; i < MobileNetV3Space::kWidths; ++i)
    out << arch.at("width_" + std::to_string(i)) << (i < 7 ? "," : "\n");
  out << "depths    ";
  for (int s = 1; s <= MobileNetV3Space::kStages; ++s)
    out << arch.at("depth_" + std::to_string(s)) << (s < 5 ? "," : "\n");
  out << "head      conv1x1 " << plan.head_channels << " ch, pool, conv1x1 " << plan.final_channels
      << " ch, dropout " << plan.dropout << ", linear -> " << plan.classes << "\n";
  out << "input     " << plan.input.channels << "x" << plan.input.height << "x" << plan.input.width
      << "\n";
  out << "params    " << grouped(count_params(plan)) << " (" << human_count(count_params(plan))
      << ")\n";
  out << "MACs      " << grouped(count_macs(plan)) << " (" << human_count(count_macs(plan))
      << ")\n";
  out << "arch_key  " << space.canonical_key(arch) << "\n";
}

// A NAS-Bench-201 cell: asked for with --space, written as its string, or a file of ours that
// holds the six edge labels (a trial folder of a table search included).
bool names_a_cell(const ArchOptions& o) {
  if (o.space == "nas-bench-201") return true;
  if (!o.file.empty() && o.file.front() == '|') return true;
  std::error_code ec;
  fs::path path = o.file;
  if (fs::is_directory(path, ec)) path /= "trial.json";
  if (!fs::is_regular_file(path, ec)) return false;
  std::ifstream in(path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text.find("\"edge_1_0\"") != std::string::npos;
}

void print_cell(const Nb201Cell& cell, bool json) {
  const Nb201Space space;
  const Architecture arch = Nb201Space::architecture_of(cell);
  if (json) {
    std::cout << nlohmann::json{{"space", "nas-bench-201"}, {"cell", to_string(cell)},
                                {"arch", arch.to_json()},   {"arch_key", space.canonical_key(arch)},
                                {"params", nullptr},        {"macs", nullptr}}
                     .dump()
              << "\n";
    return;
  }
  std::cout << "cell      " << to_string(cell) << "\n";
  for (int e = 0; e < kNb201Edges; ++e) {
    const std::string label = kNb201EdgeLabels[e];
    // edge_2_1: node 2 <- node 1
    std::cout << "node " << label[5] << " <- " << label[7] << "  " << kNb201Ops[cell.ops[e]]
              << "\n";
  }
  std::cout << "params    - (a NAS-Bench-201 table cell: no network is built)\n";
  std::cout << "arch_key  " << space.canonical_key(arch) << "\n";
}

void run_arch(const ArchOptions& o) {
  setup_logging(o.log_level);
  MobileNetV3Space space;
  if (!o.latency_table.empty() && (o.random || (!o.file.empty() && names_a_cell(o))))
    throw UsageError(
        "--latency-table predicts a named MobileNetV3 architecture's latency: not "
        "with --random or a NAS-Bench-201 cell");
  if (o.random && o.space == "nas-bench-201") {
    if (!o.file.empty()) throw UsageError("give either an architecture file or --random, not both");
    Rng rng(o.seed_given ? o.seed : random_seed());
    std::cout << Nb201Space().sample(rng).to_json().dump(2) << "\n";
    return;
  }
  if (!o.random && !o.file.empty() && names_a_cell(o)) {
    print_cell(load_nb201_cell(o.file), o.json);
    return;
  }
  if (o.random) {
    if (!o.file.empty()) throw UsageError("give either an architecture file or --random, not both");
    Rng rng(o.seed_given ? o.seed : random_seed());
    const MobileNetV3Space drawn({}, label_set_from_string(o.space));
    const Architecture arch = drawn.sample(rng);
    // In NNI 2.7's space, what the original's parameter.cfg held: its 54 labels.
    const auto printed = drawn.labels() == LabelSet::kNni27 ? to_nni27(arch, space) : arch;
    std::cout << printed.value().to_json().dump(2) << "\n";
    return;
  }
  if (o.space != "mobilenetv3")
    throw UsageError("--space goes with --random (or nas-bench-201 with a cell)");
  if (o.file.empty()) throw UsageError("an architecture file (or --random) is required");
  // A trial of nas search comes with its experiment's input shape.
  const ArchitectureSource loaded = read_architecture_source(o.file, space);
  const Architecture& arch = loaded.arch;
  auto [input, classes] = resolve_shape(o.shape);
  if (loaded.experiment && !o.shape_given && loaded.experiment->dataset.shape[0] > 0) {
    const DatasetInfo& d = loaded.experiment->dataset;
    input = InputShape{d.shape[0], d.shape[1], d.shape[2]};
    classes = d.classes;
  }
  std::optional<LatencyTable> table;
  if (!o.latency_table.empty()) {
    table = read_latency_table(o.latency_table);
    // Without a shape of its own, the network is the one the table was measured for.
    if (!o.shape_given && !loaded.experiment) {
      input = table->settings.input;
      classes = table->settings.classes;
    }
    LatencyTableSettings wanted = table->settings;
    wanted.input = input;
    wanted.classes = classes;
    check_latency_table_settings(*table, wanted, o.latency_table);
  }
  const NetworkPlan plan = plan_network(arch, input, classes, space);
  std::optional<double> predicted;
  if (table) predicted = predict_latency_ms(*table, plan, o.latency_table);
  if (o.json) {
    nlohmann::json j = {{"params", count_params(plan)},
                        {"macs", count_macs(plan)},
                        {"arch_key", space.canonical_key(arch)},
                        {"labels", loaded.nni27 ? "nni-2.7" : "mobilenetv3"}};
    if (table) {
      j["predicted_latency_ms"] = *predicted;
      j["latency_table_device"] = table->device;
      // Which blocks the time goes to (predict_latency_ms has checked every one is there).
      nlohmann::json blocks = nlohmann::json::array();
      for (const auto& key : latency_keys(plan))
        blocks.push_back({{"block", key}, {"ms", table->entries.at(key)}});
      j["latency_blocks"] = blocks;
    }
    std::cout << j.dump() << "\n";
  } else {
    if (loaded.nni27) std::cout << kNni27ExpandedNote << "\n";
    print_table(space, arch, plan);
    if (table) {
      std::printf("latency   %.4f ms/image predicted for %s (threads %d, batch %d; %s)\n",
                  *predicted, table->device.c_str(), table->settings.threads, table->settings.batch,
                  o.latency_table.c_str());
    }
  }
}

}  // namespace

void setup_arch(CLI::App& app) {
  auto o = std::make_shared<ArchOptions>();
  auto* cmd =
      app.add_subcommand("arch", "describe an architecture (our JSON or NNI's parameter.cfg)");
  cmd->add_option("file", o->file,
                  "architecture file, trial folder (its trial.json) or NNI trial folder")
      ->type_name("PATH");
  cmd->add_flag("--random", o->random, "print a random architecture as JSON");
  cmd->add_option("--seed", o->seed, "seed for --random")->each([o](const std::string&) {
    o->seed_given = true;
  });
  cmd->add_option("--space", o->space,
                  "label set for --random: mobilenetv3 (66 choices) or nni-2.7 (the 54 labels "
                  "the original searched, printed as such); nas-bench-201 for a cell (its string "
                  "|op~0|+|...| or our JSON)")
      ->type_name("SPACE")
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "print {\"params\", \"macs\", \"arch_key\"} as JSON");
  cmd->add_option("--latency-table", o->latency_table,
                  "also predict the latency from this table (nas latency-table), on the device "
                  "it was built on")
      ->type_name("FILE");
  add_shape_flags(*cmd, o->shape);
  add_log_level_flag(*cmd, o->log_level);
  cmd->callback([o, cmd] {
    o->shape_given = flag_given(*cmd, "--dataset") || flag_given(*cmd, "--input") ||
                     flag_given(*cmd, "--classes");
    run_arch(*o);
  });
}

}  // namespace nas
