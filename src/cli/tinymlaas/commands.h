#pragma once
// The tinymlaas commands: the server (serve, token create) and the API client. Each is one
// row in main.cc's table and one function.

namespace CLI {
class App;
}

namespace tml::cli {

void SetupServeCommand(CLI::App& app, int* exit_code);
void SetupTokenCommand(CLI::App& app, int* exit_code);
void SetupClientCommands(CLI::App& app, int* exit_code);
void SetupBuildersCommands(CLI::App& app, int* exit_code);
void SetupDevicesCommands(CLI::App& app, int* exit_code);
void SetupDeployCommands(CLI::App& app, int* exit_code);

}  // namespace tml::cli
