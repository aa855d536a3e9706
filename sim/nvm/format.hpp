// On-disk format of an NVM image (docs/nvm-image.md is the prose version):
//
//   [0, 4096)        file header block: FileHeader at 0; the fault record at
//                    512 (written once, at create); two age records at 3072
//                    and 3584 (the newest valid one counts; writes go to the
//                    other, as with rows); zeros elsewhere
//   [4096, end)      one row block per (tile, physical row), tile-major: a
//                    tile's rows_per_tile rows, then its spare_rows spares; a
//                    row block is two slots of slot_bytes each
//
// A slot is a SlotHeader, the row's payload, then zero padding. Each row
// write goes to the slot that does not hold the row's newest contents, so a
// torn write only ever damages a slot whose data is also somewhere else.
// All integers are little-endian; the structs are written as they are in memory.
#pragma once
#include <bit>
#include <cstdint>
#include <span>
#include <string>

#include "sim/nvm/geometry.hpp"

namespace hycim::nvm::format {

static_assert(std::endian::native == std::endian::little,
              "the image format is little-endian and written from memory as-is");

inline constexpr char kMagic[8] = {'H', 'Y', 'C', 'I', 'M', 'N', 'V', 'M'};
// Version 2 added the fault record, the age records and a slot's
// programmed_at (in place of version 1's payload_bytes); version 3 the spare
// rows (FileHeader::spare_rows, SlotHeader::holds).
inline constexpr uint32_t kVersion = 3;
// The header gets a whole page so row blocks start page-aligned.
inline constexpr uint32_t kHeaderBlockBytes = 4096;
inline constexpr uint32_t kSlotMagic = 0x534d564e;  // "NVMS" in file byte order
// Rows wider than this are a geometry mistake, not a device.
inline constexpr uint32_t kMaxRowBytes = 1u << 20;
// SlotHeader::holds is 16 bits (the spec's ROW_BITS), so a tile stores at
// most this many physical rows; kNoRow, one past them, marks an unused spare.
inline constexpr uint32_t kMaxPhysicalRowsPerTile = 0xFFFF;
inline constexpr uint16_t kNoRow = 0xFFFF;

struct FileHeader {
  char magic[8];
  uint32_t version;
  uint32_t header_bytes;  // offset of the first row block
  uint32_t tiles;
  uint32_t rows_per_tile;
  uint32_t row_bytes;
  uint32_t slot_bytes;
  uint64_t file_bytes;  // exact size of a complete image
  uint32_t spare_rows;  // per tile, after its rows_per_tile rows
  uint8_t reserved[16];
  uint32_t crc;  // crc32 of the 60 bytes before it
};
static_assert(sizeof(FileHeader) == 64);

struct SlotHeader {
  uint32_t magic;
  uint32_t tile;        // tile, row and slot say where the slot belongs, so a block
  uint32_t row;         // written to the wrong offset is caught, not read as valid
  float programmed_at;  // the image's retention clock (AgeRecord) when written
  uint64_t seq;         // program pulses of this physical row so far: its wear
  uint16_t slot;        // 0 or 1
  // The logical row whose contents the slot carries: `row` itself below
  // rows_per_tile; for a spare the row it replaces, or kNoRow when unused.
  uint16_t holds;
  uint32_t crc;  // crc32 of the 28 header bytes before it, then the payload
};
static_assert(sizeof(SlotHeader) == 32);

// What the image's device faults by (sim/nvm/cell_faults.hpp): opaque text
// to the image, fixed at create; empty for a device without faults.
inline constexpr uint32_t kFaultRecordOffset = 512;
inline constexpr uint32_t kFaultRecordMagic = 0x464d564e;  // "NVMF"
inline constexpr uint32_t kMaxFaultRecordBytes = 2560 - 16;
struct FaultRecordHeader {
  uint32_t magic;
  uint32_t bytes;  // text bytes that follow
  uint32_t crc;    // crc32 of the text
  uint32_t reserved;
};
static_assert(sizeof(FaultRecordHeader) == 16);

// How long the device has aged: the retention hazard its cells accumulated
// (the fault model's unit) and the seconds that took. Two copies, as rows.
inline constexpr uint32_t kAgeRecordOffset[2] = {3072, 3584};
inline constexpr uint32_t kAgeMagic = 0x414d564e;  // "NVMA"
struct AgeRecord {
  uint32_t magic;
  uint32_t copy;   // 0 or 1
  uint64_t seq;    // age writes so far: the newest valid copy wins
  double clock;    // retention hazard accumulated by ageing
  double seconds;  // simulated seconds of ageing, at any temperature
  uint8_t reserved[12];
  uint32_t crc;  // crc32 of the 44 bytes before it
};
static_assert(sizeof(AgeRecord) == 48);

void encode_fault_record(std::span<uint8_t> header_block, const std::string& text);
// The record's text; `problem` says why when it is damaged.
std::string decode_fault_record(std::span<const uint8_t> header_block, std::string& problem);
void encode_age(std::span<uint8_t> out, uint32_t copy, uint64_t seq, double clock, double seconds);
// Valid when magic, copy and crc are right and clock and seconds are >= 0.
bool decode_age(std::span<const uint8_t> in, uint32_t copy, AgeRecord& out);

// Bytes one slot takes: a power of two up to 512 (so a slot never straddles a
// disk sector), whole sectors beyond that.
uint32_t slot_bytes_for(uint32_t row_bytes);
uint64_t row_block_bytes(const Geometry& g);
// `row` is a physical row: below physical_rows_per_tile().
uint64_t row_block_offset(const Geometry& g, uint32_t tile, uint32_t row);
uint64_t slot_offset(const Geometry& g, uint32_t tile, uint32_t row, uint32_t slot);

// Empty when the geometry can be stored, else what is wrong with it.
std::string geometry_problem(const Geometry& g);
uint64_t file_bytes_for(const Geometry& g);  // geometry must be valid

FileHeader make_header(const Geometry& g);
// Empty when the header is intact and self-consistent, else the problem.
std::string header_problem(const FileHeader& h);
Geometry header_geometry(const FileHeader& h);

// Fills a whole slot (slot_bytes_for(payload.size()) bytes) of physical row
// `row`, carrying the contents of logical row `holds`.
void encode_slot(std::span<uint8_t> out, uint32_t tile, uint32_t row, uint32_t slot, uint16_t holds,
                 uint64_t seq, std::span<const uint8_t> payload, float programmed_at = 0);

struct SlotCheck {
  bool valid = false;
  uint64_t seq = 0;
  float programmed_at = 0;
  uint16_t holds = kNoRow;
  std::string problem;  // why it is not valid
};
// Valid when magic and crc are right, tile, row and slot say it sits where it
// was read, and holds is possible for that row.
SlotCheck check_slot(std::span<const uint8_t> bytes, const Geometry& g, uint32_t tile, uint32_t row,
                     uint32_t slot);
std::span<const uint8_t> slot_payload(std::span<const uint8_t> bytes, uint32_t row_bytes);

}  // namespace hycim::nvm::format
