#include "cli/tmlc/result_table.h"

#include <cstdio>
#include <cstring>

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

}  // namespace tml::cli
