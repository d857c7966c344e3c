#include "cli/tmlc/result_table.h"

#include <cstdio>
#include <cstring>

#include "cli/tmlc/file_io.h"
#include "compiler/plan_inspector.h"

namespace tml::cli {
namespace {

double RealValue(const TensorInfo& t, const uint8_t* data, uint32_t i) {
  if (t.type == "int8") return static_cast<double>(t.scale * static_cast<float>(static_cast<int8_t>(data[i]) - t.zero_point));
  float v;
  std::memcpy(&v, data + 4 * i, 4);
  return static_cast<double>(v);
}

}  // namespace

std::string Describe(const TensorInfo& t) {
  return t.type + " " + compiler::ShapeToString(t.shape) + ", " + std::to_string(t.bytes) + " bytes";
}

void PrintResultTable(uint32_t index, const TensorInfo& t, const uint8_t* data) {
  std::printf("output %u: %s\n", index, Describe(t).c_str());
  const bool int8 = t.type == "int8";
  if (!int8 && t.type != "float32") return;
  const uint32_t count = int8 ? t.bytes : t.bytes / 4;
  if (count > 32) return;
  uint32_t top = 0;
  for (uint32_t i = 1; i < count; ++i) {
    if (RealValue(t, data, i) > RealValue(t, data, top)) top = i;
  }
  std::printf("  %5s  %8s  %12s\n", "index", "raw", "value");
  for (uint32_t i = 0; i < count; ++i) {
    const char* mark = i == top && count > 1 ? "  <- top" : "";
    if (int8) {
      std::printf("  %5u  %8d  %12.6f%s\n", i, static_cast<int8_t>(data[i]), RealValue(t, data, i), mark);
    } else {
      std::printf("  %5u  %8s  %12.6f%s\n", i, "-", RealValue(t, data, i), mark);
    }
  }
}

std::optional<std::vector<uint8_t>> ReadInputTensor(uint32_t index, const std::string& path, const TensorInfo& t) {
  auto bytes = ReadFile(path);
  if (!bytes) {
    std::fprintf(stderr, "error: %s\n", bytes.error().message.c_str());
    return std::nullopt;
  }
  if (bytes->size() != t.bytes) {
    std::fprintf(stderr, "error: input %u expects %s; %s has %zu bytes\n", index, Describe(t).c_str(), path.c_str(),
                 bytes->size());
    return std::nullopt;
  }
  return std::move(*bytes);
}

bool ReportOutputTensor(uint32_t index, const TensorInfo& t, const uint8_t* data,
                        const std::vector<std::string>& paths) {
  PrintResultTable(index, t, data);
  if (index >= paths.size()) return true;
  if (auto w = WriteFile(paths[index], data, t.bytes); !w) {
    std::fprintf(stderr, "error: %s\n", w.error().message.c_str());
    return false;
  }
  return true;
}

}  // namespace tml::cli
