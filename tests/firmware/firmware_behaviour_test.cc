// What the firmware tooling promises beyond correct outputs: refusals with numbers, the
// model-only update, reproducible images, kernel selection, protocol errors, boards as
// folders, and bounded waits on a crashing or hanging firmware.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "firmware/host/emulator.h"
#include "firmware/uart_protocol.h"
#include "tests/firmware/firmware_test_support.h"
#include "tests/support/model_builder.h"

namespace tml::testing {
namespace {

namespace fs = std::filesystem;

std::vector<uint8_t> Model(const std::string& name) { return ReadAll(SharedDir() + "/models/" + name + ".tflite"); }

/// y = x + x on float32[n]: its arena grows with n.
std::vector<uint8_t> BigArenaModel(int32_t n) {
  return OneOpModel(0, {{tflite::TensorType_FLOAT32, {n}}, {tflite::TensorType_FLOAT32, {n}}},
                    {tflite::TensorType_FLOAT32, {n}});
}

TEST(FirmwareTest, BoardsShouldBeListedFromTheirFolders) {
  std::vector<std::string> folders;
  for (const auto& entry : fs::directory_iterator(std::string(TML_SOURCE_DIR) + "/src/boards")) {
    if (fs::exists(entry.path() / "board.json")) folders.push_back(entry.path().filename().string());
  }
  std::sort(folders.begin(), folders.end());
  EXPECT_EQ(firmware::ListBoards(firmware::DefaultKitDir()), folders);
  EXPECT_GE(folders.size(), 2u);
  auto unknown = firmware::LoadBoard(firmware::DefaultKitDir(), "no-such-board");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_NE(unknown.error().message.find("mps2-an386"), std::string::npos) << unknown.error().message;
}

TEST(FirmwareTest, ArenaLargerThanRamShouldBeRefusedWithTheNumbers) {
  // 3 x 60,000 floats = 720,000 arena bytes: more than netduinoplus2's 192 KiB, fine on mps2.
  const auto model = BigArenaModel(60000);
  auto refused = Build(model, "netduinoplus2", FreshDir("big-nd"));
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message.find("its arena needs 720000 bytes"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find("196608 RAM"), std::string::npos) << refused.error().message;
  EXPECT_TRUE(Build(model, "mps2-an386", FreshDir("big-mps2")).has_value());
}

TEST(FirmwareTest, PlanLargerThanTheSlotShouldBeRefused) {
  // 800,000 bytes of constant weights do not fit netduinoplus2's 768 KiB slot.
  std::vector<float> w(200000, 0.5f);
  const auto model = OneOpModel(0, {{tflite::TensorType_FLOAT32, {200000}},
                                    {tflite::TensorType_FLOAT32, {200000}, {}, Bytes(w)}},
                                {tflite::TensorType_FLOAT32, {200000}});
  auto refused = Build(model, "netduinoplus2", FreshDir("slot"));
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message.find("the model slot holds 786432"), std::string::npos) << refused.error().message;
}

TEST(FirmwareTest, SameModelAndBoardShouldGiveTheSameImage) {
  const auto a = Build(Model("kws_ref_model"), "netduinoplus2", FreshDir("repro-a"));
  const auto b = Build(Model("kws_ref_model"), "netduinoplus2", FreshDir("repro-b"));
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_EQ((*a)["image"]["sha256"], (*b)["image"]["sha256"]);
}

TEST(FirmwareTest, ModelOnlyUpdateShouldRewriteOnlyTheSlot) {
  const std::string dir = FreshDir("replace");
  auto built = Build(Model("kws_ref_model"), "mps2-an386", dir);
  ASSERT_TRUE(built.has_value()) << built.error().message;
  const auto before = ReadAll(dir + "/firmware.bin");
  auto update = firmware::ReplaceModel(Model("ad01_int8"), "ad01_int8.tflite", dir + "/firmware.bin",
                                       dir + "/firmware.bin");
  ASSERT_TRUE(update.has_value()) << update.error().message;
  const auto after = ReadAll(dir + "/firmware.bin");
  const uint32_t slot = (*built)["flash_layout"]["model_slot"]["address"].get<uint32_t>() -
                        (*built)["flash_layout"]["image_base"].get<uint32_t>();
  ASSERT_GE(after.size(), slot);
  EXPECT_TRUE(std::equal(before.begin(), before.begin() + slot, after.begin())) << "bytes before the slot changed";
  EXPECT_GE(update->first_changed, slot);

  auto emulator = firmware::Emulator::Start(dir);
  ASSERT_TRUE(emulator.has_value()) << emulator.error().message;
  auto hello = (*emulator)->Hello();
  ASSERT_TRUE(hello.has_value()) << hello.error().message;
  EXPECT_EQ(hello->model_sha256, update->manifest["plan"]["sha256"].get<std::string>());
  for (int k : {0, 5}) {
    auto result = (*emulator)->Infer(ReadAll(SharedDir() + "/golden/ad01_int8/input_" + std::to_string(k) + ".bin"));
    ASSERT_TRUE(result.has_value()) << result.error().message;
    EXPECT_EQ(result->outputs, ReadAll(SharedDir() + "/golden/ad01_int8/output_" + std::to_string(k) + ".bin"));
  }
}

TEST(FirmwareTest, OnlyModelKernelsShouldShrinkCodeAndRefuseAModelNeedingOthers) {
  const std::string dir = FreshDir("only");
  auto full = Build(Model("ad01_int8"), "mps2-an386", FreshDir("only-full"));
  auto small = Build(Model("ad01_int8"), "mps2-an386", dir, /*only_model_kernels=*/true);
  ASSERT_TRUE(full.has_value() && small.has_value());
  EXPECT_EQ((*small)["runtime"]["kernels"], nlohmann::json::array({"FULLY_CONNECTED/int8"}));
  EXPECT_LT((*small)["sizes"]["code_bytes"].get<uint32_t>(), (*full)["sizes"]["code_bytes"].get<uint32_t>());
  auto refused = firmware::ReplaceModel(Model("kws_ref_model"), "kws.tflite", dir + "/firmware.bin", dir + "/firmware.bin");
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message.find("needs kernel CONV_2D/int8"), std::string::npos) << refused.error().message;
}

TEST(FirmwareTest, BadFramesShouldGetErrorFramesAndTheFirmwareKeepsServing) {
  const std::string dir = FreshDir("protocol");
  ASSERT_TRUE(Build(Model("ad01_int8"), "netduinoplus2", dir).has_value());
  auto emulator = firmware::Emulator::Start(dir);
  ASSERT_TRUE(emulator.has_value()) << emulator.error().message;
  auto& e = **emulator;
  // A HELLO with a wrong CRC.
  std::vector<uint8_t> frame(uart::kHeaderBytes);
  uart::EncodeHeader(uart::FrameType::kHello, 0, frame.data());
  frame.insert(frame.end(), {1, 2, 3, 4});
  ASSERT_TRUE(e.SendRaw(frame).has_value());
  auto reply = e.ReadFrame(20);
  ASSERT_TRUE(reply.has_value()) << reply.error().message;
  EXPECT_EQ(reply->first, static_cast<uint8_t>(uart::FrameType::kError));
  EXPECT_EQ(reply->second.at(0), static_cast<uint8_t>(uart::ErrorCode::kBadCrc));
  // An INFER of the wrong size.
  auto wrong = e.Infer(std::vector<uint8_t>(5, 0));
  ASSERT_FALSE(wrong.has_value());
  EXPECT_NE(wrong.error().message.find("input length"), std::string::npos) << wrong.error().message;
  // Still serving.
  auto ok = e.Infer(ReadAll(SharedDir() + "/golden/ad01_int8/input_1.bin"));
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_EQ(ok->outputs, ReadAll(SharedDir() + "/golden/ad01_int8/output_1.bin"));
}

TEST(FirmwareTest, CrashingFirmwareShouldGiveAClearErrorQuickly) {
  const std::string dir = FreshDir("crash");
  ASSERT_TRUE(Build(Model("ad01_int8"), "mps2-an386", dir).has_value());
  // Point the reset vector at an address with no memory: the core faults at once.
  auto bin = ReadAll(dir + "/firmware.bin");
  const uint32_t bad_pc = 0x30000001;
  std::memcpy(bin.data() + 4, &bad_pc, 4);
  std::ofstream(dir + "/firmware.bin", std::ios::binary).write(reinterpret_cast<const char*>(bin.data()), bin.size());
  firmware::EmulatorOptions options;
  options.boot_timeout_s = 10;
  auto emulator = firmware::Emulator::Start(dir, options);
  ASSERT_FALSE(emulator.has_value());
  EXPECT_NE(emulator.error().message.find("did not announce itself"), std::string::npos) << emulator.error().message;
  EXPECT_NE(emulator.error().message.find("(HardFault)"), std::string::npos) << emulator.error().message;
}

TEST(FirmwareTest, HangingFirmwareShouldTimeOut) {
  const std::string dir = FreshDir("hang");
  ASSERT_TRUE(Build(Model("ad01_int8"), "mps2-an386", dir).has_value());
  // Reset into a tight loop: a Thumb "b ." placed in the (unused) vector slot 7.
  auto bin = ReadAll(dir + "/firmware.bin");
  const uint16_t branch_to_self = 0xE7FE;
  std::memcpy(bin.data() + 28, &branch_to_self, 2);
  const uint32_t pc = 28 | 1;
  std::memcpy(bin.data() + 4, &pc, 4);
  std::ofstream(dir + "/firmware.bin", std::ios::binary).write(reinterpret_cast<const char*>(bin.data()), bin.size());
  firmware::EmulatorOptions options;
  options.boot_timeout_s = 3;
  auto emulator = firmware::Emulator::Start(dir, options);
  ASSERT_FALSE(emulator.has_value());
  EXPECT_NE(emulator.error().message.find("within the time limit"), std::string::npos) << emulator.error().message;
}

}  // namespace
}  // namespace tml::testing
