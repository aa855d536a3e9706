// Cost model of the GPU and its host link: op times for the trace generators,
// copy times for swaps, and the zero-value compression (ZVC) cost model that
// decides whether a swapped tensor is compressed first. The ZVC kernels live
// in kernels/; only their throughput is modelled here, so memplan does not
// depend on them.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>

#include "runtime/memplan/trace.hpp"

namespace hycim::memplan {

struct Hardware {
  double gpu_tflops = 14.0;            // sustained fp32 GEMM/conv rate (V100-class)
  double gpu_mem_gbps = 800.0;         // device memory bandwidth, bounds elementwise ops
  double d2h_gbps = 12.0;              // swap-out link (PCIe 3.0 x16, pinned, as measured commonly)
  double h2d_gbps = 12.0;              // swap-in link; separate copy engine, so both overlap
  double zvc_compress_gbps = 200.0;    // ZVC kernel input rate
  double zvc_decompress_gbps = 250.0;  // ZVC kernel output rate
  int element_bytes = 4;               // fp32 activations; ZVC keeps one mask bit per element

  // Roofline time of an op doing `flops` work and moving `bytes` through memory.
  double op_us(double flops, double bytes) const;
  double d2h_us(std::uint64_t bytes) const { return static_cast<double>(bytes) / (d2h_gbps * 1e3); }
  double h2d_us(std::uint64_t bytes) const { return static_cast<double>(bytes) / (h2d_gbps * 1e3); }
};

// How one tensor would travel when swapped: plain or ZVC-compressed.
struct TransferCost {
  bool compressed = false;
  std::uint64_t wire_bytes = 0;  // bytes on the link
  double out_us = 0;             // copy-engine time, device -> host
  double in_us = 0;              // copy-engine time, host -> device
  double compress_us = 0;        // compute-stream time added after the producer
  double decompress_us = 0;      // compute-stream time added before the first backward use
};

// ZVC size: the nonzero elements plus one mask bit per element.
std::uint64_t zvc_bytes(std::uint64_t bytes, double sparsity, int element_bytes);

// Compression is chosen when compress + smaller transfers + decompress takes
// less time than the plain transfers (both directions counted).
TransferCost transfer_cost(const Tensor& t, const Hardware& hw, bool allow_compression = true);

Hardware hardware_from_json(const nlohmann::json& j);  // unknown keys rejected
nlohmann::json hardware_to_json(const Hardware& hw);

}  // namespace hycim::memplan
