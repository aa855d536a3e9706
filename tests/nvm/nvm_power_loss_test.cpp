// Power loss, with writes really torn: each operation that writes an image (a
// row write, a spare claim, a rewrite on a spare, an age record) is cut by
// io::cut_power_after after every byte count it can reach, 0 up to all its
// bytes and then its fdatasync, the torn sector's tail left old or turned to
// garbage. After each cut the image must open and hold exactly what it held
// before the operation or exactly what the operation leaves: new precisely
// when every byte the record's checksum covers reached the file. A SIGKILL
// (nvm_kill_test.cpp) never tears a write, so only this test sees the slot
// checksum decide.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/nvm/format.hpp"
#include "sim/nvm/nvm_image.hpp"
#include "tests/nvm/pattern.hpp"
#include "tests/nvm/test_files.hpp"

namespace hycim::nvm {
namespace {

using test::row_pattern;
using Bytes = std::vector<uint8_t>;

// Everything a reopened image says about its rows and its age.
struct RowView {
  uint32_t physical = 0;
  uint64_t wear = 0;
  float programmed_at = 0;
  Bytes contents;
  bool operator==(const RowView&) const = default;
};
struct Snapshot {
  std::vector<RowView> rows;  // logical rows, tile-major
  std::vector<uint32_t> spares_used;
  double age_clock = 0;
  double age_seconds = 0;
  bool operator==(const Snapshot&) const = default;
};

Snapshot snapshot(const NvmImage& image) {
  const Geometry& g = image.geometry();
  Snapshot s;
  for (uint32_t t = 0; t < g.tiles; ++t) {
    s.spares_used.push_back(image.spares_used(t));
    for (uint32_t r = 0; r < g.rows_per_tile; ++r) {
      RowView v{image.physical_row(t, r), image.wear(t, r), image.programmed_at(t, r),
                Bytes(g.row_bytes)};
      image.read_row(t, r, v.contents);
      s.rows.push_back(std::move(v));
    }
  }
  s.age_clock = image.age().clock;
  s.age_seconds = image.age().seconds;
  return s;
}

// One operation to tear, on an image `setup` prepared. Its record is a slot
// of (tile, physical_row), or with `age` one of the age records.
struct Case {
  Geometry g;
  std::function<void(NvmImage&)> setup;
  std::function<void(NvmImage&)> op;
  uint32_t tile = 0;
  uint32_t physical_row = 0;
  bool age = false;
  // op run again on the reopened image rewrites the slot a torn op left bad
  // (a write_row does; a claim moves on to another spare).
  bool repairs = false;
};

// Where the operation's bytes go: `bytes` from `offset`, of which the record's
// checksum covers the first `checked`.
struct Record {
  uint64_t offset = 0;
  uint64_t bytes = 0;
  uint64_t checked = 0;
};

bool same(const Bytes& a, const Bytes& b, uint64_t from, uint64_t n) {
  return std::equal(a.begin() + static_cast<ptrdiff_t>(from),
                    a.begin() + static_cast<ptrdiff_t>(from + n),
                    b.begin() + static_cast<ptrdiff_t>(from));
}

// A torn repair write costs an fdatasync (milliseconds on a disk), so only
// every this-many cuts checks it; the cuts themselves never reach a sync.
constexpr uint64_t kRepairStride = 16;

class NvmPowerLoss : public ::testing::Test {
 protected:
  // Of the two records the case's operation may write, the one it did write
  // (between `before` and `after`); fails if bytes changed anywhere else.
  Record locate(const Case& c, const Bytes& before, const Bytes& after) {
    std::vector<Record> candidates;
    for (uint32_t i = 0; i < 2; ++i) {
      if (c.age)
        candidates.push_back(
            {format::kAgeRecordOffset[i], sizeof(format::AgeRecord), sizeof(format::AgeRecord)});
      else
        candidates.push_back({format::slot_offset(c.g, c.tile, c.physical_row, i),
                              format::slot_bytes_for(c.g.row_bytes),
                              sizeof(format::SlotHeader) + c.g.row_bytes});
    }
    auto first = std::mismatch(before.begin(), before.end(), after.begin()).first;
    auto at = static_cast<uint64_t>(first - before.begin());
    for (const Record& r : candidates) {
      if (at < r.offset || at >= r.offset + r.bytes) continue;
      Bytes masked = after;
      std::copy_n(before.begin() + static_cast<ptrdiff_t>(r.offset), r.bytes,
                  masked.begin() + static_cast<ptrdiff_t>(r.offset));
      EXPECT_EQ(masked, before) << "the operation wrote outside its record";
      return r;
    }
    ADD_FAILURE() << "the operation's first changed byte, " << at << ", is in neither record";
    return {};
  }

  // Tears c.op after every byte count with both tails and checks each
  // outcome; prints how many cuts left the old state and how many the new.
  void tear_everywhere(const Case& c) {
    std::filesystem::remove(path_);
    {
      NvmImage image = NvmImage::create(path_, c.g);
      c.setup(image);
    }
    const Bytes before = test::read_bytes(path_);
    const Snapshot old_state = snapshot(NvmImage::open(path_));
    {
      NvmImage image = NvmImage::open(path_);
      c.op(image);
    }
    const Bytes after = test::read_bytes(path_);
    const Snapshot new_state = snapshot(NvmImage::open(path_));
    ASSERT_NE(old_state, new_state) << "the operation changed nothing";
    for (size_t i = 0; i < old_state.rows.size(); ++i) {
      if (old_state.rows[i].physical == new_state.rows[i].physical) {
        ASSERT_GE(new_state.rows[i].wear, old_state.rows[i].wear) << "row " << i;
      }
    }
    const Record rec = locate(c, before, after);
    ASSERT_GT(rec.bytes, 0u);

    uint64_t kept_old = 0, took_new = 0;
    for (io::TornTail tail : {io::TornTail::kOld, io::TornTail::kGarbage}) {
      const char* tail_name = tail == io::TornTail::kOld ? "old" : "garbage";
      // rec.bytes: every byte written, power lost at the fdatasync; one more:
      // no cut at all.
      for (uint64_t cut = 0; cut <= rec.bytes + 1; ++cut) {
        SCOPED_TRACE(::testing::Message()
                     << "cut after " << cut << " of " << rec.bytes << " bytes, tail " << tail_name);
        test::write_bytes(path_, before);
        bool thrown = false;
        {
          NvmImage image = NvmImage::open(path_);
          io::cut_power_after(cut, tail);
          try {
            c.op(image);
          } catch (const io::PowerLost&) {
            thrown = true;
          }
        }
        ASSERT_EQ(io::restore_power(), thrown);
        ASSERT_EQ(thrown, cut <= rec.bytes) << "the operation writes a different byte count";

        const Bytes torn = test::read_bytes(path_);
        ASSERT_EQ(torn.size(), before.size());
        {
          Bytes masked = torn;
          std::copy_n(before.begin() + static_cast<ptrdiff_t>(rec.offset), rec.bytes,
                      masked.begin() + static_cast<ptrdiff_t>(rec.offset));
          ASSERT_EQ(masked, before) << "a byte outside the record changed";
        }
        // The oracle reads bytes, not the library's slot check: new exactly
        // when everything the checksum covers is the new record.
        const bool is_new = same(torn, after, rec.offset, rec.checked);
        const bool untouched = same(torn, before, rec.offset, rec.checked);

        std::optional<NvmImage> image;
        ASSERT_NO_THROW(image.emplace(NvmImage::open(path_))) << "the image no longer opens";
        ASSERT_EQ(snapshot(*image) == new_state, is_new)
            << (is_new ? "the whole new record is there but was not taken"
                       : "a mixed record was taken as the new contents");
        ASSERT_TRUE(is_new || snapshot(*image) == old_state) << "neither old nor new";
        (is_new ? took_new : kept_old) += 1;

        const VerifyReport report = image->verify();
        ASSERT_TRUE(report.ok()) << report.summary();
        if (c.age || is_new || untouched) {
          ASSERT_TRUE(report.clean()) << report.summary();
        } else {
          ASSERT_EQ(report.issues.size(), 1u) << report.summary();
          EXPECT_EQ(report.issues[0].tile, c.tile);
          EXPECT_EQ(report.issues[0].row, c.physical_row);
          EXPECT_EQ(report.issues[0].condition, RowCondition::kRepairedOnNextWrite);
          if (c.repairs && cut % kRepairStride == 0) {
            c.op(*image);
            ASSERT_TRUE(image->verify().clean()) << image->verify().summary();
          }
        }
      }
    }
    std::printf("%llu cuts: %llu left the old state, %llu the new\n",
                static_cast<unsigned long long>(kept_old + took_new),
                static_cast<unsigned long long>(kept_old),
                static_cast<unsigned long long>(took_new));
    // Both outcomes occur, or the cuts did not span the write.
    EXPECT_GT(kept_old, 0u);
    EXPECT_GT(took_new, 0u);
  }

  test::TempDir dir_;
  std::filesystem::path path_ = dir_.file("dev.nvm");
};

// A 64-byte slot, one sector; the write goes to slot 1 after two writes and
// to slot 0 after one.
TEST_F(NvmPowerLoss, ARowWriteIsOldOrNewAfterACutAtEveryByte) {
  const Geometry g{2, 8, 32};
  for (uint64_t writes : {1u, 2u}) {
    SCOPED_TRACE(::testing::Message() << writes << " writes before");
    tear_everywhere(
        {.g = g,
         .setup =
             [&](NvmImage& img) {
               img.write_row(0, 5, row_pattern(0, 5, 1, 32));
               for (uint64_t w = 1; w <= writes; ++w) img.write_row(1, 3, row_pattern(1, 3, w, 32));
             },
         .op = [&](NvmImage& img) { img.write_row(1, 3, row_pattern(1, 3, 9, 32), 2.5f); },
         .tile = 1,
         .physical_row = 3,
         .repairs = true});
  }
}

// A 1024-byte slot: two sectors, the second mostly padding, so a cut in the
// padding keeps the new row and garbage fills a sector the cut falls in.
TEST_F(NvmPowerLoss, AWideRowWriteIsOldOrNewAfterACutAtEveryByte) {
  const Geometry g{1, 4, 600};
  ASSERT_EQ(format::slot_bytes_for(g.row_bytes), 1024u);
  tear_everywhere(
      {.g = g,
       .setup = [&](NvmImage& img) { img.write_row(0, 2, row_pattern(0, 2, 1, 600)); },
       .op = [&](NvmImage& img) { img.write_row(0, 2, row_pattern(0, 2, 4, 600), 0, 3); },
       .tile = 0,
       .physical_row = 2,
       .repairs = true});
}

// A spare's first claim: the row stays in its own place with its old contents
// and wear, or lives on spare 0 with the new ones and wear 1.
TEST_F(NvmPowerLoss, ASpareClaimIsOldOrNewAfterACutAtEveryByte) {
  const Geometry g{2, 8, 32, 2};
  tear_everywhere({.g = g,
                   .setup =
                       [&](NvmImage& img) {
                         for (uint64_t w = 1; w <= 2; ++w)
                           img.write_row(1, 3, row_pattern(1, 3, w, 32));
                       },
                   .op = [&](NvmImage& img) { img.remap_row(1, 3, row_pattern(1, 3, 100, 32)); },
                   .tile = 1,
                   .physical_row = 8});
}

// A row on spare 0 moving on to spare 1: never back to its own place.
TEST_F(NvmPowerLoss, ASecondClaimIsOldOrNewAfterACutAtEveryByte) {
  const Geometry g{2, 8, 32, 2};
  tear_everywhere({.g = g,
                   .setup =
                       [&](NvmImage& img) {
                         img.remap_row(1, 3, row_pattern(1, 3, 100, 32));
                         img.write_row(1, 3, row_pattern(1, 3, 101, 32));
                       },
                   .op = [&](NvmImage& img) { img.remap_row(1, 3, row_pattern(1, 3, 200, 32)); },
                   .tile = 1,
                   .physical_row = 9});
}

// A rewrite of a row living on a spare alternates the spare's slots.
TEST_F(NvmPowerLoss, ARewriteOnASpareIsOldOrNewAfterACutAtEveryByte) {
  const Geometry g{2, 8, 32, 2};
  tear_everywhere({.g = g,
                   .setup = [&](NvmImage& img) { img.remap_row(1, 3, row_pattern(1, 3, 100, 32)); },
                   .op = [&](NvmImage& img) { img.write_row(1, 3, row_pattern(1, 3, 101, 32)); },
                   .tile = 1,
                   .physical_row = 8,
                   .repairs = true});
}

// What `hycim nvm age` writes: the age is the old one or the new one, clock
// and seconds together.
TEST_F(NvmPowerLoss, AnAgeRecordIsOldOrNewAfterACutAtEveryByte) {
  const Geometry g{2, 8, 32};
  tear_everywhere({.g = g,
                   .setup =
                       [&](NvmImage& img) {
                         img.set_age({1.0, 10});
                       },
                   .op =
                       [&](NvmImage& img) {
                         img.set_age({2.5, 20});
                       },
                   .age = true});
}

}  // namespace
}  // namespace hycim::nvm
