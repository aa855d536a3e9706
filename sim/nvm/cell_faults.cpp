#include "sim/nvm/cell_faults.hpp"

#include <fmt/format.h>

#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace hycim::nvm {
namespace {

// One draw per (what, tile, row, wear, cell): splitmix64's finalizer chained
// over the key, so draws are independent of the order cells are visited in.
constexpr uint64_t kStuck = 0x5354, kProgram = 0x5052, kFlip = 0x464c;

uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

uint64_t row_key(uint64_t seed, uint64_t what, uint32_t tile, uint32_t row, uint64_t wear) {
  return mix(mix(mix(mix(seed ^ mix(what)) ^ tile) ^ row) ^ wear);
}

// Uniform in [0, 1) from the top 53 bits.
double uniform(uint64_t key, uint32_t cell) {
  return double(mix(key ^ cell) >> 11) * 0x1.0p-53;
}

bool get(const std::vector<uint8_t>& bits, uint32_t i) {
  return (bits[i / 8] >> (i % 8)) & 1;
}
void flip(std::vector<uint8_t>& bits, uint32_t i) {
  bits[i / 8] ^= uint8_t(1u << (i % 8));
}
void put(std::vector<uint8_t>& bits, uint32_t i, bool v) {
  if (get(bits, i) != v) flip(bits, i);
}

// A JSON whole number in 0..max. get<uint64_t>() would convert a float or a
// negative number instead of refusing it, and a float out of the type's range
// is undefined behaviour. Parsed text holds a whole number >= 0 as unsigned;
// one a program put in (an int) is signed.
uint64_t whole(const nlohmann::json& v, const char* key, uint64_t max) {
  const bool ok = v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0);
  if (!ok || v.get<uint64_t>() > max)
    throw std::invalid_argument(
        fmt::format("{}: {} is not a whole number in 0..{}", key, v.dump(), max));
  return v.get<uint64_t>();
}

}  // namespace

Protection parse_protection(const std::string& name) {
  if (name == "none") return Protection::kNone;
  if (name == "secded") return Protection::kSecded;
  throw std::invalid_argument(fmt::format("ecc '{}': expected none or secded", name));
}

const char* to_string(Protection p) {
  return p == Protection::kNone ? "none" : "secded";
}

const char* to_string(RowHealth h) {
  switch (h) {
    case RowHealth::kClean:
      return "clean";
    case RowHealth::kCorrected:
      return "corrected";
    case RowHealth::kUncorrectable:
      return "uncorrectable";
  }
  return "?";
}

std::string to_record(const FaultSetup& setup) {
  nlohmann::json model = setup.model.to_json();
  model.erase("doc");
  for (auto& [key, v] : model.items()) {
    if (key == "retention")
      for (auto& [k2, v2] : v.items()) v2 = v2["value"];
    else if (v.is_object())
      v = v["value"];
  }
  nlohmann::json j{{"model", model}, {"seed", setup.seed}, {"ecc", to_string(setup.ecc)}};
  // Left out when 0, so a setup without spares keeps the record it had.
  if (setup.spare_rows > 0) j["spare_rows"] = setup.spare_rows;
  return j.dump();
}

std::optional<FaultSetup> from_record(const std::string& record) {
  if (record.empty()) return std::nullopt;
  try {
    const nlohmann::json j = nlohmann::json::parse(record);
    FaultSetup s;
    s.model = tech::NvmFaults::from_json(j.at("model"));
    s.seed = whole(j.at("seed"), "seed", std::numeric_limits<uint64_t>::max());
    s.ecc = parse_protection(j.at("ecc").get<std::string>());
    if (j.contains("spare_rows"))
      s.spare_rows = static_cast<uint32_t>(whole(j["spare_rows"], "spare_rows", kMaxSpareRows));
    return s;
  } catch (const std::exception& e) {
    throw std::invalid_argument(fmt::format("fault record: {}", e.what()));
  }
}

CellFaults::CellFaults(FaultSetup setup, uint32_t lanes, uint32_t wbits)
    : setup_(std::move(setup)),
      lanes_(lanes),
      wbits_(wbits),
      stuck0_(setup_.model.stuck_at_0.value),
      stuck1_(setup_.model.stuck_at_1.value) {
  if (lanes == 0 || wbits == 0 || wbits > 8)
    throw std::invalid_argument(
        fmt::format("NVM faults: rows of {} lanes x {} bits", lanes, wbits));
  if (setup_.ecc == Protection::kSecded) codec_.emplace(lanes * wbits);
}

std::vector<std::pair<uint32_t, bool>> CellFaults::stuck_cells(uint32_t tile, uint32_t row) const {
  std::vector<std::pair<uint32_t, bool>> out;
  const uint64_t key = row_key(setup_.seed, kStuck, tile, row, 0);
  for (uint32_t c = 0; c < data_cells() + check_cells(); ++c)
    if (const int v = stuck_at(key, c); v >= 0) out.emplace_back(c, v == 1);
  return out;
}

int CellFaults::stuck_at(uint64_t key, uint32_t cell) const {
  const double u = uniform(key, cell);
  return u < stuck0_ ? 0 : u < stuck0_ + stuck1_ ? 1 : -1;
}

void CellFaults::sense(uint32_t tile, uint32_t row, std::span<const uint8_t> programmed,
                       uint64_t wear, double hazard, SensedRow& out) const {
  if (programmed.size() != lanes_)
    throw std::invalid_argument(fmt::format("NVM faults: a row of {} lanes given, rows have {}",
                                            programmed.size(), lanes_));
  const uint32_t k = data_cells(), n = k + check_cells();
  // The codeword as cells: data bits lane-major (lane l bit b is cell l*WBITS+b),
  // then the check bits.
  std::vector<uint8_t> cells((n + 7) / 8, 0);
  for (uint32_t l = 0; l < lanes_; ++l)
    for (uint32_t b = 0; b < wbits_; ++b)
      if ((programmed[l] >> b) & 1) flip(cells, l * wbits_ + b);
  std::vector<uint8_t> data(cells.begin(), cells.begin() + (k + 7) / 8);
  if (codec_) {
    const uint32_t check = codec_->encode(data);
    for (uint32_t j = 0; j < check_cells(); ++j) put(cells, k + j, (check >> j) & 1);
  }
  const std::vector<uint8_t> intended = cells;

  const double wer = wear == 0 ? 0 : setup_.model.write_error_at(wear - 1);
  const uint64_t stuck_key = row_key(setup_.seed, kStuck, tile, row, 0);
  const uint64_t program_key = row_key(setup_.seed, kProgram, tile, row, wear);
  const uint64_t flip_key = row_key(setup_.seed, kFlip, tile, row, wear);
  const auto& flips_to = setup_.model.retention.flips_to;
  const int stable = flips_to ? int(flips_to->value) : -1;
  double next = std::numeric_limits<double>::infinity();
  for (uint32_t c = 0; c < n; ++c) {
    if (const int v = stuck_at(stuck_key, c); v >= 0) {
      put(cells, c, v == 1);
      continue;
    }
    if (wer > 0 && uniform(program_key, c) < wer) flip(cells, c);
    if (int(get(cells, c)) == stable) continue;  // already where retention goes
    // -ln(1 - u): the hazard at which this cell flips.
    const double at = -std::log1p(-uniform(flip_key, c));
    if (at < hazard)
      flip(cells, c);
    else if (at < next)
      next = at;
  }
  out.wrong_bits = 0;
  for (size_t i = 0; i < cells.size(); ++i)
    out.wrong_bits += uint32_t(std::popcount(uint32_t(cells[i] ^ intended[i])));
  out.next_flip_hazard = next;

  std::copy(cells.begin(), cells.begin() + (k + 7) / 8, data.begin());
  if (k % 8) data.back() &= uint8_t((1u << (k % 8)) - 1);
  out.health = RowHealth::kClean;
  if (codec_) {
    uint32_t check = 0;
    for (uint32_t j = 0; j < check_cells(); ++j) check |= uint32_t(get(cells, k + j)) << j;
    const Secded::Decoded d = codec_->decode(data, check);
    out.health = d.outcome == Secded::Outcome::kClean       ? RowHealth::kClean
                 : d.outcome == Secded::Outcome::kCorrected ? RowHealth::kCorrected
                                                            : RowHealth::kUncorrectable;
  }
  out.lanes.assign(lanes_, 0);
  for (uint32_t l = 0; l < lanes_; ++l)
    for (uint32_t b = 0; b < wbits_; ++b)
      if (get(data, l * wbits_ + b)) out.lanes[l] |= uint8_t(1u << b);
}

}  // namespace hycim::nvm
