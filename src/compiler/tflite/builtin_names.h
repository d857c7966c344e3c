#pragma once
// Names of TFLite's builtin operators, to name an op in messages even when we do not lower it.

#include <cstdint>

namespace tml::compiler::tflite_names {

/// TFLite's name of a BuiltinOperator value, or null if unknown.
const char* BuiltinOperatorName(int32_t code);

}  // namespace tml::compiler::tflite_names
