#!/usr/bin/env python3
"""Writes the wire fuzzer's seeds (tests/driver/fuzz/corpus/wire/).

Each seed is what wire_fuzz.cpp reads: one byte, the number of file
descriptors that "came with" the message (and, modulo the request types, the
request a reply answers), then the message: the 16-byte header (magic
"HCYD", version, type, tag, payload bytes) and the payload, as
driver/lib/wire/protocol.hpp lays them out. ok_* are requests parse_request
accepts (every type of protocol version 7); bad_* are refused; reply_* are
replies for check_reply. Standard library only; run it again after a change
to the protocol and commit what it writes.
"""
import os
import struct

MAGIC = 0x44594348
VERSION = 7
HELLO, INFO, ADD_BUFFER, REMOVE_BUFFER, MAP_BUFFER, UNMAP_BUFFER = 1, 2, 3, 4, 5, 6
ADD_QUEUE, REMOVE_QUEUE, READ_ERROR, RESET, USAGE, TILE_HEALTH = 7, 8, 9, 10, 11, 12
ROW_ACCESS, SET_ROWS = 13, 14
REPLY = 0x8000
# Reply payload sizes (protocol.hpp's static_asserts).
REPLY_HELLO, REPLY_INFO, REPLY_ROW_ACCESS = 160, 544, 264


def message(typ, payload=b"", version=VERSION, tag=1, declared=None):
    size = len(payload) if declared is None else declared
    return struct.pack("<IHHII", MAGIC, version, typ, tag, size) + payload


def hello(name):
    return name.ljust(64, b"\0")


def seed(fds, msg):
    return bytes([fds]) + msg


SEEDS = {
    "ok_hello_default": seed(0, message(HELLO, hello(b"default"))),
    "ok_hello_longest": seed(0, message(HELLO, hello(b"a" * 63))),
    "ok_hello_every_char": seed(0, message(HELLO, hello(b"Az09._-"))),
    "ok_info": seed(0, message(INFO)),
    "ok_add_buffer": seed(1, message(ADD_BUFFER, struct.pack("<Q", 4096))),
    "ok_remove_buffer": seed(0, message(REMOVE_BUFFER, struct.pack("<Q", 0x10000))),
    "ok_map_buffer": seed(0, message(MAP_BUFFER, struct.pack("<QII", 0x10000, 3, 0))),
    "ok_unmap_buffer": seed(0, message(UNMAP_BUFFER, struct.pack("<Q", 0x10000))),
    "ok_add_queue": seed(3, message(ADD_QUEUE, struct.pack("<II", 64, 0))),
    "ok_remove_queue": seed(0, message(REMOVE_QUEUE, struct.pack("<II", 1, 0))),
    "ok_read_error": seed(0, message(READ_ERROR, struct.pack("<II", 1, 0))),
    "ok_reset": seed(0, message(RESET)),
    "ok_usage": seed(0, message(USAGE)),
    "ok_tile_health": seed(0, message(TILE_HEALTH, struct.pack("<II", 1, 0))),
    "ok_row_access": seed(0, message(ROW_ACCESS, struct.pack("<IIII", 0, 0, 8, 0))),
    "ok_row_access_chunk": seed(0, message(ROW_ACCESS, struct.pack("<IIII", 1, 256, 256, 0))),
    "ok_set_rows_release": seed(0, message(SET_ROWS, struct.pack("<IIII", 0, 0, 8, 0))),
    "ok_set_rows_share": seed(0, message(SET_ROWS, struct.pack("<IIII", 1, 4, 2, 1))),
    "ok_set_rows_unshare": seed(0, message(SET_ROWS, struct.pack("<IIII", 1, 4, 2, 2))),
    "bad_hello_version_6": seed(0, message(HELLO, version=6)),
    "bad_hello_bare": seed(0, message(HELLO)),
    "bad_hello_empty_namespace": seed(0, message(HELLO, hello(b""))),
    "bad_hello_slash": seed(0, message(HELLO, hello(b"a/b"))),
    "bad_hello_no_nul": seed(0, message(HELLO, b"a" * 64)),
    "bad_hello_bytes_after_nul": seed(0, message(HELLO, hello(b"default")[:63] + b"x")),
    "bad_hello_with_fd": seed(1, message(HELLO, hello(b"default"))),
    "bad_row_access_count_0": seed(0, message(ROW_ACCESS, struct.pack("<IIII", 0, 0, 0, 0))),
    "bad_row_access_count_257": seed(0, message(ROW_ACCESS, struct.pack("<IIII", 0, 0, 257, 0))),
    "bad_row_access_padding": seed(0, message(ROW_ACCESS, struct.pack("<IIII", 0, 0, 1, 1))),
    "bad_set_rows_op_3": seed(0, message(SET_ROWS, struct.pack("<IIII", 0, 0, 1, 3))),
    "bad_length_disagrees": seed(0, message(SET_ROWS, struct.pack("<IIII", 0, 0, 1, 0),
                                            declared=8)),
    "bad_unknown_type": seed(0, message(SET_ROWS + 1)),
    # Replies: the first byte also names the request they answer.
    "reply_hello": seed(HELLO, message(REPLY, bytes(REPLY_HELLO))),
    "reply_info": seed(INFO, message(REPLY, bytes(REPLY_INFO))),
    "reply_row_access": seed(ROW_ACCESS, message(REPLY, bytes(REPLY_ROW_ACCESS))),
    "reply_set_rows": seed(SET_ROWS, message(REPLY, bytes(8))),
    "reply_status_only": seed(ROW_ACCESS, message(REPLY, struct.pack("<iI", -1, 0))),
}


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "wire")
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(out):
        os.remove(os.path.join(out, name))
    for name, data in sorted(SEEDS.items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"{len(SEEDS)} seeds in {out}")


if __name__ == "__main__":
    main()
