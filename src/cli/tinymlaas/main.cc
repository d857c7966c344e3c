// tinymlaas: the service (serve, token) and its command-line client.
#include <CLI/CLI.hpp>
#include <csignal>

#include "cli/tinymlaas/commands.h"

namespace {

using Setup = void (*)(CLI::App&, int*);

// One row per command group.
constexpr Setup kCommands[] = {
    tml::cli::SetupServeCommand,
    tml::cli::SetupTokenCommand,
    tml::cli::SetupClientCommands,
    tml::cli::SetupBuildersCommands,
    tml::cli::SetupDevicesCommands,
    tml::cli::SetupDeployCommands,
};

}  // namespace

int main(int argc, char** argv) {
  // A server that refuses an upload closes the connection mid-body: that must be an error
  // to report, not a signal that kills the client.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"tinymlaas: ML models to microcontrollers, as a service"};
  app.require_subcommand(1);
  int exit_code = 0;
  for (Setup setup : kCommands) setup(app, &exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
