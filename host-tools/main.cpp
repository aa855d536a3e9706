// hycim: the host CLI. Exit codes: 0 success, 1 failure (message on stderr),
// 2 usage error (CLI11's own message, or a CliError with code 2).
#include <cstdio>
#include <exception>

#include "host-tools/command_registry.hpp"
#include "host-tools/version.hpp"

namespace {

constexpr const char* kFooter =
    "Every command takes --json: one JSON document on stdout (errors stay text on stderr).\n"
    "Long work draws a progress bar on stderr when it is a terminal (never with --json).\n"
    "\n"
    "Exit codes:\n"
    "  0  success\n"
    "  1  error: the work failed (a device refused, a check did not hold, a file is bad)\n"
    "  2  usage error: unknown flag or subcommand, a missing or malformed argument";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hycim: hybrid NVM/SRAM compute-in-memory accelerator tools", "hycim"};
  app.require_subcommand(1);
  app.set_version_flag(
      "--version", [] { return hycim::cli::version_text(); },
      "print the version, the device spec version and the build, then exit");
  for (const auto& entry : hycim::cli::command_table()) entry.setup(app);
  // After the subcommands: CLI11 copies a parent's footer into subcommands
  // created later, and theirs is their own.
  app.footer(kFooter);
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
