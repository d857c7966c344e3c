#pragma once
// Reads a .tflite file into the IR. Every input goes through the flatbuffers verifier and
// then through semantic checks (buffer sizes, tensor indices, graph order), so that nothing
// after this point needs to distrust the model.

#include <cstdint>
#include <span>

#include "compiler/error.h"
#include "compiler/ir.h"

namespace tml::compiler {

/// Parses and validates subgraph 0 of a TFLite model.
Result<Graph> ReadTflite(std::span<const uint8_t> bytes);

}  // namespace tml::compiler
