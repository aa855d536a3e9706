// Test support: runs hycimd as a child process on a socket in a fresh
// temporary directory, and stops it.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

namespace hycim::driver::test {

class DaemonProcess {
 public:
  // Starts hycimd with an NVM image in the directory and `device` options
  // (default: the small config, 2 tiles); waits until it accepts connections.
  explicit DaemonProcess(std::vector<std::string> device = {"--config", "small", "--tiles", "2"});
  ~DaemonProcess();
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  const std::string& dir() const { return dir_; }
  const std::string& socket() const { return socket_; }
  std::string uri() const { return "unix://" + socket_; }
  pid_t pid() const { return pid_; }
  bool alive() const;
  void signal(int sig) const;
  // SIGSTOP, returning once every thread of the daemon is stopped.
  void freeze() const;
  // SIGKILL and reap.
  void kill();
  // Open file descriptors of the daemon whose /proc link contains `kind`
  // ("eventfd", "socket", "" for all), for fd-leak checks.
  size_t open_fds(const std::string& kind = "") const;

 private:
  std::string dir_, socket_;
  pid_t pid_ = -1;
};

// A fresh temporary directory (removed with its files by the destructor).
struct TempDir {
  TempDir();
  ~TempDir();
  std::string path;
};

// Runs hycimd with args to completion; its exit status.
int run_hycimd(const std::vector<std::string>& args);

}  // namespace hycim::driver::test
