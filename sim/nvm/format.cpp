#include "sim/nvm/format.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace hycim::nvm::format {
namespace {

constexpr uint32_t kSectorBytes = 512;
constexpr uint32_t kMinSlotBytes = 64;

uint32_t crc_of(uint32_t crc, const void* data, size_t n) {
  return static_cast<uint32_t>(crc32(crc, static_cast<const Bytef*>(data), static_cast<uInt>(n)));
}

uint32_t header_crc(const FileHeader& h) {
  return crc_of(0, &h, offsetof(FileHeader, crc));
}

uint32_t slot_crc(const SlotHeader& h, std::span<const uint8_t> payload) {
  return crc_of(crc_of(0, &h, offsetof(SlotHeader, crc)), payload.data(), payload.size());
}

// A row below rows_per_tile carries only itself; a spare carries one of
// those rows or none. Anything else is a slot no image of this build wrote.
std::string holds_problem(const Geometry& g, uint32_t row, uint16_t holds) {
  if (row < g.rows_per_tile) {
    if (holds == row) return {};
    return fmt::format("holds row {} instead of its own", holds);
  }
  if (holds == kNoRow || holds < g.rows_per_tile) return {};
  return fmt::format("spare holds row {}, not one of rows 0..{} or none", holds,
                     g.rows_per_tile - 1);
}

}  // namespace

uint32_t slot_bytes_for(uint32_t row_bytes) {
  uint32_t need = static_cast<uint32_t>(sizeof(SlotHeader)) + row_bytes;
  if (need <= kSectorBytes) return std::max(kMinSlotBytes, std::bit_ceil(need));
  return (need + kSectorBytes - 1) / kSectorBytes * kSectorBytes;
}

uint64_t row_block_bytes(const Geometry& g) {
  return 2 * uint64_t{slot_bytes_for(g.row_bytes)};
}

uint64_t row_block_offset(const Geometry& g, uint32_t tile, uint32_t row) {
  uint64_t index = uint64_t{tile} * g.physical_rows_per_tile() + row;
  return kHeaderBlockBytes + index * row_block_bytes(g);
}

uint64_t slot_offset(const Geometry& g, uint32_t tile, uint32_t row, uint32_t slot) {
  return row_block_offset(g, tile, row) + uint64_t{slot} * slot_bytes_for(g.row_bytes);
}

std::string geometry_problem(const Geometry& g) {
  if (g.tiles == 0 || g.rows_per_tile == 0 || g.row_bytes == 0)
    return fmt::format("geometry {}x{}x{} has a zero dimension", g.tiles, g.rows_per_tile,
                       g.row_bytes);
  if (g.row_bytes > kMaxRowBytes)
    return fmt::format("row_bytes {} exceeds the limit of {}", g.row_bytes, kMaxRowBytes);
  if (uint64_t{g.rows_per_tile} + g.spare_rows > kMaxPhysicalRowsPerTile)
    return fmt::format("{} rows and {} spare rows per tile exceed the limit of {} (16-bit rows)",
                       g.rows_per_tile, g.spare_rows, kMaxPhysicalRowsPerTile);
  // physical_rows() < 2^48 and a row block < 2^22 bytes: the product must stay
  // below 2^63 so that offsets fit off_t.
  uint64_t body = 0;
  if (__builtin_mul_overflow(g.physical_rows(), row_block_bytes(g), &body) ||
      body > (uint64_t{1} << 62))
    return fmt::format("geometry {}x{}x{} makes an image too large", g.tiles, g.rows_per_tile,
                       g.row_bytes);
  return {};
}

uint64_t file_bytes_for(const Geometry& g) {
  return kHeaderBlockBytes + g.physical_rows() * row_block_bytes(g);
}

FileHeader make_header(const Geometry& g) {
  FileHeader h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.version = kVersion;
  h.header_bytes = kHeaderBlockBytes;
  h.tiles = g.tiles;
  h.rows_per_tile = g.rows_per_tile;
  h.row_bytes = g.row_bytes;
  h.slot_bytes = slot_bytes_for(g.row_bytes);
  h.file_bytes = file_bytes_for(g);
  h.spare_rows = g.spare_rows;
  h.crc = header_crc(h);
  return h;
}

Geometry header_geometry(const FileHeader& h) {
  return {h.tiles, h.rows_per_tile, h.row_bytes, h.spare_rows};
}

std::string header_problem(const FileHeader& h) {
  if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0) return "bad magic: not a hycim NVM image";
  if (h.crc != header_crc(h))
    return fmt::format("header checksum mismatch (stored {:#010x}, computed {:#010x})", h.crc,
                       header_crc(h));
  if (h.version == 1)
    return fmt::format(
        "version 1 image (written before the NVM fault model); this build reads version {}: the "
        "file is left as it is; create a new image and program the weights again",
        kVersion);
  if (h.version == 2)
    return fmt::format(
        "version 2 image (written before spare rows); this build reads version {}: create a new "
        "image and program the weights again",
        kVersion);
  if (h.version != kVersion)
    return fmt::format("unsupported version {} (this build reads {})", h.version, kVersion);
  Geometry g = header_geometry(h);
  if (std::string p = geometry_problem(g); !p.empty()) return p;
  if (h.header_bytes != kHeaderBlockBytes || h.slot_bytes != slot_bytes_for(g.row_bytes) ||
      h.file_bytes != file_bytes_for(g))
    return "layout fields disagree with the geometry";
  return {};
}

void encode_fault_record(std::span<uint8_t> header_block, const std::string& text) {
  if (text.size() > kMaxFaultRecordBytes)
    throw std::length_error(fmt::format("NVM image fault record of {} bytes (at most {})",
                                        text.size(), kMaxFaultRecordBytes));
  FaultRecordHeader h{kFaultRecordMagic, static_cast<uint32_t>(text.size()),
                      crc_of(0, text.data(), text.size()), 0};
  std::memcpy(header_block.data() + kFaultRecordOffset, &h, sizeof h);
  std::memcpy(header_block.data() + kFaultRecordOffset + sizeof h, text.data(), text.size());
}

std::string decode_fault_record(std::span<const uint8_t> header_block, std::string& problem) {
  FaultRecordHeader h;
  std::memcpy(&h, header_block.data() + kFaultRecordOffset, sizeof h);
  problem.clear();
  if (h.magic != kFaultRecordMagic) {
    problem = "fault record: bad magic";
    return {};
  }
  if (h.bytes > kMaxFaultRecordBytes) {
    problem = fmt::format("fault record: {} bytes (at most {})", h.bytes, kMaxFaultRecordBytes);
    return {};
  }
  std::string text(
      reinterpret_cast<const char*>(header_block.data()) + kFaultRecordOffset + sizeof h, h.bytes);
  if (crc_of(0, text.data(), text.size()) != h.crc) {
    problem = "fault record: checksum mismatch";
    return {};
  }
  return text;
}

void encode_age(std::span<uint8_t> out, uint32_t copy, uint64_t seq, double clock, double seconds) {
  AgeRecord a{};
  a.magic = kAgeMagic;
  a.copy = copy;
  a.seq = seq;
  a.clock = clock;
  a.seconds = seconds;
  a.crc = crc_of(0, &a, offsetof(AgeRecord, crc));
  std::memcpy(out.data(), &a, sizeof a);
}

bool decode_age(std::span<const uint8_t> in, uint32_t copy, AgeRecord& out) {
  std::memcpy(&out, in.data(), sizeof out);
  // An age NvmImage::set_age refuses (negative or NaN) is no age this library
  // wrote, whatever its checksum says.
  return out.magic == kAgeMagic && out.copy == copy &&
         out.crc == crc_of(0, &out, offsetof(AgeRecord, crc)) && out.clock >= 0 && out.seconds >= 0;
}

void encode_slot(std::span<uint8_t> out, uint32_t tile, uint32_t row, uint32_t slot, uint16_t holds,
                 uint64_t seq, std::span<const uint8_t> payload, float programmed_at) {
  SlotHeader h{};
  h.magic = kSlotMagic;
  h.tile = tile;
  h.row = row;
  h.programmed_at = programmed_at;
  h.seq = seq;
  h.slot = static_cast<uint16_t>(slot);
  h.holds = holds;
  h.crc = slot_crc(h, payload);
  std::memcpy(out.data(), &h, sizeof h);
  std::memcpy(out.data() + sizeof h, payload.data(), payload.size());
  std::fill(out.begin() + static_cast<ptrdiff_t>(sizeof h + payload.size()), out.end(), 0);
}

std::span<const uint8_t> slot_payload(std::span<const uint8_t> bytes, uint32_t row_bytes) {
  return bytes.subspan(sizeof(SlotHeader), row_bytes);
}

SlotCheck check_slot(std::span<const uint8_t> bytes, const Geometry& g, uint32_t tile, uint32_t row,
                     uint32_t slot) {
  SlotHeader h;
  std::memcpy(&h, bytes.data(), sizeof h);
  SlotCheck bad;
  if (h.magic != kSlotMagic) {
    bad.problem = "bad slot magic";
  } else if (h.crc != slot_crc(h, slot_payload(bytes, g.row_bytes))) {
    bad.problem = "checksum mismatch";
  } else if (h.tile != tile || h.row != row || h.slot != slot) {
    bad.problem = fmt::format("belongs to tile {} row {} slot {}", h.tile, h.row, h.slot);
  } else if (std::string p = holds_problem(g, row, h.holds); !p.empty()) {
    bad.problem = p;
  } else {
    return {true, h.seq, h.programmed_at, h.holds, {}};
  }
  return bad;
}

}  // namespace hycim::nvm::format
