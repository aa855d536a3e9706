// Runs the nvm_child helper (tests/nvm/nvm_child.cpp) in its own process, so
// persistence and crash tests cross a real process boundary.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

namespace hycim::nvm::test {

struct ChildResult {
  int exit_code = -1;    // -1 when it did not exit normally
  int wait_status = -1;  // as waitpid gave it (WIFSIGNALED etc.); -1 if waitpid failed
  std::string err;       // everything it wrote to stderr
};

// How `nvm_child powercut` ends when its simulated power cut comes: a status
// nothing else in the helper exits with, so a test can tell the cut from a
// crash, an error or a kill.
inline constexpr int kPowerCutExit = 86;

// Runs the helper to completion with these arguments.
ChildResult run_child(const std::vector<std::string>& args);

// Starts the helper; stdout_fd reads what it writes to its stdout.
struct RunningChild {
  pid_t pid = -1;
  int stdout_fd = -1;
};
RunningChild start_child(const std::vector<std::string>& args);
// SIGKILLs it, reaps it and closes the pipe.
void kill_child(RunningChild& child);

}  // namespace hycim::nvm::test
