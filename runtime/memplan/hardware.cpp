#include "runtime/memplan/hardware.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace hycim::memplan {

double Hardware::op_us(double flops, double bytes) const {
  return std::max(flops / (gpu_tflops * 1e6), bytes / (gpu_mem_gbps * 1e3));
}

std::uint64_t zvc_bytes(std::uint64_t bytes, double sparsity, int element_bytes) {
  const double elements = static_cast<double>(bytes) / element_bytes;
  const double nonzero = std::ceil(elements * (1.0 - sparsity)) * element_bytes;
  const double mask = std::ceil(elements / 8.0);
  return static_cast<std::uint64_t>(nonzero + mask);
}

TransferCost transfer_cost(const Tensor& t, const Hardware& hw, bool allow_compression) {
  TransferCost plain{false, t.bytes, hw.d2h_us(t.bytes), hw.h2d_us(t.bytes), 0, 0};
  if (!allow_compression || t.sparsity <= 0) return plain;
  const std::uint64_t c = zvc_bytes(t.bytes, t.sparsity, hw.element_bytes);
  const double b = static_cast<double>(t.bytes);
  TransferCost z{true,
                 c,
                 hw.d2h_us(c),
                 hw.h2d_us(c),
                 b / (hw.zvc_compress_gbps * 1e3),
                 b / (hw.zvc_decompress_gbps * 1e3)};
  const double plain_total = plain.out_us + plain.in_us;
  const double z_total = z.out_us + z.in_us + z.compress_us + z.decompress_us;
  return z_total < plain_total ? z : plain;
}

namespace {
struct Key {
  const char* name;
  double Hardware::*field;
};
constexpr Key kKeys[] = {{"gpu_tflops", &Hardware::gpu_tflops},
                         {"gpu_mem_gbps", &Hardware::gpu_mem_gbps},
                         {"d2h_gbps", &Hardware::d2h_gbps},
                         {"h2d_gbps", &Hardware::h2d_gbps},
                         {"zvc_compress_gbps", &Hardware::zvc_compress_gbps},
                         {"zvc_decompress_gbps", &Hardware::zvc_decompress_gbps}};
}  // namespace

Hardware hardware_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw MemplanError("hardware: not a JSON object");
  Hardware hw;
  for (const auto& [key, value] : j.items()) {
    if (key == "element_bytes") {
      if (!value.is_number_integer() || value.get<int>() <= 0)
        throw MemplanError("hardware: element_bytes must be a positive integer");
      hw.element_bytes = value.get<int>();
      continue;
    }
    const Key* k = std::find_if(std::begin(kKeys), std::end(kKeys),
                                [&](const Key& x) { return key == x.name; });
    if (k == std::end(kKeys)) throw MemplanError(fmt::format("hardware: unknown key \"{}\"", key));
    if (!value.is_number() || value.get<double>() <= 0)
      throw MemplanError(fmt::format("hardware: \"{}\" must be a positive number", key));
    hw.*(k->field) = value.get<double>();
  }
  return hw;
}

nlohmann::json hardware_to_json(const Hardware& hw) {
  nlohmann::json j;
  for (const Key& k : kKeys) j[k.name] = hw.*(k.field);
  j["element_bytes"] = hw.element_bytes;
  return j;
}

}  // namespace hycim::memplan
