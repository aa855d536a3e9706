// Options shared by the runtime's subcommands (check-onnx, run, quantize,
// classify): which backend runs the model and on what tiles.
#pragma once
#include <CLI/CLI.hpp>
#include <string>

#include "runtime/onnx/session.hpp"

namespace hycim::cli {

inline void add_session_options(CLI::App* c, runtime::SessionOptions& o) {
  c->add_option("--backend", o.backend, "where MatMul/Gemm/Conv run: tiles (CIM) or cpu")
      ->check(CLI::IsMember({"tiles", "cpu"}));
  c->add_option("--tile", o.engine.kind, "tile kind: model (fast C++ model) or rtl (Verilated)")
      ->check(CLI::IsMember({"model", "rtl"}));
  c->add_option("--config", o.engine.config, "named tile configuration (small, default)");
  c->add_option("--tiles", o.engine.tiles, "tiles in the simulated device")
      ->check(CLI::Range(1u, 1024u));
}

}  // namespace hycim::cli
