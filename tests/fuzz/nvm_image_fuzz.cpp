// libFuzzer target: NvmImage::open of an arbitrary file, then what a device
// does with an image it has opened: every row's place, wear and contents,
// verify(), the stored fault record parsed and the age read; on request one
// row written and one moved to a spare, then the image opened again.
//
// Input: one flags byte, then the file.
//   flags & 1  compact: the next bytes are the header block's records only,
//              in this order: FileHeader (64 bytes, at 0), age copy 0 (48, at
//              3072), age copy 1 (48, at 3584), the fault record's header (16,
//              at 512) and as much of its text as its `bytes` says and the
//              input has; the rest of the header block is zero and the
//              remaining bytes are the row blocks. Otherwise the file is the
//              input after the flags byte as it is.
//   flags & 2  fix up: header, fault record, age records and every slot with
//              the right magic get their correct crc, and a header with a
//              storable geometry its layout fields, so inputs reach the checks
//              behind the checksums.
//   flags & 4  write: after the checks, write row (flags >> 3) of tile 0 and
//              move it to the next free spare if there is one, then reopen.
// A refusal must be an NvmImageError with a message naming the image, and
// leave the file as it was; anything else (another exception, a crash, a
// sanitizer report, an accessor disagreeing with the file, a write by open or
// a read) aborts.
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/nvm/cell_faults.hpp"
#include "sim/nvm/format.hpp"
#include "sim/nvm/nvm_image.hpp"

namespace {

using namespace hycim::nvm;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "nvm_image_fuzz: %s\n", what);
  std::abort();
}

void require(bool ok, const char* what) {
  if (!ok) fail(what);
}

uint32_t crc_of(uint32_t crc, const void* data, size_t n) {
  return static_cast<uint32_t>(crc32(crc, static_cast<const Bytef*>(data), static_cast<uInt>(n)));
}

template <class T>
T load(const std::vector<uint8_t>& file, size_t at) {
  T v;
  std::memcpy(&v, file.data() + at, sizeof v);
  return v;
}

template <class T>
void store(std::vector<uint8_t>& file, size_t at, const T& v) {
  std::memcpy(file.data() + at, &v, sizeof v);
}

// The file of a compact input (see the top of the file).
std::vector<uint8_t> expand(const uint8_t* p, size_t n) {
  std::vector<uint8_t> file(format::kHeaderBlockBytes, 0);
  auto take = [&](size_t at, size_t want) {
    const size_t k = std::min(want, n);
    std::memcpy(file.data() + at, p, k);
    p += k;
    n -= k;
  };
  take(0, sizeof(format::FileHeader));
  take(format::kAgeRecordOffset[0], sizeof(format::AgeRecord));
  take(format::kAgeRecordOffset[1], sizeof(format::AgeRecord));
  take(format::kFaultRecordOffset, sizeof(format::FaultRecordHeader));
  const auto fh = load<format::FaultRecordHeader>(file, format::kFaultRecordOffset);
  take(format::kFaultRecordOffset + sizeof fh,
       std::min<size_t>(fh.bytes, format::kMaxFaultRecordBytes));
  file.insert(file.end(), p, p + n);
  return file;
}

void fix_up(std::vector<uint8_t>& file) {
  if (file.size() < format::kHeaderBlockBytes) return;
  auto h = load<format::FileHeader>(file, 0);
  const Geometry g = format::header_geometry(h);
  const bool storable = format::geometry_problem(g).empty();
  if (std::memcmp(h.magic, format::kMagic, sizeof h.magic) == 0) {
    if (storable) {
      h.header_bytes = format::kHeaderBlockBytes;
      h.slot_bytes = format::slot_bytes_for(g.row_bytes);
      h.file_bytes = format::file_bytes_for(g);
    }
    h.crc = crc_of(0, &h, offsetof(format::FileHeader, crc));
    store(file, 0, h);
  }
  auto fh = load<format::FaultRecordHeader>(file, format::kFaultRecordOffset);
  if (fh.magic == format::kFaultRecordMagic && fh.bytes <= format::kMaxFaultRecordBytes) {
    fh.crc = crc_of(0, file.data() + format::kFaultRecordOffset + sizeof fh, fh.bytes);
    store(file, format::kFaultRecordOffset, fh);
  }
  for (uint32_t at : format::kAgeRecordOffset) {
    auto a = load<format::AgeRecord>(file, at);
    if (a.magic != format::kAgeMagic) continue;
    a.crc = crc_of(0, &a, offsetof(format::AgeRecord, crc));
    store(file, at, a);
  }
  if (!storable || file.size() != format::file_bytes_for(g)) return;
  const uint32_t slot = format::slot_bytes_for(g.row_bytes);
  for (uint64_t at = format::kHeaderBlockBytes; at < file.size(); at += slot) {
    auto s = load<format::SlotHeader>(file, at);
    if (s.magic != format::kSlotMagic) continue;
    s.crc = crc_of(crc_of(0, &s, offsetof(format::SlotHeader, crc)), file.data() + at + sizeof s,
                   g.row_bytes);
    store(file, at, s);
  }
}

// A memfd under a path, so every input is a real file and nothing touches
// the disk.
struct MemFile {
  int fd = -1;
  std::string path;
  MemFile() {
    fd = memfd_create("nvm_image_fuzz", MFD_CLOEXEC);
    require(fd >= 0, "memfd_create failed");
    path = "/proc/self/fd/" + std::to_string(fd);
  }
  void set(const std::vector<uint8_t>& bytes) const {
    require(ftruncate(fd, 0) == 0, "ftruncate failed");
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t k = pwrite(fd, bytes.data() + done, bytes.size() - done, off_t(done));
      require(k > 0, "pwrite failed");
      done += size_t(k);
    }
  }
  // Whether the file still holds exactly `bytes`.
  bool holds(const std::vector<uint8_t>& bytes) const {
    std::vector<uint8_t> now(bytes.size() + 1);
    const ssize_t k = pread(fd, now.data(), now.size(), 0);
    return k == ssize_t(bytes.size()) && std::equal(bytes.begin(), bytes.end(), now.begin());
  }
};

// What an opened image must agree with: rows are in their place or on a
// spare no other row is on, reads succeed on the unchanged file, and
// verify() finds the file as open() did.
void check_open_image(const NvmImage& img, uint64_t file_bytes) {
  const Geometry& g = img.geometry();
  require(format::geometry_problem(g).empty(), "an opened geometry is not storable");
  require(file_bytes == format::file_bytes_for(g), "an opened file has the wrong size");
  std::vector<uint8_t> row(g.row_bytes);
  uint64_t remapped = 0;
  for (uint32_t t = 0; t < g.tiles; ++t) {
    const uint32_t used = img.spares_used(t);
    require(used <= g.spare_rows, "spares_used beyond the spare rows");
    std::vector<bool> taken(used, false);
    std::vector<NvmImage::Remap> want;
    for (uint32_t r = 0; r < g.rows_per_tile; ++r) {
      const uint32_t at = img.physical_row(t, r);
      img.read_row(t, r, row);
      (void)img.programmed_at(t, r);
      if (at == r) continue;
      require(at >= g.rows_per_tile && at < g.rows_per_tile + used,
              "physical_row outside the row and the used spares");
      require(!taken[at - g.rows_per_tile], "two rows on one spare");
      taken[at - g.rows_per_tile] = true;
      want.push_back({r, at, img.wear(t, r)});
      ++remapped;
    }
    // The highest spare holding a row is the newest place of that row.
    require(used == 0 || taken[used - 1], "the highest used spare holds no row");
    require(img.remaps(t) == want, "remaps() disagrees with physical_row()");
  }
  const VerifyReport v = img.verify();
  require(v.header_problem.empty(), "verify() finds a header problem open() did not");
  require(v.ok(), "verify() finds a row open() could read unreadable");
  require(v.rows_checked == g.physical_rows(), "verify() checked another number of rows");
  require(v.rows_remapped == remapped, "verify() counts other remaps");
  for (const RowIssue& i : v.issues)
    require(i.condition == RowCondition::kRepairedOnNextWrite, "verify() finds a diverged row");
  require(!v.summary().empty(), "empty verify summary");
  const NvmImage::Age age = img.age();
  // What set_age accepts is all an image can hold.
  require(age.clock >= 0 && age.seconds >= 0, "an age set_age would refuse");
  try {
    (void)from_record(img.fault_record());
  } catch (const std::invalid_argument& e) {
    require(e.what()[0] != '\0', "fault record refused without a message");
  }
}

// Whether a write was refused for the one reason an image may refuse one:
// a wear counter that cannot count the write's pulses.
bool wear_full(const NvmImageError& e) {
  return std::strstr(e.what(), "wear counter") != nullptr;
}

// One write and one remap of tile 0's row `r`, then a reopen that must find
// the row exactly where and as the image said.
void write_and_reopen(NvmImage img, uint32_t r, const std::string& path) {
  const Geometry g = img.geometry();
  r %= g.rows_per_tile;
  std::vector<uint8_t> data(g.row_bytes), want(g.row_bytes);
  for (size_t i = 0; i < data.size(); ++i) data[i] = uint8_t(i * 7 + r);
  img.read_row(0, r, want);
  const uint64_t wear = img.wear(0, r);
  try {
    img.write_row(0, r, data, 1.5f, 1);
    require(img.wear(0, r) == wear + 1, "write_row did not add its pulse");
    want = data;
  } catch (const NvmImageError& e) {
    require(wear_full(e) && wear == std::numeric_limits<uint64_t>::max(), "write_row refused");
    if (std::getenv("HYCIM_FUZZ_VERBOSE")) std::fprintf(stderr, "write refused: %s\n", e.what());
  }
  if (img.spares_used(0) < g.spare_rows) {
    data[0] ^= 0xff;
    try {
      img.remap_row(0, r, data, 2.5f, 1);
      require(img.physical_row(0, r) == g.rows_per_tile + img.spares_used(0) - 1,
              "remap_row did not take the next free spare");
      want = data;
    } catch (const NvmImageError& e) {
      require(wear_full(e), "remap_row refused with a free spare");
      if (std::getenv("HYCIM_FUZZ_VERBOSE")) std::fprintf(stderr, "remap refused: %s\n", e.what());
    }
  }
  const uint32_t at = img.physical_row(0, r);
  const uint64_t now = img.wear(0, r);
  { NvmImage closed = std::move(img); }
  try {
    const NvmImage again = NvmImage::open(path);
    check_open_image(again, format::file_bytes_for(g));
    std::vector<uint8_t> back(g.row_bytes);
    again.read_row(0, r, back);
    require(again.physical_row(0, r) == at, "the row moved on reopen");
    require(again.wear(0, r) == now, "the wear changed on reopen");
    require(back == want, "the row reads other contents after reopen");
  } catch (const NvmImageError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    fail("an image this process wrote is refused");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const MemFile file;
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  std::vector<uint8_t> bytes =
      (flags & 1) ? expand(data + 1, size - 1) : std::vector<uint8_t>(data + 1, data + size);
  if (flags & 2) fix_up(bytes);
  file.set(bytes);
  // HYCIM_FUZZ_VERBOSE set: the verdict on stderr, to see what a seed
  // exercises (`nvm_image_fuzz corpus/nvm_image/ok_torn_slot_1x2x8`).
  static const bool verbose = std::getenv("HYCIM_FUZZ_VERBOSE") != nullptr;
  try {
    NvmImage img = NvmImage::open(file.path);
    check_open_image(img, bytes.size());
    require(file.holds(bytes), "open or a read wrote to the file");
    if (verbose) std::fprintf(stderr, "opened: %s\n", img.verify().summary().c_str());
    if (flags & 4) write_and_reopen(std::move(img), flags >> 3, file.path);
  } catch (const NvmImageError& e) {
    require(std::strstr(e.what(), "NVM image ") == e.what(), "a refusal not naming the image");
    require(file.holds(bytes), "a refused image was written to");
    if (verbose) std::fprintf(stderr, "refused: %s\n", e.what());
  }
  return 0;
}
