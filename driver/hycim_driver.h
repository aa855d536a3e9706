/* hycim user-space driver: the C API.
 *
 * A stable C ABI over the C++ driver (driver/driver.hpp) so other languages
 * can bind. Handles are opaque; every function that can fail returns an
 * hycim_result (HYCIM_OK or a negative code) and never lets an exception
 * out. After a failure, hycim_get_last_error() gives a message naming the
 * problem (thread-local, valid until the next call on the same thread).
 *
 * Devices are named by URI (docs/driver.md):
 *   sim://?preset=NAME&tile=model|rtl&config=small|default&tiles=N&nvm=PATH&timing=FILE
 *       the SystemC device inside this process (one configuration per
 *       process: SystemC elaborates once; later opens share it as new contexts)
 *   unix://PATH[?timeout_ms=N&owner=NAME]
 *       a hycimd daemon listening on PATH (many processes share one device)
 * Both take owner=NAME (1-63 of A-Za-z0-9._-, default "default"): the owner
 * namespace whose NVM rows this context uses (hycim_get_row_access).
 *
 * Command and completion records are the device's (docs/device.md); build
 * commands with the hycim_build_* functions rather than by hand.
 */
#ifndef HYCIM_DRIVER_H
#define HYCIM_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define HYCIM_API __attribute__((visibility("default")))
#else
#define HYCIM_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Results of every fallible call. */
typedef enum hycim_result {
  HYCIM_OK = 0,
  HYCIM_E_INVALID = -1,      /* an argument is malformed (bad URI, size, access bits, NULL) */
  HYCIM_E_NOT_FOUND = -2,    /* no such device, buffer or queue in this context */
  HYCIM_E_NO_SPACE = -3,     /* out of DMA windows, queue slots or memory */
  HYCIM_E_TIMEOUT = -4,      /* the device or daemon did not answer within the timeout */
  HYCIM_E_DISCONNECTED = -5, /* the daemon went away; the handle stays usable only for close */
  HYCIM_E_PROTOCOL = -6,     /* the daemon answered something malformed, or refused our message */
  HYCIM_E_BUSY = -7,         /* the resource is in use (sim:// with another configuration) */
  HYCIM_E_IO = -8,           /* an operating-system call failed (socket, memfd, mmap) */
  HYCIM_E_PERMISSION = -9,   /* refused by credentials or ownership */
  HYCIM_E_FAULTED = -10,     /* the queue was stopped by the device side (malformed ring indices) */
  HYCIM_E_INTERNAL = -11     /* a bug: please report it with hycim_get_last_error() */
} hycim_result;

/* DMA access bits of hycim_map_buffer (the device's WIN_CTRL bits). */
#define HYCIM_ACCESS_READ 1u  /* the device may read the buffer */
#define HYCIM_ACCESS_WRITE 2u /* the device may write the buffer */

typedef struct hycim_device hycim_device;
typedef struct hycim_buffer hycim_buffer;
typedef struct hycim_queue hycim_queue;

/* A device command record (docs/device.md "Command record"): 64 bytes. */
typedef struct hycim_command {
  uint8_t bytes[64];
} hycim_command;

/* A completion record (docs/device.md "Completion record"). status is a
 * device status code; hycim_get_status_name() names it. */
typedef struct hycim_completion {
  uint32_t seq;
  uint16_t status;
  uint8_t opcode;
  uint8_t flags;
  uint64_t cycles;
} hycim_completion;

typedef struct hycim_caps {
  uint32_t id, version; /* ID and VERSION registers */
  uint32_t tiles, nvm_rows, sram_rows, lanes;
  uint32_t wbits, xbits, acc_bits, rows_per_cycle;
  uint32_t dma_windows; /* windows (hence mapped buffers) a context may use */
  uint32_t flags;       /* CAP_FLAGS bits */
  uint32_t max_queue_entries;
} hycim_caps;

/* The context's error log (the device's ERR_* registers, per context). */
typedef struct hycim_error_info {
  uint32_t code;  /* device status of the most recent error; 0: none */
  uint32_t seq;   /* seq of the command that failed */
  uint64_t addr;  /* failing host (IOVA) address for DMA errors */
  uint32_t count; /* errors since the log was cleared (saturates) */
} hycim_error_info;

/* What this context's commands made the device do since the context opened
 * (hycim_get_usage): the device's counts and energy model for the commands of
 * this context's queues, plus the DMA of fetching them and writing their
 * completions. Other contexts' work is never in it. */
typedef struct hycim_usage {
  uint64_t commands;        /* completed commands of this context */
  uint64_t tile_cycles;     /* sum of their completion records' cycles */
  uint64_t macs;            /* multiply-accumulates of MVM/EMUL */
  uint64_t row_activations; /* rows raised, summed over bit planes */
  uint64_t nvm_programs;    /* NVM rows programmed */
  uint64_t dma_bytes;       /* the commands' DMA plus ring fetches and completion writes */
  double energy_array_pj, energy_shift_add_pj, energy_sram_pj, energy_nvm_program_pj, energy_dma_pj;
  double energy_total_pj; /* the sum of the five above and energy_ecc_pj */
  double device_time_ns;  /* the device's simulated time now (device-wide clock) */
  /* What the NVM's ECC and write-verify did for these commands (docs/device.md
   * "NVM faults, ECC and ageing"); zero on a device without a fault model.
   * Appended after device_time_ns so every earlier field keeps its offset. */
  uint64_t ecc_corrected;       /* NVM row reads whose one bad bit the ECC corrected */
  uint64_t ecc_uncorrectable;   /* NVM row reads refused: an error the ECC cannot correct */
  uint64_t nvm_program_retries; /* program pulses write-verify repeated */
  uint64_t nvm_scrubbed_rows;   /* rows a scrub programmed again with their corrected data */
  double energy_ecc_pj;         /* check cells read and programmed, syndromes decoded */
  /* Appended after energy_ecc_pj so every earlier field keeps its offset. */
  uint64_t nvm_remapped_rows; /* rows moved to a spare row after failing write-verify */
} hycim_usage;

/* One tile's NVM health since the device started (hycim_get_tile_health):
 * device-wide, as the hardware's own counters would be: every context's
 * commands on the tile and the device's background scrub (which is in no
 * context's usage); otherwise the same counts as hycim_usage's, by tile.
 * nvm_spare_rows_used alone is no count since the device started: it is the
 * spare rows the tile has used in its lifetime, as its NVM image records
 * them (at most the fault setup's spare rows per tile, `hycim info`). */
typedef struct hycim_tile_health {
  uint64_t ecc_corrected;
  uint64_t ecc_uncorrectable;
  uint64_t nvm_program_retries;
  uint64_t nvm_scrubbed_rows;
  uint64_t nvm_remapped_rows;
  uint64_t nvm_spare_rows_used;
} hycim_tile_health;

/* How this context's owner may use an NVM row (hycim_get_row_access). NVM
 * rows belong to an owner identity, "uid:U/NAMESPACE" (hycim_get_owner), not
 * to one context, so the same owner finds its rows again from another
 * process; a command touching a row its owner may not use completes with the
 * device status ROW_DENIED. */
typedef enum hycim_row_access {
  HYCIM_ROW_FREE = 0,        /* nobody's: the first command using it claims it */
  HYCIM_ROW_MINE = 1,        /* this owner's */
  HYCIM_ROW_MINE_SHARED = 2, /* this owner's, shared read-only with every owner */
  HYCIM_ROW_SHARED = 3,      /* another owner's, shared read-only: MVM, EMUL, READ_SRAM read it */
  HYCIM_ROW_THEIRS = 4,      /* another owner's: every command touching it is refused */
  HYCIM_ROW_RELEASED = 5     /* given back: unreadable until a PROGRAM_NVM claims it again */
} hycim_row_access;

/* --- results and messages ------------------------------------------------ */
/* Name of an hycim_result ("HYCIM_E_TIMEOUT"); "unknown" for other values. */
HYCIM_API const char* hycim_get_result_name(int result);
/* Name of a device status code ("DMA_FAULT"); "UNKNOWN" for other values. */
HYCIM_API const char* hycim_get_status_name(uint32_t status);
/* Message of the last failed call on this thread; "" if none. Never NULL. */
HYCIM_API const char* hycim_get_last_error(void);

/* --- devices --------------------------------------------------------------- */
/* Writes the URIs of the reachable devices, one per line, into buf (always
 * NUL-terminated when len > 0). *needed gets the bytes required including the
 * NUL. HYCIM_OK, HYCIM_E_NO_SPACE if buf was too short, HYCIM_E_INVALID. */
HYCIM_API int hycim_enumerate_devices(char* buf, size_t len, size_t* needed);
/* Opens a device. HYCIM_OK and *out set; HYCIM_E_INVALID (bad URI or option),
 * HYCIM_E_NOT_FOUND (no daemon at the path), HYCIM_E_BUSY, HYCIM_E_PERMISSION,
 * HYCIM_E_TIMEOUT, HYCIM_E_PROTOCOL, HYCIM_E_IO. */
HYCIM_API int hycim_open_device(const char* uri, hycim_device** out);
/* Closes the device handle. Buffers and queues stay valid until freed. NULL ok. */
HYCIM_API void hycim_close_device(hycim_device* dev);
/* HYCIM_OK, HYCIM_E_INVALID. */
HYCIM_API int hycim_get_caps(hycim_device* dev, hycim_caps* out);
/* Reads (and with clear != 0, clears) the context's error log. HYCIM_OK,
 * HYCIM_E_INVALID, HYCIM_E_TIMEOUT, HYCIM_E_DISCONNECTED. */
HYCIM_API int hycim_read_error(hycim_device* dev, int clear, hycim_error_info* out);
/* This context's usage so far. HYCIM_OK, HYCIM_E_INVALID, HYCIM_E_TIMEOUT,
 * HYCIM_E_DISCONNECTED. */
HYCIM_API int hycim_get_usage(hycim_device* dev, hycim_usage* out);
/* The NVM health counters of `tile` (all contexts, since the device started).
 * HYCIM_OK, HYCIM_E_INVALID (NULL, or no such tile: the message names the
 * tile and the device's tile count), HYCIM_E_TIMEOUT, HYCIM_E_DISCONNECTED. */
HYCIM_API int hycim_get_tile_health(hycim_device* dev, uint32_t tile, hycim_tile_health* out);
/* Runs this context's submitted commands, then resets the device (SRAM rows
 * zeroed, NVM kept) and clears the context's error log. HYCIM_OK,
 * HYCIM_E_INVALID, HYCIM_E_TIMEOUT, HYCIM_E_DISCONNECTED. */
HYCIM_API int hycim_reset_device(hycim_device* dev, int timeout_ms);

/* --- NVM row ownership ------------------------------------------------------ */
/* Writes the owner identity this context acts for ("uid:U/NAMESPACE") into
 * buf, NUL-terminated (always when len > 0). HYCIM_OK, HYCIM_E_NO_SPACE if
 * buf was too short (it holds as much as fits), HYCIM_E_INVALID (NULL). */
HYCIM_API int hycim_get_owner(const hycim_device* dev, char* buf, size_t len);
/* How this context's owner may use NVM rows first_row..first_row+count-1 of
 * `tile`: one hycim_row_access value per row in out[0..count-1] (any count;
 * 0 writes nothing). HYCIM_OK, HYCIM_E_INVALID (NULL, no such tile, rows
 * beyond the tile's NVM rows), HYCIM_E_TIMEOUT, HYCIM_E_DISCONNECTED. */
HYCIM_API int hycim_get_row_access(hycim_device* dev, uint32_t tile, uint32_t first_row,
                                   uint32_t count, uint8_t* out);
/* Gives back this owner's NVM rows row..row+count-1 of `tile` (they become
 * HYCIM_ROW_RELEASED). HYCIM_OK, HYCIM_E_PERMISSION (a row is not this
 * owner's, or is shared; nothing changes), HYCIM_E_INVALID, HYCIM_E_TIMEOUT,
 * HYCIM_E_DISCONNECTED. */
HYCIM_API int hycim_release_rows(hycim_device* dev, uint32_t tile, uint32_t row, uint32_t count);
/* Shares (shared != 0) this owner's rows read-only with every owner, or takes
 * the share back (shared == 0); while shared nobody may program them. Same
 * results as hycim_release_rows. */
HYCIM_API int hycim_share_rows(hycim_device* dev, uint32_t tile, uint32_t row, uint32_t count,
                               int shared);

/* --- DMA buffers ----------------------------------------------------------- */
/* Allocates bytes of shared host memory with an IOVA in this context's device
 * address space; not visible to the device until mapped. HYCIM_OK,
 * HYCIM_E_INVALID (0 bytes), HYCIM_E_NO_SPACE, HYCIM_E_IO, HYCIM_E_DISCONNECTED. */
HYCIM_API int hycim_alloc_buffer(hycim_device* dev, size_t bytes, hycim_buffer** out);
/* Unmaps and frees; NULL ok. */
HYCIM_API void hycim_free_buffer(hycim_buffer* buf);
HYCIM_API void* hycim_get_buffer_data(hycim_buffer* buf);
HYCIM_API size_t hycim_get_buffer_size(const hycim_buffer* buf);
/* Device address of byte 0 (what command records carry). */
HYCIM_API uint64_t hycim_get_buffer_iova(const hycim_buffer* buf);
/* Lets the device access the buffer (HYCIM_ACCESS_* bits, one DMA window).
 * Remapping changes the access. HYCIM_OK, HYCIM_E_INVALID, HYCIM_E_NO_SPACE
 * (all windows used), HYCIM_E_TIMEOUT, HYCIM_E_DISCONNECTED. */
HYCIM_API int hycim_map_buffer(hycim_buffer* buf, unsigned access);
/* HYCIM_OK, HYCIM_E_NOT_FOUND (not mapped), HYCIM_E_TIMEOUT, HYCIM_E_DISCONNECTED. */
HYCIM_API int hycim_unmap_buffer(hycim_buffer* buf);

/* --- queues ---------------------------------------------------------------- */
/* Creates a command queue of `entries` slots (a power of two, 2 ..
 * max_queue_entries). Completions of one queue come back in submission
 * order. HYCIM_OK, HYCIM_E_INVALID, HYCIM_E_NO_SPACE, HYCIM_E_IO,
 * HYCIM_E_TIMEOUT, HYCIM_E_DISCONNECTED. */
HYCIM_API int hycim_create_queue(hycim_device* dev, uint32_t entries, hycim_queue** out);
/* Destroys the queue; completions not yet read are dropped. NULL ok. */
HYCIM_API void hycim_destroy_queue(hycim_queue* q);
/* Submits up to n commands in order and rings the doorbell once; *accepted
 * (may be NULL) gets how many fitted. HYCIM_OK (all accepted), HYCIM_E_NO_SPACE
 * (queue full: *accepted < n), HYCIM_E_INVALID, HYCIM_E_FAULTED. */
HYCIM_API int hycim_submit_commands(hycim_queue* q, const hycim_command* cmds, size_t n,
                                    size_t* accepted);
/* Copies up to max available completions without waiting. HYCIM_OK (*n may
 * be 0), HYCIM_E_INVALID, HYCIM_E_FAULTED. */
HYCIM_API int hycim_poll_completions(hycim_queue* q, hycim_completion* out, size_t max, size_t* n);
/* Waits until at least min (<= max) completions are available or timeout_ms
 * passes (< 0: forever), then copies up to max. HYCIM_OK, HYCIM_E_TIMEOUT
 * (*n holds what was copied), HYCIM_E_DISCONNECTED (daemon gone),
 * HYCIM_E_INVALID, HYCIM_E_FAULTED. */
HYCIM_API int hycim_wait_completions(hycim_queue* q, hycim_completion* out, size_t max, size_t min,
                                     int timeout_ms, size_t* n);

/* --- command builders (docs/device.md "Device commands") ------------------- */
HYCIM_API void hycim_build_nop(hycim_command* c, uint32_t seq);
HYCIM_API void hycim_build_fence(hycim_command* c, uint32_t seq);
HYCIM_API void hycim_build_write_sram(hycim_command* c, uint32_t seq, uint16_t tile, uint32_t row,
                                      uint32_t count, uint64_t src_iova);
HYCIM_API void hycim_build_read_sram(hycim_command* c, uint32_t seq, uint16_t tile, uint32_t row,
                                     uint32_t count, uint64_t dst_iova);
HYCIM_API void hycim_build_program_nvm(hycim_command* c, uint32_t seq, uint16_t tile, uint32_t row,
                                       uint32_t count, uint64_t src_iova);
HYCIM_API void hycim_build_read_wear(hycim_command* c, uint32_t seq, uint16_t tile, uint32_t row,
                                     uint32_t count, uint64_t dst_iova);
/* Scrubs NVM rows row..row+count-1: corrected rows are programmed again
 * (docs/device.md "Scrubbing"). */
HYCIM_API void hycim_build_scrub(hycim_command* c, uint32_t seq, uint16_t tile, uint32_t row,
                                 uint32_t count);
/* Signed 8-bit inputs and weights. */
HYCIM_API void hycim_build_mvm(hycim_command* c, uint32_t seq, uint16_t tile, uint32_t w_row,
                               uint32_t k, uint32_t x_row, uint64_t src_iova, uint64_t dst_iova);
HYCIM_API void hycim_build_emul(hycim_command* c, uint32_t seq, uint16_t tile, uint32_t nvm_row,
                                uint32_t sram_row, uint64_t dst_iova);

#ifdef __cplusplus
}
#endif

#endif /* HYCIM_DRIVER_H */
