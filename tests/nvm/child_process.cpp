#include "tests/nvm/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace hycim::nvm::test {
namespace {

// Forks and execs the helper with `out_to` as its stdout and `err_to` as its
// stderr (-1: inherit).
pid_t spawn(const std::vector<std::string>& args, int out_to, int err_to) {
  std::vector<std::string> argv_s{HYCIM_NVM_CHILD};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    if (out_to >= 0) ::dup2(out_to, STDOUT_FILENO);
    if (err_to >= 0) ::dup2(err_to, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

// The raw wait status, or -1 when waitpid fails.
int reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return status;
}

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) != 0;) {
    if (n > 0)
      out.append(buf, static_cast<size_t>(n));
    else if (errno != EINTR)
      break;
  }
  return out;
}

}  // namespace

ChildResult run_child(const std::vector<std::string>& args) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  pid_t pid = spawn(args, -1, p[1]);
  ::close(p[1]);
  ChildResult r;
  r.err = read_all(p[0]);
  ::close(p[0]);
  r.wait_status = reap(pid);
  r.exit_code = r.wait_status >= 0 && WIFEXITED(r.wait_status) ? WEXITSTATUS(r.wait_status) : -1;
  return r;
}

RunningChild start_child(const std::vector<std::string>& args) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  pid_t pid = spawn(args, p[1], -1);
  ::close(p[1]);
  return {pid, p[0]};
}

void kill_child(RunningChild& child) {
  ::kill(child.pid, SIGKILL);
  reap(child.pid);
  ::close(child.stdout_fd);
  child = {};
}

}  // namespace hycim::nvm::test
