#include "agent/flasher.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace tml::agent {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class FlasherTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("flasher-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    image_ = std::string(4096, '\0');
    for (size_t i = 0; i < image_.size(); ++i) image_[i] = static_cast<char>('A' + i % 26);
    std::ofstream(Path("firmware.bin"), std::ios::binary) << image_;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
  std::string image_;
};

TEST_F(FlasherTest, TheFileFlasherShouldWriteTheWholeImageOrOnlyTheSlot) {
  auto flasher = MakeFlasher({"file", Path("flash.bin"), "", "netduinoplus2", Path("scratch")});
  ASSERT_TRUE(flasher) << flasher.error().message;
  std::ofstream(Path("flash.bin"), std::ios::binary) << std::string(8192, '\xff');  // a longer old image
  ASSERT_TRUE((*flasher)->Write({Path("firmware.bin"), 0, 4096, 0x08000000, true}));
  EXPECT_EQ(Slurp(Path("flash.bin")), image_);  // whole: the old tail is gone

  std::ofstream(Path("flash.bin"), std::ios::binary) << std::string(4096, '\0');
  ASSERT_TRUE((*flasher)->Write({Path("firmware.bin"), 1024, 512, 0x08000400, false}));
  const std::string flash = Slurp(Path("flash.bin"));
  ASSERT_EQ(flash.size(), 4096u);
  EXPECT_EQ(flash.substr(0, 1024), std::string(1024, '\0'));
  EXPECT_EQ(flash.substr(1024, 512), image_.substr(1024, 512));
  EXPECT_EQ(flash.substr(1536), std::string(4096 - 1536, '\0'));
}

TEST_F(FlasherTest, TheCommandFlasherShouldRunTheTemplateWithTheRegionsBytes) {
  // A stand-in for st-flash: copy the bytes it is given and note the fields it was given.
  const std::string command = "cp {file} " + Path("written.bin") + " && echo {address} {offset} {bytes} {board} {kind} > " +
                              Path("fields.txt");
  auto flasher = MakeFlasher({"command", "", command, "netduinoplus2", Path("scratch dir")});
  ASSERT_TRUE(flasher) << flasher.error().message;
  ASSERT_TRUE((*flasher)->Write({Path("firmware.bin"), 2048, 100, 0x08000800, false}));
  EXPECT_EQ(Slurp(Path("written.bin")), image_.substr(2048, 100));
  EXPECT_EQ(Slurp(Path("fields.txt")), "0x08000800 2048 100 netduinoplus2 model\n");
}

TEST_F(FlasherTest, AFailingCommandShouldSayItsExitAndOutput) {
  auto flasher = MakeFlasher({"command", "", "echo 'no ST-LINK detected' && exit 3", "netduinoplus2", Path("scratch")});
  ASSERT_TRUE(flasher);
  auto r = (*flasher)->Write({Path("firmware.bin"), 0, 4096, 0x08000000, true});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("exit 3"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("no ST-LINK detected"), std::string::npos) << r.error().message;
}

TEST_F(FlasherTest, ARegionPastTheImageOrAMissingSettingShouldBeRefused) {
  auto flasher = MakeFlasher({"file", Path("flash.bin"), "", "netduinoplus2", Path("scratch")});
  ASSERT_TRUE(flasher);
  auto past = (*flasher)->Write({Path("firmware.bin"), 4000, 200, 0, false});
  ASSERT_FALSE(past);
  EXPECT_NE(past.error().message.find("shorter than the region"), std::string::npos);
  EXPECT_NE(MakeFlasher({"file", "", "", "b", ""}).error().message.find("--flash-path"), std::string::npos);
  EXPECT_NE(MakeFlasher({"command", "", "", "b", ""}).error().message.find("--flash-command"), std::string::npos);
  EXPECT_NE(MakeFlasher({"jtag", "", "", "b", ""}).error().message.find("unknown flasher 'jtag'"), std::string::npos);
}

TEST(ExpandFlashCommandTest, FileAndBoardShouldBeShellQuoted) {
  const FlashRegion r{"x", 16, 32, 0x10, true};
  EXPECT_EQ(ExpandFlashCommand("flash {file} {board}", "/tmp/it's here.bin", r, "b"), "flash '/tmp/it'\\''s here.bin' 'b'");
}

}  // namespace
}  // namespace tml::agent
