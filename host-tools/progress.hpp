// A progress bar on stderr for the CLI's long work: "\rLABEL [####....] 42% 5/12 DETAIL",
// redrawn in place at most every 100 ms, ended with a newline. It draws only
// when stderr is a terminal and the command was not asked for --json, so
// piped output and logs stay clean.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace hycim::cli {

// True when a bar may be drawn: stderr is a terminal and `json` is false.
bool progress_wanted(bool json);

class Progress {
 public:
  // `total` 0: no percentage, only the count (work of unknown size).
  Progress(std::string label, uint64_t total, bool enabled);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  bool enabled() const { return enabled_; }
  // Safe from any thread; redraws when 100 ms passed since the last redraw.
  void update(uint64_t done, const std::string& detail = {});
  // A new phase of the same work: label and total change, the count restarts.
  void phase(std::string label, uint64_t total);
  void set_total(uint64_t total);
  // Whether "done/total" follows the percentage (off when the count is
  // milliseconds, as a ProgressTicker's is).
  void show_count(bool on);
  // Erases the bar so a line can go to stdout on the same terminal; the next
  // update draws it again under that line.
  void clear();
  // Draws the last state and ends the line; later updates draw nothing.
  // The destructor calls it, so a bar never leaves an error message mid-line.
  void finish();

 private:
  void draw_locked();

  std::mutex mu_;
  std::string label_, detail_;
  uint64_t total_ = 0, done_ = 0;
  bool enabled_ = false, drawn_ = false, finished_ = false, counts_ = true;
  size_t last_width_ = 0;
  std::chrono::steady_clock::time_point last_draw_{};
};

// Work whose end is bounded by time (a solver's time limit) or unknown: a
// thread moves `bar` with the seconds elapsed, "3.1 s of at most 10 s", until
// destroyed (the bar's total becomes the limit in ms). `limit_s` 0: no bound,
// the bar shows the seconds only. Destroyed after the work ended (not by an
// exception), it leaves the bar full with the time the work took.
class ProgressTicker {
 public:
  ProgressTicker(Progress& bar, double limit_s);
  ~ProgressTicker();
  ProgressTicker(const ProgressTicker&) = delete;
  ProgressTicker& operator=(const ProgressTicker&) = delete;

 private:
  Progress& bar_;
  double limit_s_;
  std::chrono::steady_clock::time_point start_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace hycim::cli
