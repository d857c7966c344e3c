// libFuzzer target: the whole compiler on arbitrary bytes (reader, passes, lowering, planner,
// writer). It must return an error or a plan that the runtime accepts; never crash.
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "compiler/compile.h"
#include "runtime/plan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto compiled = tml::compiler::Compile(std::span<const uint8_t>(data, size));
  if (!compiled) return 0;
  std::vector<uint64_t> words(compiled->plan.size() / 8 + 1);
  std::memcpy(words.data(), compiled->plan.data(), compiled->plan.size());
  tml::Plan plan;
  const tml::Status status = tml::Plan::Load(reinterpret_cast<const uint8_t*>(words.data()),
                                             static_cast<uint32_t>(compiled->plan.size()), &plan);
  if (status != tml::Status::kOk) __builtin_trap();  // the compiler wrote a plan the runtime rejects
  return 0;
}
