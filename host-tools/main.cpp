// hycim: the host CLI. Exit codes: 0 success, 1 failure (message on stderr),
// 2 usage error (CLI11's own message).
#include <cstdio>
#include <exception>

#include "host-tools/command_registry.hpp"

int main(int argc, char** argv) {
  CLI::App app{"hycim: hybrid NVM/SRAM compute-in-memory accelerator tools", "hycim"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "hycim 0.1.0");
  for (const auto& entry : hycim::cli::command_table()) entry.setup(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the message (or the help); its own codes (105, 106, ...)
    // become the usual 2 for a usage error, 0 for --help/--version.
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const hycim::cli::CliError& e) {
    std::fprintf(stderr, "hycim: error: %s\n", e.what());
    return e.code;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hycim: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
