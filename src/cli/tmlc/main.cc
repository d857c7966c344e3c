// tmlc: compile a TFLite model into a TinyMLaaS plan, inspect it, run it on the host.
#include <CLI/CLI.hpp>

#include "cli/tmlc/commands.h"
#include "runtime/plan_format.h"

namespace {

struct Command {
  const char* name;
  tml::cli::CommandSetup setup;
};

// One row per command.
constexpr Command kCommands[] = {
    {"compile", tml::cli::SetupCompileCommand},
    {"run", tml::cli::SetupRunCommand},
    {"inspect", tml::cli::SetupInspectCommand},
    {"firmware", tml::cli::SetupFirmwareCommand},
    {"emulate", tml::cli::SetupEmulateCommand},
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tmlc: the TinyMLaaS model compiler and runner"};
  app.set_version_flag("--version", "tmlc plan format " + std::to_string(tml::kPlanFormatVersion) +
                                        ", op set " + std::to_string(tml::kOpSetVersion));
  app.require_subcommand(1);
  int exit_code = 0;
  for (const Command& command : kCommands) command.setup(app, &exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
