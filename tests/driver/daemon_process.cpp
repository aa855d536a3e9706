#include "tests/driver/daemon_process.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "driver/lib/unix_backend.hpp"

namespace hycim::driver::test {
namespace {

pid_t spawn(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(HYCIMD_PATH));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execv(HYCIMD_PATH, argv.data());
    ::_exit(127);
  }
  return pid;
}

}  // namespace

TempDir::TempDir() {
  char tmpl[] = "/tmp/hycim-driver-test-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  path = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

DaemonProcess::DaemonProcess(std::vector<std::string> device) {
  char tmpl[] = "/tmp/hycimd-test-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  socket_ = dir_ + "/sock";
  std::vector<std::string> args{"--socket", socket_, "--nvm-image", dir_ + "/dev.nvm"};
  args.insert(args.end(), device.begin(), device.end());
  pid_ = spawn(args);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  Status st;
  while (!connect_unix(socket_, &st)) {
    if (!alive() || std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("hycimd did not start on " + socket_);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

DaemonProcess::~DaemonProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGCONT);
    ::kill(pid_, SIGTERM);
    int status;
    ::waitpid(pid_, &status, 0);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

bool DaemonProcess::alive() const {
  if (pid_ <= 0) return false;
  int status;
  return ::waitpid(pid_, &status, WNOHANG) == 0;
}

void DaemonProcess::signal(int sig) const {
  ::kill(pid_, sig);
}

void DaemonProcess::freeze() const {
  ::kill(pid_, SIGSTOP);
  // Signals are delivered asynchronously: wait for state 'T' in /proc.
  for (int i = 0; i < 1000; ++i) {
    std::ifstream stat("/proc/" + std::to_string(pid_) + "/stat");
    std::string pid, comm, state;
    stat >> pid >> comm >> state;
    if (state == "T") return;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  throw std::runtime_error("hycimd did not stop");
}

void DaemonProcess::kill() {
  ::kill(pid_, SIGKILL);
  int status;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

size_t DaemonProcess::open_fds(const std::string& kind) const {
  size_t n = 0;
  std::error_code ec;
  for (auto& e : std::filesystem::directory_iterator("/proc/" + std::to_string(pid_) + "/fd", ec))
    n += std::filesystem::read_symlink(e.path(), ec).string().find(kind) != std::string::npos;
  return n;
}

int run_hycimd(const std::vector<std::string>& args) {
  const pid_t pid = spawn(args);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace hycim::driver::test
