#pragma once
// Running the cross toolchain: a child process with its output captured.

#include <string>
#include <vector>

#include "compiler/error.h"

namespace tml::firmware {

/// Runs argv[0] (searched in PATH) in `cwd` (empty = ours) and returns its combined
/// stdout/stderr; fails with the command and its output if it cannot start or exits non-zero.
compiler::Result<std::string> RunCommand(const std::vector<std::string>& argv, const std::string& cwd = "");

}  // namespace tml::firmware
