#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "cli/tmlc/arena_svg.h"
#include "cli/tmlc/commands.h"
#include "cli/tmlc/file_io.h"
#include "compiler/compile.h"
#include "compiler/loaded_plan.h"
#include "compiler/plan_inspector.h"
#include "runtime/plan.h"

namespace tml::cli {
namespace {

struct InspectArgs {
  std::string file;
  bool json = false;
  std::string svg;
};

bool IsPlan(const std::vector<uint8_t>& bytes) {
  return bytes.size() >= 4 && std::memcmp(bytes.data(), kPlanMagic, 4) == 0;
}

nlohmann::json ToJson(const compiler::PlanSummary& s) {
  nlohmann::json j;
  j["format_version"] = s.format_version;
  j["opset_version"] = s.opset_version;
  j["content_sha256"] = s.content_sha256;
  j["plan_bytes"] = s.plan_bytes;
  j["arena_bytes"] = s.arena_bytes;
  j["runtime_state_bytes"] = s.runtime_state_bytes;
  j["ram_bytes"] = s.arena_bytes + s.runtime_state_bytes;
  j["constant_bytes"] = s.constant_bytes;
  j["total_macs"] = s.total_macs;
  j["inputs"] = s.inputs;
  j["outputs"] = s.outputs;
  for (const auto& t : s.tensors) {
    j["tensors"].push_back({{"index", t.index}, {"name", t.name}, {"type", t.type}, {"shape", t.shape},
                            {"storage", t.constant ? "constant" : "arena"}, {"offset", t.offset},
                            {"bytes", t.bytes}, {"scale", t.scale}, {"zero_point", t.zero_point},
                            {"first_op", t.first_op}, {"last_op", t.last_op}});
  }
  for (const auto& op : s.ops) {
    j["ops"].push_back({{"index", op.index}, {"source_op", op.source_op}, {"kernel", op.kernel},
                        {"inputs", op.inputs}, {"outputs", op.outputs}, {"macs", op.macs}});
  }
  return j;
}

void PrintText(const compiler::PlanSummary& s) {
  std::printf("%-4s %-28s %-18s %12s  %s\n", "op", "kernel", "output shape", "MACs", "arena offsets (in -> out)");
  for (const auto& op : s.ops) {
    std::string offsets;
    for (uint32_t id : op.inputs) {
      if (!s.tensors[id].constant) offsets += std::to_string(s.tensors[id].offset) + " ";
    }
    offsets += "->";
    for (uint32_t id : op.outputs) offsets += " " + std::to_string(s.tensors[id].offset);
    const std::string shape = op.outputs.empty() ? "" : compiler::ShapeToString(s.tensors[op.outputs[0]].shape);
    std::printf("%-4u %-28s %-18s %12llu  %s\n", op.index, op.kernel.c_str(), shape.c_str(),
                static_cast<unsigned long long>(op.macs), offsets.c_str());
  }
  std::printf("\n");
  std::printf("plan bytes       %10u  (format v%u, op set v%u)\n", s.plan_bytes, s.format_version, s.opset_version);
  std::printf("constant bytes   %10u  (weights, biases, requantization tables)\n", s.constant_bytes);
  std::printf("arena bytes      %10u  (activations + scratch)\n", s.arena_bytes);
  std::printf("RAM needed       %10u  (arena + %u bytes interpreter state)\n", s.arena_bytes + s.runtime_state_bytes,
              s.runtime_state_bytes);
  std::printf("MACs             %10llu\n", static_cast<unsigned long long>(s.total_macs));
  std::printf("plan sha256      %s\n", s.content_sha256.c_str());
}

int Inspect(const InspectArgs& args) {
  auto bytes = ReadFile(args.file);
  if (!bytes) {
    std::fprintf(stderr, "error: %s\n", bytes.error().message.c_str());
    return kExitIoError;
  }
  std::vector<uint8_t> plan_bytes;
  if (IsPlan(*bytes)) {
    plan_bytes = std::move(*bytes);
  } else {
    auto compiled = compiler::Compile(*bytes);
    if (!compiled) {
      std::fprintf(stderr, "error: %s: %s\n", args.file.c_str(), compiled.error().message.c_str());
      return kExitBadModel;
    }
    plan_bytes = std::move(compiled->plan);
  }
  auto loaded = compiler::LoadedPlan::From(plan_bytes, args.file);
  if (!loaded) {
    std::fprintf(stderr, "error: %s\n", loaded.error().message.c_str());
    return kExitBadModel;
  }
  const compiler::PlanSummary summary = compiler::Summarize(loaded->plan());
  if (args.json) {
    std::printf("%s\n", ToJson(summary).dump(2).c_str());
  } else {
    PrintText(summary);
  }
  if (!args.svg.empty()) {
    const std::string svg = RenderArenaSvg(summary, args.file);
    if (auto w = WriteFile(args.svg, reinterpret_cast<const uint8_t*>(svg.data()), svg.size()); !w) {
      std::fprintf(stderr, "error: %s\n", w.error().message.c_str());
      return kExitIoError;
    }
  }
  return kExitOk;
}

}  // namespace

void SetupInspectCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* cmd = app.add_subcommand("inspect", "Show ops, MACs, arena plan and sizes of a .tmlp or .tflite");
  cmd->add_option("file", args->file, "Plan (.tmlp) or TFLite model (.tflite)")->required();
  cmd->add_flag("--json", args->json, "Machine-readable output");
  cmd->add_option("--svg", args->svg, "Also draw the arena plan as an SVG file");
  cmd->callback([args, exit_code] { *exit_code = Inspect(*args); });
}

}  // namespace tml::cli
