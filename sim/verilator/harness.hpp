// A reusable Verilator harness, separate from any design: owns the
// VerilatedContext and the model, switches FST tracing on at run time, steps
// the clock, and calls final() on exit. The design-specific code (rtl_tile.cpp)
// only drives ports.
#pragma once
#include <verilated.h>
#include <verilated_fst_c.h>

#include <cstdint>
#include <memory>
#include <string>

namespace hycim::verilator {

template <class Top>
class Harness {
 public:
  // trace_path empty: no waveform is written (and no tracing cost is paid).
  explicit Harness(const std::string& trace_path) : ctx_(std::make_unique<VerilatedContext>()) {
    if (!trace_path.empty()) ctx_->traceEverOn(true);
    top_ = std::make_unique<Top>(ctx_.get(), "tile");
    if (!trace_path.empty()) {
      trace_ = std::make_unique<VerilatedFstC>();
      top_->trace(trace_.get(), 99);
      trace_->open(trace_path.c_str());
    }
    top_->clk = 0;
    top_->eval();
  }
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;
  ~Harness() {
    top_->final();
    if (trace_) trace_->close();
  }

  Top& top() { return *top_; }
  const Top& top() const { return *top_; }

  // Settles combinational logic after inputs changed without a clock edge.
  void settle() { top_->eval(); }

  // One clock cycle: rising edge, then falling edge; inputs are sampled at the
  // rising edge and must be set before calling.
  void tick() {
    top_->clk = 1;
    top_->eval();
    dump();
    top_->clk = 0;
    top_->eval();
    dump();
  }

  bool tracing() const { return trace_ != nullptr; }

 private:
  void dump() {
    ctx_->timeInc(1);
    if (trace_) trace_->dump(ctx_->time());
  }

  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Top> top_;
  std::unique_ptr<VerilatedFstC> trace_;
};

}  // namespace hycim::verilator
