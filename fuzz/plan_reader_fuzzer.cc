// libFuzzer target: Plan::Load on arbitrary bytes, then one inference if it loads. A plan
// that passes validation must run without touching memory outside the plan and the arena.
#include <cstdint>
#include <cstring>
#include <vector>

#include "runtime/interpreter.h"
#include "runtime/plan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint64_t> words(size / 8 + 1);
  std::memcpy(words.data(), data, size);
  tml::Plan plan;
  if (tml::Plan::Load(reinterpret_cast<const uint8_t*>(words.data()), static_cast<uint32_t>(size), &plan) !=
      tml::Status::kOk) {
    return 0;
  }
  if (plan.arena_bytes() > (1u << 22)) return 0;  // keep the fuzzer's memory bounded
  std::vector<uint64_t> arena(plan.arena_bytes() / 8 + 1);
  tml::Interpreter interpreter;
  if (interpreter.Init(&plan, reinterpret_cast<uint8_t*>(arena.data()), plan.arena_bytes()) != tml::Status::kOk) {
    return 0;
  }
  interpreter.Invoke();
  return 0;
}
