#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora (tests/fuzz/corpus/<target>/).

Standard library only; the formats are written from their specifications
(docs/nvm-image.md, the .npy format, onnx.proto's TensorProto, the config
keys of sim/device and sim/tech), so a seed does not depend on the code it
tests. Run it from anywhere after changing a format or a seed:

    python3 tests/fuzz/make_seeds.py

It replaces the corpus directories; a seed named bad_* is an input the parser
must refuse (cleanly), every other one an input it must accept. Inputs a
longer campaign found worth keeping (scripts/fuzz.sh --merge) live next to
them under their libFuzzer hash names and are kept.
"""
import hashlib
import json
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def clear(target):
    d = os.path.join(CORPUS, target)
    if os.path.isdir(d):
        for n in os.listdir(d):
            if n.startswith(("ok_", "bad_")):
                os.remove(os.path.join(d, n))


# --- NVM images (docs/nvm-image.md; input layout: tests/fuzz/nvm_image_fuzz.cpp)

COMPACT, FIXUP, WRITE = 1, 2, 4
NO_ROW = 0xFFFF


def slot_bytes(row_bytes):
    need = 32 + row_bytes
    if need <= 512:
        return max(64, 1 << (need - 1).bit_length())
    return (need + 511) // 512 * 512


def file_header(tiles, rows, row_bytes, spares, version=3, crc=True):
    size = 4096 + tiles * (rows + spares) * 2 * slot_bytes(row_bytes)
    h = b"HYCIMNVM" + struct.pack(
        "<IIIIIIQI16s", version, 4096, tiles, rows, row_bytes, slot_bytes(row_bytes), size,
        spares, bytes(16))
    return h + struct.pack("<I", zlib.crc32(h) if crc else 0)


def age_record(copy, seq, clock, seconds):
    a = struct.pack("<IIQdd12s", 0x414D564E, copy, seq, clock, seconds, bytes(12))
    return a + struct.pack("<I", zlib.crc32(a))


def fault_record(text):
    t = text.encode()
    return struct.pack("<IIII", 0x464D564E, len(t), zlib.crc32(t), 0) + t


def slot(tile, row, n, holds, seq, payload, at=0.0, crc=True):
    h = struct.pack("<IIIfQHH", 0x534D564E, tile, row, at, seq, n, holds)
    c = zlib.crc32(payload, zlib.crc32(h)) if crc else 0
    body = h + struct.pack("<I", c) + payload
    return body + bytes(slot_bytes(len(payload)) - len(body))


def rows(tiles, rows_per_tile, row_bytes, spares, overrides=None):
    """Every physical row fresh (both slots valid, seq 0), with overrides:
    {(tile, physical row, slot): (holds, seq, payload byte) or bytes}."""
    overrides = overrides or {}
    out = b""
    for t in range(tiles):
        for r in range(rows_per_tile + spares):
            for n in (0, 1):
                holds = r if r < rows_per_tile else NO_ROW
                o = overrides.get((t, r, n))
                if isinstance(o, bytes):
                    out += o
                elif o is None:
                    out += slot(t, r, n, holds, 0, bytes(row_bytes))
                else:
                    out += slot(t, r, n, o[0], o[1], bytes([o[2]]) * row_bytes)
    return out


def compact(flags, header, age0, age1, fault, body):
    return bytes([flags]) + header + age0 + age1 + fault + body


def full_file(header, age0, age1, fault, body):
    block = bytearray(4096)
    block[0:64] = header
    block[3072:3120] = age0
    block[3584:3632] = age1
    block[512:512 + len(fault)] = fault
    return bytes(block) + body


RRAM_MODEL = {"name": "rram", "stuck_at_0": 1e-06, "stuck_at_1": 5e-06,
              "retention": {"ea_ev": 1.2, "ber": 1e-05, "time_s": 315576000, "temp_c": 85},
              "read_disturb": 1e-12, "write_error_rate": 1e-06, "endurance": 100000.0}
RRAM_RECORD = json.dumps({"model": RRAM_MODEL, "seed": 7, "ecc": "secded", "spare_rows": 1},
                         separators=(",", ":"))
# A record whose seed is no 64-bit integer.
BAD_SEED_RECORD = json.dumps({"model": RRAM_MODEL, "seed": 1e300, "ecc": "none"},
                             separators=(",", ":"))


def nvm_seeds():
    t = "nvm_image"
    clear(t)
    fresh_age = age_record(0, 0, 0.0, 0.0)
    no_age = bytes(48)
    empty_fault = fault_record("")
    # A fresh 1 x 2 x 8 image with one spare, as create() writes it.
    write(t, "ok_fresh_1x2x8_spare1", compact(
        COMPACT, file_header(1, 2, 8, 1), fresh_age, no_age, empty_fault, rows(1, 2, 8, 1)))
    # The same, as a whole file (not compact), written again and reopened.
    write(t, "ok_fresh_raw_1x1x4", bytes([WRITE]) + full_file(
        file_header(1, 1, 4, 0), fresh_age, no_age, empty_fault, rows(1, 1, 4, 0)))
    # Two tiles: tile 0 row 1 on spare 0; tile 1 row 0 moved on from spare 0
    # to spare 1 (the highest wins); the newer age in copy 1; a fault record.
    moved = {(0, 1, 1): (1, 3, 0x11), (0, 2, 1): (1, 1, 0x21),
             (1, 2, 1): (0, 1, 0x31), (1, 3, 0): (0, 2, 0x41)}
    write(t, "ok_remapped_2x2x8_spare2", compact(
        COMPACT | WRITE, file_header(2, 2, 8, 2), fresh_age, age_record(1, 4, 0.25, 3600.0),
        fault_record(RRAM_RECORD), rows(2, 2, 8, 2, moved)))
    # A torn write: tile 0 row 0's slot 1 damaged; readable, repaired on the
    # next write.
    torn = {(0, 0, 1): slot(0, 0, 1, 0, 9, bytes(8), crc=False)}
    write(t, "ok_torn_slot_1x2x8", compact(
        COMPACT | WRITE, file_header(1, 2, 8, 0), fresh_age, no_age, empty_fault,
        rows(1, 2, 8, 0, torn)))
    # Checksums left zero for the fuzzer's fix-up to fill in; a wear counter
    # at its limit, which the next write must refuse, not wrap.
    full = {(0, 0, 0): (0, 2**64 - 1, 0x55)}
    write(t, "ok_fixup_wear_at_limit", compact(
        COMPACT | FIXUP | WRITE, file_header(1, 1, 4, 0, crc=False), fresh_age, no_age,
        empty_fault, rows(1, 1, 4, 0, full)))
    # A spare whose claim would overflow its wear counter.
    spare_full = {(0, 1, 0): (NO_ROW, 2**64 - 1, 0), (0, 1, 1): (NO_ROW, 2**64 - 1, 0)}
    write(t, "ok_spare_wear_at_limit", compact(
        COMPACT | WRITE, file_header(1, 1, 4, 1), fresh_age, no_age, empty_fault,
        rows(1, 1, 4, 1, spare_full)))
    # Refusals.
    write(t, "bad_empty", bytes([0]))
    write(t, "bad_truncated_header", bytes([0]) + file_header(1, 2, 8, 1)[:40])
    write(t, "bad_version2", compact(
        COMPACT, file_header(1, 2, 8, 0, version=2), fresh_age, no_age, empty_fault,
        rows(1, 2, 8, 0)))
    both = {(0, 1, 0): slot(0, 1, 0, 1, 0, bytes(8), crc=False),
            (0, 1, 1): slot(0, 0, 1, 0, 0, bytes(8))}
    write(t, "bad_row_lost", compact(
        COMPACT, file_header(1, 2, 8, 0), fresh_age, no_age, empty_fault,
        rows(1, 2, 8, 0, both)))
    impossible = {(0, 2, 0): (5, 1, 0), (0, 2, 1): (5, 2, 0)}
    write(t, "bad_spare_holds_impossible_row", compact(
        COMPACT, file_header(1, 2, 8, 1), fresh_age, no_age, empty_fault,
        rows(1, 2, 8, 1, impossible)))
    write(t, "bad_trailing_data", compact(
        COMPACT, file_header(1, 1, 4, 0), fresh_age, no_age, empty_fault,
        rows(1, 1, 4, 0) + b"x"))
    write(t, "bad_age_records", compact(
        COMPACT, file_header(1, 1, 4, 0), no_age, no_age, empty_fault, rows(1, 1, 4, 0)))
    # An age set_age would refuse, with a right checksum.
    write(t, "bad_negative_age", compact(
        COMPACT, file_header(1, 1, 4, 0), age_record(0, 0, -1.0, 0.0), no_age, empty_fault,
        rows(1, 1, 4, 0)))
    write(t, "ok_image_with_bad_fault_record", compact(
        COMPACT, file_header(1, 1, 4, 0), fresh_age, no_age,
        fault_record(BAD_SEED_RECORD), rows(1, 1, 4, 0)))


# --- .npy and TensorProto files (input: a selector byte, then the file)

NPY, PB = 0, 1


def npy(descr, shape, data, version=1, fortran=False, header=None):
    if header is None:
        dims = "".join(f"{d}," for d in shape) if len(shape) == 1 else ",".join(map(str, shape))
        header = (f"{{'descr': '{descr}', 'fortran_order': {fortran}, "
                  f"'shape': ({dims}), }}")
    head = header.encode()
    lead = 10 if version == 1 else 12
    head += b" " * ((64 - (lead + len(head) + 1) % 64) % 64) + b"\n"
    size = struct.pack("<H", len(head)) if version == 1 else struct.pack("<I", len(head))
    return b"\x93NUMPY" + bytes([version, 0]) + size + head + data


def varint(n):
    n &= (1 << 64) - 1
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def field(number, wire, payload):
    key = varint(number << 3 | wire)
    if wire == 0:
        return key + varint(payload)
    return key + varint(len(payload)) + payload


def tensor_proto(dims=(), dtype=1, name=None, raw=None, packed=None, location=None):
    """packed: (field number, struct format, values)."""
    out = b"".join(field(1, 0, d) for d in dims) + field(2, 0, dtype)
    if packed:
        number, fmt, values = packed
        if fmt in ("q", "Q", "i"):
            body = b"".join(varint(v) for v in values)
        else:
            body = struct.pack("<" + fmt * len(values), *values)
        out += field(number, 2, body)
    if name is not None:
        out += field(8, 2, name.encode())
    if raw is not None:
        out += field(9, 2, raw)
    if location is not None:
        out += field(14, 0, location)
    return out


def tensor_seeds():
    t = "tensor_file"
    clear(t)
    n = lambda data: bytes([NPY]) + data  # noqa: E731
    p = lambda data: bytes([PB]) + data  # noqa: E731
    write(t, "ok_npy_f4_2x3", n(npy("<f4", (2, 3), struct.pack("<6f", *range(6)))))
    write(t, "ok_npy_u1_scalar", n(npy("|u1", (), b"\x07")))
    write(t, "ok_npy_i8_empty", n(npy("<i8", (0,), b"")))
    write(t, "ok_npy_b1_4", n(npy("|b1", (4,), b"\x00\x01\x02\x00")))
    write(t, "ok_npy_v2_f8", n(npy("<f8", (1,), struct.pack("<d", 2.5), version=2)))
    write(t, "bad_npy_fortran", n(npy("<f4", (2,), bytes(8), fortran=True)))
    write(t, "bad_npy_big_endian", n(npy(">f4", (1,), bytes(4))))
    write(t, "bad_npy_truncated_data", n(npy("<i4", (3,), bytes(8))))
    write(t, "bad_npy_shape_text", n(npy("<f4", (), b"",
                                         header="{'descr': '<f4', 'fortran_order': False, "
                                                "'shape': (x,), }")))
    write(t, "bad_npy_shape_overflow", n(npy("<f4", (2**62,), b"")))
    write(t, "bad_npy_short_v3", n(b"\x93NUMPY\x03\x00\x00\x00"))
    write(t, "ok_pb_f32_raw_2x2", p(tensor_proto((2, 2), 1, "x",
                                                 raw=struct.pack("<4f", 1, 2, 3, 4))))
    write(t, "ok_pb_i32_values", p(tensor_proto((3,), 6, packed=(5, "i", [1, -2, 3]))))
    write(t, "ok_pb_i64_values", p(tensor_proto((2,), 7, packed=(7, "q", [5, -6]))))
    write(t, "ok_pb_f64_values", p(tensor_proto((1,), 11, packed=(10, "d", [0.5]))))
    write(t, "ok_pb_bool_raw", p(tensor_proto((3,), 9, raw=b"\x01\x00\x01")))
    write(t, "ok_pb_u64_values", p(tensor_proto((1,), 13, packed=(11, "Q", [2**63]))))
    write(t, "bad_pb_external", p(tensor_proto((1,), 1, location=1)))
    write(t, "bad_pb_string_type", p(tensor_proto((1,), 8)))
    write(t, "bad_pb_raw_size", p(tensor_proto((2,), 1, raw=bytes(4))))
    write(t, "bad_pb_huge_dims", p(tensor_proto((2**40, 2**30), 1)))
    write(t, "bad_pb_negative_dim", p(tensor_proto((-1,), 1)))
    # 2^28 floats claimed, none given: refused before 1 GiB is allocated.
    write(t, "bad_pb_claims_1gib", p(tensor_proto((2**28,), 1)))
    write(t, "bad_pb_not_protobuf", p(b"\xff\xff\xff"))


# --- JSON configs (input: the JSON text, then optionally a NUL byte and the
# contents of the file f.json the JSON may name)

def compact_json(v):
    return json.dumps(v, separators=(",", ":"))


def tech_values():
    with open(os.path.join(HERE, "..", "..", "spec", "tech", "cmos28.json")) as f:
        t = json.load(f)
    bare = {k: (v["value"] if isinstance(v, dict) and "value" in v else v) for k, v in t.items()}
    for sub in ("energy_fj", "area_um2"):
        bare[sub] = {k: v["value"] for k, v in t[sub].items()}
    bare["doc"] = "cmos28 with bare numbers"
    return bare


def config_seeds():
    t = "config_json"
    clear(t)
    w = lambda name, v, side=None: write(  # noqa: E731
        t, name, (v if isinstance(v, str) else compact_json(v)) +
        ("" if side is None else "\0" + (side if isinstance(side, str) else compact_json(side))))
    w("ok_device_preset", {"preset": "edge", "engine": "functional", "tech": "hycim22"})
    w("ok_device_full", {"tile_config": "small", "tiles": 2, "tile_kind": "model",
                         "nvm_image": "dev.img", "timing": {"clock_mhz": 100,
                                                            "energy_pj": {"lane_add": 0.1}},
                         "faults": {"model": "rram", "seed": 3, "ecc": "none",
                                    "spare_rows": 4, "temp_c": 60, "verify_retries": 2,
                                    "scrub_interval_s": 86400, "age_s": 3600,
                                    "age_temp_c": 150}})
    w("ok_faults_name", "\"pcm\"")
    w("ok_faults_file", {"model": "f.json", "seed": 1},
      {"stuck_at_0": 0, "stuck_at_1": 0, "read_disturb": 0, "write_error_rate": 1e-6,
       "endurance": 1e5, "retention": {"ea_ev": 1, "ber": 1e-5, "time_s": 1e8, "temp_c": 85,
                                       "flips_to": 1}})
    w("ok_timing", {"clock_mhz": 250, "nvm_read_ns": 2, "ecc_decode_cycles": 1,
                    "energy_pj": {"dma_byte": 1.5}})
    w("ok_tech_cmos28_bare", tech_values())
    w("ok_tech_scaled", {"name": "t16", "scale_from": "cmos28", "node_nm": 16, "vdd": 0.7,
                         "clock_mhz": 100, "calibration": {"energy": 1.1, "macros": ["m"]}})
    w("ok_device_tech_file", {"tech": "f.json"},
      {"name": "t", "scale_from": "hycim22", "node_nm": 22, "vdd": 0.8, "clock_mhz": 150})
    w("ok_fault_record", RRAM_RECORD)
    w("bad_tiles_float", {"tiles": 1e300})
    w("bad_tiles_bool", {"tiles": True})
    w("bad_tiles_wrap", {"tiles": 2**32 + 1})
    w("bad_unknown_key", {"tile_config": "small", "colour": "red"})
    w("bad_preset_and_tiles", {"preset": "cnn", "tiles": 3})
    w("bad_faults_seed_float", {"model": "rram", "seed": -1.5e300})
    w("bad_record_seed_float", BAD_SEED_RECORD)
    w("bad_faults_file_array", {"model": "f.json"}, "[1,2]")
    w("bad_tech_scales_itself", {"tech": "f.json"},
      {"name": "loop", "scale_from": "f.json", "node_nm": 22, "vdd": 0.8, "clock_mhz": 100})
    w("bad_timing_clock", {"clock_mhz": 1000, "nvm_read_ns": 5})
    w("bad_file_number_overflow", {"tech": "f.json"}, '{"node_nm": 1e666666}')
    w("bad_not_json", "{\"tiles\": ")


# --- NVM residency catalogs (docs/runtime.md; input: the file, read for a
# device of 4 tiles x 64 NVM rows x 8 lanes: tests/fuzz/residency_catalog_fuzz.cpp)

def zero_rows_hash(rows, lanes=8):
    return hashlib.sha256(bytes(rows * lanes)).hexdigest()


def catalog(blocks, generation=3, geometry=None, fmt="hycim-resident-catalog", version=1):
    return {"format": fmt, "version": version,
            "geometry": geometry or {"tiles": 4, "nvm_rows": 64, "lanes": 8},
            "generation": generation, "blocks": blocks}


def block(tile, row, rows, h=None, label="m.onnx:0:fc k[0,8) n[0,8)", last_used=2):
    return {"hash": h or zero_rows_hash(rows), "tile": tile, "row": row, "rows": rows,
            "label": label, "last_used": last_used}


def catalog_seeds():
    target = "residency_catalog"
    clear(target)

    def w(name, doc):
        write(target, name, doc if isinstance(doc, str) else json.dumps(doc, indent=1))

    stale = "ab" * 32
    w("ok_empty", catalog([]))
    w("ok_resident_and_stale", catalog([block(0, 0, 2), block(1, 8, 3, h=stale, last_used=1)]))
    w("ok_full_device", catalog([block(t, 0, 64, h=stale, last_used=t) for t in range(4)]))
    w("ok_last_rows", catalog([block(3, 62, 2, label="")], generation=0))
    w("bad_not_json", '{"format": "hycim-resident-catalog", ')
    w("bad_format", catalog([], fmt="other"))
    w("bad_version", catalog([], version=2))
    w("bad_geometry", catalog([], geometry={"tiles": 4, "nvm_rows": 512, "lanes": 32}))
    w("bad_geometry_missing", {"format": "hycim-resident-catalog", "version": 1})
    w("bad_block_outside", catalog([block(4, 0, 2)]))
    w("bad_block_wraps", catalog([block(0, 2**32 - 1, 2)]))
    w("bad_block_short_hash", catalog([block(0, 0, 2, h="abc")]))
    w("bad_block_overlap", catalog([block(0, 0, 4), block(0, 2, 4, h=stale)]))
    w("bad_generation_string", catalog([], generation="3"))
    w("bad_blocks_object", catalog({"a": 1}))
    w("bad_block_not_object", catalog([7]))
    w("bad_number_overflow", '{"format": "hycim-resident-catalog", "version": 1e999}')


# --- Packed datasets (runtime/data/format.hpp; input layout:
# tests/fuzz/dataset_fuzz.cpp: flags, u16 index length, index, then shards
# as u16 length + bytes)

FIX_INDEX, FIX_DATA = 1, 2


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def dataset_index(shards, samples, names, labels, total=None, crc=True, version=1):
    """shards: [(bytes, first, count, crc)], samples: [(offset, length, shard, crc, label)]."""
    blob = b"".join(n.encode() + b"\0" for n in names + labels)
    body = b"".join(struct.pack("<QQII", *s) for s in shards)
    body += b"".join(struct.pack("<QIIIi", *e) for e in samples) + blob
    if total is None:
        total = sum(e[1] for e in samples)

    def header(body_crc, header_crc):
        return struct.pack("<8sIIQIIQQII8s", b"HYCDIDX1", version, 64, len(samples), len(shards),
                           len(labels), len(blob), total, body_crc, header_crc, bytes(8))

    body_crc = crc32c(body) if crc else 0
    h = header(body_crc, 0)
    return header(body_crc, crc32c(h) if crc else 0) + body


def packed(data_by_shard, labels=("cat", "dog"), crc=True):
    """A dataset as pack.cpp writes it: samples back to back in each shard."""
    shards, samples, names = [], [], []
    for s, items in enumerate(data_by_shard):
        off, first = 0, len(samples)
        for i, d in enumerate(items):
            samples.append((off, len(d), s, crc32c(d), i % len(labels)))
            names.append("%s/%d_%d.bin" % (labels[i % len(labels)], s, i))
            off += len(d)
        blob = b"".join(items)
        shards.append((len(blob), first, len(items), crc32c(blob)))
    files = [b"".join(items) for items in data_by_shard]
    return dataset_index(shards, samples, names, list(labels), crc=crc), files


def dataset_input(flags, index, shard_files):
    out = bytes([flags]) + struct.pack("<H", len(index)) + index
    for i, f in enumerate(shard_files):
        out += (struct.pack("<H", len(f)) if i < 3 else b"") + f
    return out


def dataset_seeds():
    target = "dataset"
    clear(target)
    w = lambda name, *a: write(target, name, dataset_input(*a))
    two = [[b"abc", b"defgh", b"i"], [b"0123456789"]]
    index, files = packed(two)
    w("ok_two_shards", 0, index, files)
    w("ok_fixed_up", FIX_INDEX | FIX_DATA, *packed(two, crc=False))
    w("ok_empty", 0, *packed([], labels=()))
    w("ok_no_labels", 0, dataset_index([(4, 0, 1, crc32c(b"wxyz"))], [(0, 4, 0, crc32c(b"wxyz"), -1)],
                                       ["a.bin"], []), [b"wxyz"])
    bad = bytearray(files[0])
    bad[1] ^= 1
    w("bad_sample_crc", 0, index, [bytes(bad), files[1]])
    w("bad_shard_truncated", 0, index, [files[0][:4], files[1]])
    w("bad_shard_appended", 0, index, [files[0] + b"!", files[1]])
    w("bad_shard_missing", 0, index, files[:1])
    w("bad_index_crc", 0, index[:-1] + b"x", files)
    w("bad_magic", FIX_INDEX, b"HYCDIDX2" + index[8:], files)
    w("bad_version", 0, dataset_index([], [], [], [], version=2), [])
    w("bad_names_short", FIX_INDEX, index[:-2], files)
    # Bytes between samples: covered by the whole-shard checksum only.
    w("ok_gap_between_samples", FIX_INDEX | FIX_DATA,
      dataset_index([(8, 0, 2, 0)], [(0, 2, 0, 0, 0), (4, 4, 0, 0, 0)], ["a", "b"], ["x"]),
      [b"aa__bbbb"])
    w("bad_huge_sample_count", FIX_INDEX,
      struct.pack("<8sIIQIIQQII8s", b"HYCDIDX1", 1, 64, 2**40, 0, 0, 0, 0, 0, 0, bytes(8)), [])
    w("bad_offset_wraps", FIX_INDEX | FIX_DATA,
      dataset_index([(4, 0, 1, 0)], [(2**64 - 2, 4, 0, 0, 0)], ["a"], ["x"]), [b"abcd"])
    w("bad_shard_range", FIX_INDEX | FIX_DATA,
      dataset_index([(4, 0, 5, 0)], [(0, 4, 0, 0, 0)], ["a"], ["x"]), [b"abcd"])


# --- Memory-planner traces and plans (docs/memplan.md; input: the trace's
# JSON, then optionally a NUL byte and the plan's)

def memplan_trace(ops=None, tensors=None, **top):
    t = {"format": "hycim-memplan-trace", "version": 1, "network": "tiny", "batch": 2,
         "tensors": tensors if tensors is not None else [
             {"name": "w", "kind": "weight", "bytes": 64},
             {"name": "x", "kind": "input", "bytes": 32},
             {"name": "a", "kind": "activation", "bytes": 128, "sparsity": 0.5},
             {"name": "b", "kind": "activation", "bytes": 96, "recompute_us": 3},
             {"name": "g", "kind": "gradient", "bytes": 96},
             {"name": "wg", "kind": "weight_grad", "bytes": 64}],
         "ops": ops if ops is not None else [
             {"name": "fc1", "phase": "forward", "compute_us": 10, "reads": ["w", "x"], "writes": ["a"]},
             {"name": "relu", "phase": "forward", "compute_us": 1, "reads": ["a"], "writes": ["b"]},
             {"name": "loss", "phase": "backward", "compute_us": 2, "reads": ["b"], "writes": ["g"]},
             {"name": "fc1_bwd", "phase": "backward", "compute_us": 20, "reads": ["g", "a", "w"],
              "writes": ["wg"]}]}
    t.update(top)
    return t


def memplan_seeds():
    target = "memplan_files"
    clear(target)

    def w(name, trace, plan=None):
        text = trace if isinstance(trace, str) else json.dumps(trace)
        if plan is not None:
            text += "\0" + (plan if isinstance(plan, str) else json.dumps(plan))
        write(target, name, text)

    plan = lambda tensors, off=(): {"format": "hycim-memplan-plan", "version": 1,
                                    "planner": "seed", "tensors": tensors, "offloaded": list(off)}
    w("ok_trace", memplan_trace())
    w("ok_plan_swap", memplan_trace(), plan([{"name": "a", "action": "swap", "compressed": True,
                                              "free_at": "relu", "swap_in_at": "fc1_bwd"}]))
    w("ok_plan_recompute", memplan_trace(), plan([{"name": "a", "action": "recompute",
                                                   "remat_at": "fc1_bwd"},
                                                  {"name": "b", "action": "keep"}]))
    infer = memplan_trace(ops=[{"name": "fc", "phase": "inference", "compute_us": 5,
                                "reads": ["w", "x"], "writes": ["a"]}],
                          tensors=[{"name": "w", "kind": "weight", "bytes": 64},
                                   {"name": "x", "kind": "input", "bytes": 8},
                                   {"name": "a", "kind": "activation", "bytes": 8}])
    w("ok_plan_offload", infer, plan([], ["fc"]))
    w("ok_plan_null_slot", memplan_trace(), plan([{"name": "a", "action": "recompute",
                                                   "remat_at": None}]))
    w("ok_plan_invalid_slots", memplan_trace(), plan([{"name": "a", "action": "swap",
                                                       "free_at": "fc1", "swap_in_at": "fc1"}]))
    w("bad_trace_format", memplan_trace(format="other"))
    w("bad_trace_version", memplan_trace(version=2))
    w("bad_trace_not_json", '{"format": "hycim-memplan-trace", "ops": [')
    w("bad_trace_number_overflow", '{"format": "hycim-memplan-trace", "version": 1e999}')
    w("bad_trace_version_float", memplan_trace(version=1e300))
    w("bad_trace_read_before_write", memplan_trace(ops=[
        {"name": "f", "phase": "forward", "compute_us": 1, "reads": ["a"], "writes": ["b"]}]))
    w("bad_trace_two_writers", memplan_trace(ops=[
        {"name": "f", "phase": "forward", "compute_us": 1, "reads": ["x"], "writes": ["a"]},
        {"name": "g", "phase": "forward", "compute_us": 1, "reads": ["x"], "writes": ["a"]}]))
    w("bad_trace_bytes", memplan_trace(tensors=[{"name": "x", "kind": "input", "bytes": 0}]))
    w("bad_trace_unknown_tensor", memplan_trace(ops=[
        {"name": "f", "phase": "forward", "compute_us": 1, "reads": ["nope"], "writes": []}]))
    w("bad_plan_unknown_tensor", memplan_trace(), plan([{"name": "zz", "action": "swap"}]))
    w("bad_plan_unknown_op", memplan_trace(), plan([{"name": "a", "action": "recompute",
                                                     "remat_at": "nope"}]))
    w("bad_plan_action", memplan_trace(), plan([{"name": "a", "action": "drop"}]))
    w("bad_plan_offloaded_unknown", memplan_trace(), plan([], ["nope"]))
    w("bad_plan_tensor_not_object", memplan_trace(), plan([3]))
    w("bad_plan_compressed_string", memplan_trace(), plan([{"name": "a", "action": "swap",
                                                            "compressed": "yes"}]))


# --- Row-owner tables (driver/sim/engine/row_owners.hpp, docs/driver.md "Row
# ownership"; input: the table file, read for 2 tiles x 32 NVM rows, then
# optionally a NUL byte and operations of 6 bytes each:
# tests/fuzz/row_owners_fuzz.cpp)

ADMIT, SET_ROWS = 0, 1
OWNER_A, OWNER_B, OWNER_1 = 0, 2, 4  # the harness's two owners, the file's first
NOP, WRITE_SRAM, READ_SRAM, PROGRAM_NVM, MVM, EMUL, FENCE, READ_WEAR, SCRUB = range(9)
RELEASE, SHARE, UNSHARE = range(3)


def owners_table(rows, owners=(), tiles=2, nvm_rows=32, fmt="hycim-row-owners", version=1,
                 **extra):
    t = {"format": fmt, "version": version, "tiles": tiles, "nvm_rows": nvm_rows,
         "owners": list(owners), "rows": rows}
    t.update(extra)
    return t


def owner_op(kind, who, b1, tile, row, count, row2=0):
    """One operation: admit (b1 the opcode, row2 - 28 the MVM/EMUL SRAM row)
    or set_rows (b1 the RowsOp)."""
    return bytes([kind | who, b1, tile, row, count, row2])


def row_owners_seeds():
    target = "row_owners"
    clear(target)

    def w(name, doc, ops=()):
        text = (doc if isinstance(doc, str) else json.dumps(doc, indent=1)).encode()
        write(target, name, text + (b"\0" + b"".join(ops) if ops else b""))

    a = lambda *f: owner_op(ADMIT, *f)  # noqa: E731
    s = lambda *f: owner_op(SET_ROWS, *f)  # noqa: E731
    w("ok_empty", owners_table([]), [
        a(OWNER_A, PROGRAM_NVM, 0, 0, 4),  # claims tile 0 rows 0-3
        a(OWNER_B, PROGRAM_NVM, 0, 2, 4),  # refused at row 2
        a(OWNER_B, MVM, 0, 0, 8, 4),  # refused: A's weights
        s(OWNER_A, SHARE, 0, 0, 4),
        a(OWNER_B, MVM, 0, 0, 8, 4),  # reads A's shared rows
        a(OWNER_A, PROGRAM_NVM, 0, 0, 1),  # refused: shared
        s(OWNER_A, RELEASE, 0, 0, 4),  # refused: shared
        s(OWNER_A, UNSHARE, 0, 0, 4),
        s(OWNER_A, RELEASE, 0, 0, 2),
        a(OWNER_B, READ_SRAM, 0, 0, 2),  # refused: released
        a(OWNER_B, SCRUB, 0, 0, 2),
        a(OWNER_B, PROGRAM_NVM, 0, 0, 2),  # claims the released rows
        a(OWNER_A, EMUL, 1, 31, 0, 4),
        a(OWNER_A, PROGRAM_NVM, 2, 0, 1),  # tile 2: the device refuses it
        a(OWNER_A, WRITE_SRAM, 0, 32, 4),
        s(OWNER_B, RELEASE, 0, 30, 4),  # past the last NVM row
    ])
    w("ok_owned_shared_released", owners_table(
        [[0, 0, 8, 1, "owned"], [0, 8, 4, 1, "shared"], [0, 12, 2, 0, "released"],
         [1, 0, 16, 2, "owned"], [1, 16, 16, 2, "shared"]],
        owners=["uid:1002/weights", "uid:1003/scratch"]), [
        a(OWNER_1, PROGRAM_NVM, 0, 0, 8),
        a(OWNER_A, PROGRAM_NVM, 0, 10, 2),  # refused: shared
        a(OWNER_A, MVM, 0, 8, 4, 4),
        a(OWNER_A, READ_SRAM, 0, 12, 1),  # refused: released
        a(OWNER_A, SCRUB, 0, 12, 2),
        a(OWNER_A, SCRUB, 1, 16, 1),  # refused: another's shared row
        a(OWNER_1, SCRUB, 0, 8, 4),
        s(OWNER_1, RELEASE, 0, 4, 4),
        s(OWNER_1, RELEASE, 0, 8, 1),  # refused: shared
        s(OWNER_A, SHARE, 1, 0, 1),  # refused: not A's
        a(OWNER_B, PROGRAM_NVM, 0, 4, 10),  # refused at row 8
        a(OWNER_B, PROGRAM_NVM, 0, 12, 2),
    ])
    w("ok_last_row_released", owners_table([[1, 31, 1, 0, "released"]], owners=["uid:0/default"]))
    w("ok_owners_without_rows", owners_table([], owners=["uid:5/a", "uid:6/b", "uid:7/c"]))
    w("ok_whole_device", owners_table([[0, 0, 32, 1, "owned"], [1, 0, 32, 1, "shared"]],
                                      owners=["uid:1000/default"]), [
        a(OWNER_B, MVM, 1, 0, 32, 4),
        a(OWNER_B, MVM, 0, 0, 32, 4),  # refused at row 0
        s(OWNER_A, RELEASE, 0, 0, 32),
    ])
    w("bad_tiles", owners_table([], tiles=4))
    w("bad_nvm_rows", owners_table([], nvm_rows=512))
    w("bad_overlapping_runs", owners_table([[0, 0, 4, 1, "owned"], [0, 2, 4, 1, "shared"]],
                                           owners=["uid:1/x"]))
    w("bad_owner_out_of_range", owners_table([[0, 0, 1, 3, "owned"]], owners=["uid:1/x", "uid:2/y"]))
    w("bad_unknown_key", owners_table([], colour="red"))
    w("bad_missing_rows", {"format": "hycim-row-owners", "version": 1, "tiles": 2,
                           "nvm_rows": 32, "owners": []})
    w("bad_format", owners_table([], fmt="hycim-resident-catalog"))
    w("bad_version", owners_table([], version=2))
    w("bad_released_with_owner", owners_table([[0, 0, 1, 1, "released"]], owners=["uid:1/x"]))
    w("bad_owned_by_nobody", owners_table([[0, 0, 1, 0, "owned"]]))
    w("bad_run_past_end", owners_table([[0, 30, 4, 1, "owned"]], owners=["uid:1/x"]))
    w("bad_run_of_zero", owners_table([[0, 3, 0, 1, "owned"]], owners=["uid:1/x"]))
    w("bad_tile_outside", owners_table([[2, 0, 1, 1, "owned"]], owners=["uid:1/x"]))
    w("bad_state", owners_table([[0, 0, 1, 1, "lent"]], owners=["uid:1/x"]))
    w("bad_run_short", owners_table([[0, 0, 1, 1]], owners=["uid:1/x"]))
    w("bad_owner_twice", owners_table([], owners=["uid:1/x", "uid:1/x"]))
    w("bad_owner_empty", owners_table([], owners=[""]))
    w("bad_owner_long", owners_table([], owners=["x" * 201]))
    w("bad_tiles_float", owners_table([], tiles=2.0))
    w("bad_row_negative", owners_table([[0, -1, 1, 1, "owned"]], owners=["uid:1/x"]))
    w("bad_not_json", '{"format": "hycim-row-owners", "rows": [')
    w("bad_number_overflow", '{"format": "hycim-row-owners", "version": 1e999}')
    w("bad_not_object", "[]")

if __name__ == "__main__":
    nvm_seeds()
    tensor_seeds()
    config_seeds()
    catalog_seeds()
    dataset_seeds()
    memplan_seeds()
    row_owners_seeds()
