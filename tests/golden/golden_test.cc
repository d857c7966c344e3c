// Every MLPerf Tiny model in ../shared/models, every golden input set: our output must equal
// TFLite Micro's reference-kernel output byte for byte (int8), or within 1e-4 (float32).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "compiler/compile.h"
#include "common/digest.h"
#include "runtime/interpreter.h"
#include "runtime/plan.h"

namespace tml::testing {
namespace {

std::vector<uint8_t> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing " << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, OutputsShouldMatchTfliteMicro) {
  const std::string name = GetParam();
  const std::string shared = TML_SHARED_DIR;
  const auto model = ReadFile(shared + "/models/" + name + ".tflite");
  const auto meta_bytes = ReadFile(shared + "/golden/" + name + "/meta.json");
  const auto meta = nlohmann::json::parse(meta_bytes.begin(), meta_bytes.end());
  ASSERT_EQ(common::Sha256Hex(model), meta["model_sha256"].get<std::string>())
      << "the model is not the one the golden data belongs to";

  auto compiled = compiler::Compile(model);
  ASSERT_TRUE(compiled.has_value()) << compiled.error().message;
  std::vector<uint64_t> plan_words(compiled->plan.size() / 8 + 1);
  std::memcpy(plan_words.data(), compiled->plan.data(), compiled->plan.size());
  Plan plan;
  ASSERT_EQ(Plan::Load(reinterpret_cast<const uint8_t*>(plan_words.data()),
                       static_cast<uint32_t>(compiled->plan.size()), &plan),
            Status::kOk);
  const bool is_float = meta["outputs"][0]["type"] == "FLOAT32";
  double max_abs_error = 0.0;
  for (int k = 0; k < meta["num_input_sets"].get<int>(); ++k) {
    // A fresh arena per input set, as the golden data used a fresh interpreter.
    std::vector<uint64_t> arena(plan.arena_bytes() / 8 + 1, 0xDEADBEEFDEADBEEFull);
    Interpreter interpreter;
    ASSERT_EQ(interpreter.Init(&plan, reinterpret_cast<uint8_t*>(arena.data()), plan.arena_bytes()), Status::kOk);
    const auto input = ReadFile(shared + "/golden/" + name + "/input_" + std::to_string(k) + ".bin");
    ASSERT_EQ(input.size(), interpreter.input_record(0).bytes);
    std::memcpy(interpreter.input(0), input.data(), input.size());
    interpreter.Invoke();
    const auto expected = ReadFile(shared + "/golden/" + name + "/output_" + std::to_string(k) + ".bin");
    ASSERT_EQ(expected.size(), interpreter.output_record(0).bytes);
    const uint8_t* got = interpreter.output(0);
    if (is_float) {
      for (size_t i = 0; i < expected.size() / 4; ++i) {
        float a, b;
        std::memcpy(&a, got + 4 * i, 4);
        std::memcpy(&b, expected.data() + 4 * i, 4);
        max_abs_error = std::max(max_abs_error, std::fabs(static_cast<double>(a) - b));
      }
    } else {
      int differing = 0, largest = 0;
      for (size_t i = 0; i < expected.size(); ++i) {
        const int diff = std::abs(static_cast<int8_t>(got[i]) - static_cast<int8_t>(expected[i]));
        differing += diff != 0;
        largest = std::max(largest, diff);
      }
      EXPECT_EQ(differing, 0) << "input set " << k << ": " << differing << " bytes differ, largest by " << largest
                              << " quantization steps";
    }
  }
  if (is_float) {
    RecordProperty("max_abs_error", std::to_string(max_abs_error));
    std::printf("%s: max abs error over all input sets = %.3g\n", name.c_str(), max_abs_error);
    EXPECT_LT(max_abs_error, 1e-4);
  }
}

INSTANTIATE_TEST_SUITE_P(MlperfTiny, GoldenTest,
                         ::testing::Values("kws_ref_model", "kws_ref_model_float32", "vww_96_int8",
                                           "pretrainedResnet_quant", "ad01_int8"));

}  // namespace
}  // namespace tml::testing
