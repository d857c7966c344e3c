// bench/compiler: per MLPerf Tiny model, plan bytes and arena bytes beside TFLite Micro's
// arena_used_bytes on a Cortex-M4 (the anchor, ../shared/golden/anchors-cortex-m4-qemu.json),
// compile time and host inference time (Google Benchmark). Prints a table and writes JSON.
//
//   build/bench/compiler [--json FILE] [--shared DIR] [Google Benchmark flags]
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "compiler/compile.h"
#include "compiler/loaded_plan.h"
#include "runtime/interpreter.h"
#include "runtime/plan.h"
#include "read_input.h"

namespace {

using tml::bench::ReadInput;

const char* kModels[] = {"kws_ref_model", "kws_ref_model_float32", "vww_96_int8", "pretrainedResnet_quant",
                         "ad01_int8"};

/// A compiled model ready to run: plan, arena and interpreter.
struct Loaded {
  std::vector<uint8_t> tflite;
  std::optional<tml::compiler::LoadedPlan> plan;
  std::vector<uint64_t> arena;
  tml::Interpreter interpreter;
};

/// Collects per-benchmark real time (in each benchmark's unit, ms here) while printing the usual console output.
class CollectingReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.run_type == Run::RT_Iteration) times_ms[run.benchmark_name()] = run.GetAdjustedRealTime();
    }
    ConsoleReporter::ReportRuns(runs);
  }
  std::map<std::string, double> times_ms;
};

}  // namespace

int main(int argc, char** argv) {
  std::string json_path = "bench-compiler.json";
  std::string shared = TML_SHARED_DIR;
  std::vector<char*> rest = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--json") == 0 && i + 1 < argc) json_path = argv[++i];
    else if (std::strcmp(argv[i], "--shared") == 0 && i + 1 < argc) shared = argv[++i];
    else rest.push_back(argv[i]);
  }
  const auto anchors_bytes = ReadInput(shared + "/golden/anchors-cortex-m4-qemu.json");
  const auto anchors = nlohmann::json::parse(anchors_bytes.begin(), anchors_bytes.end());

  std::map<std::string, Loaded> loaded;
  for (const char* name : kModels) {
    Loaded& l = loaded[name];
    l.tflite = ReadInput(shared + "/models/" + name + ".tflite");
    auto compiled = tml::compiler::Compile(l.tflite);
    if (!compiled) {
      std::fprintf(stderr, "%s: %s\n", name, compiled.error().message.c_str());
      return 1;
    }
    auto plan = tml::compiler::LoadedPlan::From(compiled->plan, name);
    if (!plan) {
      std::fprintf(stderr, "%s\n", plan.error().message.c_str());
      return 1;
    }
    l.plan.emplace(std::move(*plan));
    const tml::Plan& p = l.plan->plan();
    l.arena.resize(p.arena_bytes() / 8 + 1);
    (void)l.interpreter.Init(&p, reinterpret_cast<uint8_t*>(l.arena.data()), p.arena_bytes());
    const auto input = ReadInput(shared + "/golden/" + name + "/input_1.bin");
    std::memcpy(l.interpreter.input(0), input.data(), std::min<size_t>(input.size(), l.interpreter.input_record(0).bytes));

    benchmark::RegisterBenchmark((std::string("compile/") + name).c_str(), [&l](benchmark::State& state) {
      for (auto _ : state) benchmark::DoNotOptimize(tml::compiler::Compile(l.tflite));
    })->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark((std::string("inference/") + name).c_str(), [&l](benchmark::State& state) {
      for (auto _ : state) l.interpreter.Invoke();
    })->Unit(benchmark::kMillisecond);
  }
  int bench_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&bench_argc, rest.data());
  CollectingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  nlohmann::json out = nlohmann::json::array();
  std::printf("\n%-24s %10s %10s %12s %12s %8s %12s %14s\n", "model", "plan B", "tflite B", "arena B",
              "TFLM arena B", "ratio", "compile ms", "host infer ms");
  for (const char* name : kModels) {
    const Loaded& l = loaded[name];
    const auto& anchor = anchors["variants"]["ref"]["models"][name];
    const double tflm_arena = anchor.value("arena_used_bytes", 0.0);
    const tml::Plan& plan = l.plan->plan();
    const double ratio = tflm_arena > 0 ? plan.arena_bytes() / tflm_arena : 0.0;
    const double compile_ms = reporter.times_ms[std::string("compile/") + name];
    const double infer_ms = reporter.times_ms[std::string("inference/") + name];
    std::printf("%-24s %10u %10zu %12u %12.0f %8.2f %12.3f %14.3f\n", name, plan.header().total_bytes,
                l.tflite.size(), plan.arena_bytes(), tflm_arena, ratio, compile_ms, infer_ms);
    out.push_back({{"model", name},
                   {"plan_bytes", plan.header().total_bytes},
                   {"tflite_bytes", l.tflite.size()},
                   {"arena_bytes", plan.arena_bytes()},
                   {"tflm_arena_used_bytes_cortex_m4", tflm_arena},
                   {"arena_ratio_vs_tflm", ratio},
                   {"compile_ms", compile_ms},
                   {"host_inference_ms", infer_ms}});
  }
  std::printf("\nratio = our arena / TFLM arena_used_bytes (ref kernels, Cortex-M4); goal <= 0.80\n");
  std::ofstream(json_path) << out.dump(2) << "\n";
  std::printf("JSON: %s\n", json_path.c_str());
  return 0;
}
