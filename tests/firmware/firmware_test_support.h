#pragma once
// Shared by the firmware tests: build a firmware for a shared model into a temporary folder.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "firmware/host/board_spec.h"
#include "firmware/host/firmware_builder.h"

namespace tml::testing {

inline std::vector<uint8_t> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing " << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline std::string SharedDir() { return TML_SHARED_DIR; }

/// A fresh folder under the test's temporary directory.
inline std::string FreshDir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("tml-fw-test-" + std::to_string(getpid())) / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

/// Builds `model` (a shared model name or a .tflite's bytes) for `board` into a fresh folder.
inline compiler::Result<nlohmann::json> Build(const std::vector<uint8_t>& tflite, const std::string& board,
                                              const std::string& dir, bool only_model_kernels = false) {
  firmware::FirmwareOptions options;
  options.kit_dir = firmware::DefaultKitDir();
  options.board = board;
  options.only_model_kernels = only_model_kernels;
  return firmware::BuildFirmware(tflite, "model.tflite", options, dir, nullptr);
}

}  // namespace tml::testing
