// Every shared model on every board, run inside its firmware on QEMU: outputs must equal
// TFLite Micro's golden outputs byte for byte (int8) or within 1e-4 (float32).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "firmware/host/emulator.h"
#include "tests/firmware/firmware_test_support.h"

namespace tml::testing {
namespace {

struct Case {
  std::string board;
  std::string model;
};

class FirmwareGoldenTest : public ::testing::TestWithParam<Case> {};

TEST_P(FirmwareGoldenTest, EmulatedOutputsShouldMatchTfliteMicro) {
  const Case& c = GetParam();
  const auto meta_bytes = ReadAll(SharedDir() + "/golden/" + c.model + "/meta.json");
  const auto meta = nlohmann::json::parse(meta_bytes.begin(), meta_bytes.end());
  const std::string dir = FreshDir(c.board + "-" + c.model);
  auto manifest = Build(ReadAll(SharedDir() + "/models/" + c.model + ".tflite"), c.board, dir);
  if (!manifest.has_value()) {
    // A board too small for a model must say so with the numbers; anything else is a failure.
    EXPECT_NE(manifest.error().message.find("does not fit " + c.board), std::string::npos) << manifest.error().message;
    std::printf("%s does not fit %s: %s\n", c.model.c_str(), c.board.c_str(), manifest.error().message.c_str());
    return;
  }

  auto emulator = firmware::Emulator::Start(dir);
  ASSERT_TRUE(emulator.has_value()) << emulator.error().message;
  auto hello = (*emulator)->Hello();
  ASSERT_TRUE(hello.has_value()) << hello.error().message;
  EXPECT_EQ(hello->model_status, 0u);
  EXPECT_EQ(hello->model_sha256, (*manifest)["plan"]["sha256"].get<std::string>());
  EXPECT_EQ(hello->board, c.board);

  const bool is_float = meta["outputs"][0]["type"] == "FLOAT32";
  double max_error = 0.0;
  for (int k = 0; k < meta["num_input_sets"].get<int>(); ++k) {
    const auto input = ReadAll(SharedDir() + "/golden/" + c.model + "/input_" + std::to_string(k) + ".bin");
    const auto expected = ReadAll(SharedDir() + "/golden/" + c.model + "/output_" + std::to_string(k) + ".bin");
    auto result = (*emulator)->Infer(input);
    ASSERT_TRUE(result.has_value()) << "input set " << k << ": " << result.error().message;
    ASSERT_EQ(result->outputs.size(), expected.size());
    EXPECT_GT(result->instructions, 0u);
    if (!is_float) {
      EXPECT_EQ(result->outputs, expected) << "input set " << k;
      continue;
    }
    for (size_t i = 0; i < expected.size() / 4; ++i) {
      float a, b;
      std::memcpy(&a, result->outputs.data() + 4 * i, 4);
      std::memcpy(&b, expected.data() + 4 * i, 4);
      max_error = std::max(max_error, std::fabs(static_cast<double>(a) - b));
    }
  }
  if (is_float) {
    std::printf("%s on %s: max abs error %.3g\n", c.model.c_str(), c.board.c_str(), max_error);
    EXPECT_LT(max_error, 1e-4);
  }
}

/// Every board folder of the kit: a new board is tested without touching this file.
std::vector<Case> AllCases() {
  std::vector<Case> cases;
  for (const std::string& board : firmware::ListBoards(firmware::DefaultKitDir())) {
    for (const char* model : {"kws_ref_model", "kws_ref_model_float32", "vww_96_int8", "pretrainedResnet_quant", "ad01_int8"}) {
      cases.push_back({board, model});
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Boards, FirmwareGoldenTest, ::testing::ValuesIn(AllCases()),
                         [](const ::testing::TestParamInfo<Case>& param_info) {
                           std::string name = param_info.param.board + "_" + param_info.param.model;
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace tml::testing
