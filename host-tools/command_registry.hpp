// Subcommands of the hycim CLI register themselves here, one file each, so the
// CLI grows without a central list to edit:
//
//   static void setup(CLI::App& app) { auto* c = app.add_subcommand("info", "..."); ... }
//   HYCIM_CLI_COMMAND(info, setup);
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace hycim::cli {

// Thrown by a subcommand to end the program with a message and an exit code.
struct CliError : std::runtime_error {
  CliError(const std::string& what, int exit_code = 1)
      : std::runtime_error(what), code(exit_code) {}
  int code;
};

using CommandSetup = void (*)(CLI::App& root);

struct CommandEntry {
  std::string name;
  CommandSetup setup;
};

// The commands linked into this binary, in name order.
std::vector<CommandEntry>& command_table();

struct CommandRegistration {
  CommandRegistration(const char* name, CommandSetup setup);
};

}  // namespace hycim::cli

#define HYCIM_CLI_COMMAND(name, setup_fn) \
  static ::hycim::cli::CommandRegistration hycim_cli_registration_##name(#name, setup_fn)
