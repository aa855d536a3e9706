#include "host-tools/progress.hpp"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <exception>

namespace hycim::cli {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kRedrawEvery = std::chrono::milliseconds(100);
constexpr size_t kBarWidth = 30;

// Columns of the terminal on stderr; a line longer than that would wrap and
// "\r" would then redraw only its last part.
size_t terminal_columns() {
  winsize ws{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

}  // namespace

bool progress_wanted(bool json) {
  return !json && ::isatty(STDERR_FILENO) == 1;
}

Progress::Progress(std::string label, uint64_t total, bool enabled)
    : label_(std::move(label)), total_(total), enabled_(enabled) {}

Progress::~Progress() {
  finish();
}

void Progress::update(uint64_t done, const std::string& detail) {
  if (!enabled_) return;
  std::lock_guard lock(mu_);
  if (finished_) return;
  done_ = done;
  detail_ = detail;
  const auto now = Clock::now();
  if (drawn_ && now - last_draw_ < kRedrawEvery) return;
  last_draw_ = now;
  draw_locked();
}

void Progress::phase(std::string label, uint64_t total) {
  if (!enabled_) return;
  std::lock_guard lock(mu_);
  label_ = std::move(label);
  total_ = total;
  done_ = 0;
  detail_.clear();
}

void Progress::set_total(uint64_t total) {
  std::lock_guard lock(mu_);
  total_ = total;
}

void Progress::show_count(bool on) {
  std::lock_guard lock(mu_);
  counts_ = on;
}

void Progress::clear() {
  if (!enabled_) return;
  std::lock_guard lock(mu_);
  if (!drawn_ || finished_) return;
  std::fprintf(stderr, "\r%s\r", std::string(last_width_, ' ').c_str());
  std::fflush(stderr);
  last_width_ = 0;
  drawn_ = false;
}

void Progress::finish() {
  if (!enabled_) return;
  std::lock_guard lock(mu_);
  if (finished_) return;
  finished_ = true;
  if (!drawn_) return;  // nothing on the line to end
  draw_locked();
  std::fputc('\n', stderr);
  std::fflush(stderr);
}

void Progress::draw_locked() {
  std::string line = label_;
  if (total_ > 0) {
    const uint64_t done = std::min(done_, total_);
    const auto filled = static_cast<size_t>(done * kBarWidth / total_);
    line += fmt::format(" [{}{}] {:>3}%", std::string(filled, '#'),
                        std::string(kBarWidth - filled, '.'), done * 100 / total_);
    if (counts_) line += fmt::format(" {}/{}", done, total_);
  } else if (counts_) {
    line += fmt::format(" {}", done_);
  }
  if (!detail_.empty()) line += " " + detail_;
  line.resize(std::min(line.size(), terminal_columns() - 1));
  // Spaces over what a longer previous line left on the terminal.
  const size_t width = line.size();
  if (width < last_width_) line.append(last_width_ - width, ' ');
  last_width_ = width;
  std::fprintf(stderr, "\r%s", line.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

ProgressTicker::ProgressTicker(Progress& bar, double limit_s)
    : bar_(bar), limit_s_(limit_s), start_(Clock::now()) {
  if (!bar_.enabled()) return;
  bar_.show_count(false);
  bar_.set_total(static_cast<uint64_t>(limit_s_ * 1000));
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    do {
      const double s = std::chrono::duration<double>(Clock::now() - start_).count();
      // The work may run past its limit (a solver finishing its last step):
      // the bar stays just short of full until the work itself ends.
      const double shown = limit_s_ > 0 ? std::min(s, limit_s_ * 0.999) : s;
      bar_.update(static_cast<uint64_t>(shown * 1000),
                  limit_s_ > 0 ? fmt::format("{:.1f} s of at most {:g} s", s, limit_s_)
                               : fmt::format("{:.1f} s", s));
    } while (!cv_.wait_for(lock, kRedrawEvery, [this] { return stop_; }));
  });
}

ProgressTicker::~ProgressTicker() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
  if (std::uncaught_exceptions() > 0) return;
  const double s = std::chrono::duration<double>(Clock::now() - start_).count();
  bar_.update(static_cast<uint64_t>((limit_s_ > 0 ? limit_s_ : s) * 1000),
              fmt::format("done in {:.1f} s", s));
}

}  // namespace hycim::cli
