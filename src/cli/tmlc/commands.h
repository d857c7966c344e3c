#pragma once
// The tmlc commands. Each is one row in main.cc's command table and one function here.

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace tml::cli {

/// Adds a subcommand to `app`; the callback it installs stores the command's exit code.
using CommandSetup = void (*)(CLI::App& app, int* exit_code);

void SetupCompileCommand(CLI::App& app, int* exit_code);
void SetupRunCommand(CLI::App& app, int* exit_code);
void SetupInspectCommand(CLI::App& app, int* exit_code);
void SetupFirmwareCommand(CLI::App& app, int* exit_code);
void SetupEmulateCommand(CLI::App& app, int* exit_code);

}  // namespace tml::cli
