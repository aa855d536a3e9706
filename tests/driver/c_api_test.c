/* The C API from C: compiled as C11 so the header is proven C, then every
 * call's normal and error paths on sim:// (argv[1] is the URI). Exit 0 when
 * everything checks out; a failed check prints the line and exits 1. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver/hycim_driver.h"

#define CHECK(cond)                                                                         \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      fprintf(stderr, "c_api_test:%d: %s (%s)\n", __LINE__, #cond, hycim_get_last_error()); \
      exit(1);                                                                              \
    }                                                                                       \
  } while (0)

int main(int argc, char** argv) {
  hycim_device* dev = NULL;
  hycim_caps caps;
  CHECK(argc == 2);
  CHECK(hycim_open_device("bogus", &dev) == HYCIM_E_INVALID && dev == NULL);
  CHECK(strstr(hycim_get_last_error(), "scheme") != NULL);
  CHECK(hycim_open_device(NULL, &dev) == HYCIM_E_INVALID);
  CHECK(hycim_open_device(argv[1], &dev) == HYCIM_OK && dev != NULL);
  CHECK(hycim_get_caps(dev, &caps) == HYCIM_OK && caps.tiles == 2 && caps.lanes == 8);
  CHECK(hycim_get_caps(dev, NULL) == HYCIM_E_INVALID);

  size_t needed = 0;
  char uris[4096];
  CHECK(hycim_enumerate_devices(uris, 2, &needed) == HYCIM_E_NO_SPACE && needed > 2);
  CHECK(hycim_enumerate_devices(uris, sizeof uris, &needed) == HYCIM_OK);
  CHECK(strncmp(uris, "sim://", 6) == 0);

  hycim_buffer *w = NULL, *x = NULL, *y = NULL;
  CHECK(hycim_alloc_buffer(dev, 0, &w) == HYCIM_E_INVALID);
  CHECK(hycim_alloc_buffer(dev, 64, &w) == HYCIM_OK && hycim_get_buffer_size(w) == 64);
  CHECK(hycim_alloc_buffer(dev, 8, &x) == HYCIM_OK);
  CHECK(hycim_alloc_buffer(dev, 32, &y) == HYCIM_OK);
  CHECK(hycim_get_buffer_iova(w) != 0 && hycim_get_buffer_iova(x) != hycim_get_buffer_iova(w));
  CHECK(hycim_map_buffer(w, 0) == HYCIM_E_INVALID);
  CHECK(hycim_unmap_buffer(w) == HYCIM_E_NOT_FOUND);
  CHECK(hycim_map_buffer(w, HYCIM_ACCESS_READ) == HYCIM_OK);
  CHECK(hycim_map_buffer(x, HYCIM_ACCESS_READ) == HYCIM_OK);
  CHECK(hycim_map_buffer(y, HYCIM_ACCESS_WRITE) == HYCIM_OK);
  int8_t* wd = hycim_get_buffer_data(w);
  int8_t* xd = hycim_get_buffer_data(x);
  for (int i = 0; i < 64; ++i) wd[i] = (int8_t)(i - 20);
  for (int i = 0; i < 8; ++i) xd[i] = (int8_t)(3 - i);

  hycim_queue* q = NULL;
  CHECK(hycim_create_queue(dev, 3, &q) == HYCIM_E_INVALID && q == NULL);
  CHECK(hycim_create_queue(dev, 4, &q) == HYCIM_OK);
  hycim_command cmds[3];
  hycim_build_program_nvm(&cmds[0], 1, 0, 0, 8, hycim_get_buffer_iova(w));
  hycim_build_mvm(&cmds[1], 2, 0, 0, 8, caps.nvm_rows, hycim_get_buffer_iova(x),
                  hycim_get_buffer_iova(y));
  hycim_build_nop(&cmds[2], 3);
  size_t accepted = 0, n = 0;
  CHECK(hycim_submit_commands(q, cmds, 3, &accepted) == HYCIM_OK && accepted == 3);
  hycim_completion done[4];
  CHECK(hycim_wait_completions(q, done, 4, 5, 0, &n) == HYCIM_E_INVALID);
  CHECK(hycim_wait_completions(q, done, 4, 3, 5000, &n) == HYCIM_OK && n == 3);
  CHECK(done[0].seq == 1 && done[0].status == 0 && done[1].seq == 2 && done[1].status == 0);
  CHECK(strcmp(hycim_get_status_name(done[1].status), "OK") == 0);
  const int32_t* yd = hycim_get_buffer_data(y);
  for (int l = 0; l < 8; ++l) {
    int32_t want = 0;
    for (int k = 0; k < 8; ++k) want += (int32_t)xd[k] * wd[k * 8 + l];
    CHECK(yd[l] == want);
  }
  /* Usage of exactly those three commands: 8 weight rows in, 8 inputs in, 8
   * int32 lanes out, and each command's 64-byte fetch and 16-byte completion. */
  hycim_usage use;
  CHECK(hycim_get_usage(dev, NULL) == HYCIM_E_INVALID);
  CHECK(hycim_get_usage(dev, &use) == HYCIM_OK);
  CHECK(use.commands == 3 && use.macs == 64 && use.nvm_programs == 8);
  CHECK(use.tile_cycles == done[0].cycles + done[1].cycles + done[2].cycles);
  CHECK(use.dma_bytes == 64 + 8 + 32 + 3 * (64 + 16));
  CHECK(use.energy_dma_pj > 0 && use.energy_nvm_program_pj > 0 && use.energy_array_pj > 0);
  CHECK(use.energy_total_pj == use.energy_array_pj + use.energy_shift_add_pj + use.energy_sram_pj +
                                   use.energy_nvm_program_pj + use.energy_dma_pj +
                                   use.energy_ecc_pj);
  CHECK(use.device_time_ns > 0);
  /* No fault model: the NVM's cells never fail, so the ECC never acts. */
  CHECK(use.ecc_corrected == 0 && use.ecc_uncorrectable == 0 && use.nvm_program_retries == 0);
  CHECK(use.nvm_scrubbed_rows == 0 && use.energy_ecc_pj == 0 && use.nvm_remapped_rows == 0);

  hycim_tile_health health;
  CHECK(hycim_get_tile_health(dev, 1, &health) == HYCIM_OK && health.ecc_corrected == 0);
  CHECK(health.nvm_remapped_rows == 0 && health.nvm_spare_rows_used == 0);
  CHECK(hycim_get_tile_health(dev, 2, &health) == HYCIM_E_INVALID);
  CHECK(strstr(hycim_get_last_error(), "tile 2") != NULL);
  CHECK(strstr(hycim_get_last_error(), "2 tiles") != NULL);
  CHECK(hycim_get_tile_health(dev, 0, NULL) == HYCIM_E_INVALID);
  CHECK(hycim_poll_completions(q, done, 4, &n) == HYCIM_OK && n == 0);
  CHECK(hycim_wait_completions(q, done, 4, 1, 50, &n) == HYCIM_E_TIMEOUT);

  /* A write into a read-only buffer: DMA_FAULT, logged. */
  hycim_build_read_sram(&cmds[0], 9, 0, caps.nvm_rows, 1, hycim_get_buffer_iova(w));
  CHECK(hycim_submit_commands(q, cmds, 1, NULL) == HYCIM_OK);
  CHECK(hycim_wait_completions(q, done, 1, 1, 5000, &n) == HYCIM_OK);
  CHECK(strcmp(hycim_get_status_name(done[0].status), "DMA_FAULT") == 0);
  hycim_error_info err;
  CHECK(hycim_read_error(dev, 1, &err) == HYCIM_OK && err.seq == 9 && err.count == 1);
  CHECK(err.addr == hycim_get_buffer_iova(w));
  CHECK(hycim_reset_device(dev, 5000) == HYCIM_OK);
  CHECK(strcmp(hycim_get_result_name(HYCIM_E_TIMEOUT), "HYCIM_E_TIMEOUT") == 0);

  /* NVM row ownership: this context acts for uid:U/default, and the
   * PROGRAM_NVM above made rows 0..7 of tile 0 its own. */
  char owner[96], want[96];
  snprintf(want, sizeof want, "uid:%u/default", (unsigned)getuid());
  CHECK(hycim_get_owner(dev, owner, sizeof owner) == HYCIM_OK && strcmp(owner, want) == 0);
  CHECK(hycim_get_owner(dev, owner, 4) == HYCIM_E_NO_SPACE && strcmp(owner, "uid") == 0);
  CHECK(hycim_get_owner(dev, owner, strlen(want)) == HYCIM_E_NO_SPACE);
  CHECK(hycim_get_owner(dev, owner, strlen(want) + 1) == HYCIM_OK && strcmp(owner, want) == 0);
  CHECK(hycim_get_owner(NULL, owner, sizeof owner) == HYCIM_E_INVALID);
  CHECK(hycim_get_owner(dev, NULL, 8) == HYCIM_E_INVALID);
  uint8_t access[10];
  CHECK(hycim_get_row_access(dev, 0, 0, 10, access) == HYCIM_OK);
  for (int r = 0; r < 8; ++r) CHECK(access[r] == HYCIM_ROW_MINE);
  CHECK(access[8] == HYCIM_ROW_FREE && access[9] == HYCIM_ROW_FREE);
  CHECK(hycim_get_row_access(dev, 0, 0, 0, NULL) == HYCIM_OK);
  CHECK(hycim_get_row_access(dev, 0, 0, 1, NULL) == HYCIM_E_INVALID);
  CHECK(hycim_get_row_access(dev, 2, 0, 1, access) == HYCIM_E_INVALID);
  CHECK(hycim_get_row_access(dev, 0, caps.nvm_rows - 1, 2, access) == HYCIM_E_INVALID);
  /* Every row of the tile in one call (more than one wire reply's worth on
   * a tile of over 256 rows). */
  uint8_t* all = malloc(caps.nvm_rows);
  CHECK(all != NULL);
  CHECK(hycim_get_row_access(dev, 0, 0, caps.nvm_rows, all) == HYCIM_OK);
  CHECK(all[0] == HYCIM_ROW_MINE && all[caps.nvm_rows - 1] == HYCIM_ROW_FREE);
  free(all);

  /* Another owner (the URI's owner= reaches the backend as it is) sees them
   * as someone else's, then shared while they are. */
  char other_uri[512];
  snprintf(other_uri, sizeof other_uri, "%s&owner=c-test", argv[1]);
  hycim_device* other = NULL;
  CHECK(hycim_open_device(other_uri, &other) == HYCIM_OK);
  snprintf(want, sizeof want, "uid:%u/c-test", (unsigned)getuid());
  CHECK(hycim_get_owner(other, owner, sizeof owner) == HYCIM_OK && strcmp(owner, want) == 0);
  CHECK(hycim_get_row_access(other, 0, 0, 9, access) == HYCIM_OK);
  CHECK(access[0] == HYCIM_ROW_THEIRS && access[7] == HYCIM_ROW_THEIRS);
  CHECK(access[8] == HYCIM_ROW_FREE);
  CHECK(hycim_release_rows(other, 0, 0, 8) == HYCIM_E_PERMISSION);
  CHECK(hycim_share_rows(other, 0, 0, 8, 1) == HYCIM_E_PERMISSION);

  CHECK(hycim_share_rows(dev, 0, 0, 8, 1) == HYCIM_OK);
  CHECK(hycim_get_row_access(dev, 0, 0, 8, access) == HYCIM_OK);
  for (int r = 0; r < 8; ++r) CHECK(access[r] == HYCIM_ROW_MINE_SHARED);
  CHECK(hycim_get_row_access(other, 0, 0, 8, access) == HYCIM_OK);
  for (int r = 0; r < 8; ++r) CHECK(access[r] == HYCIM_ROW_SHARED);
  CHECK(hycim_release_rows(dev, 0, 0, 1) == HYCIM_E_PERMISSION); /* shared: nothing changes */
  CHECK(hycim_share_rows(dev, 0, 0, 8, 0) == HYCIM_OK);
  CHECK(hycim_get_row_access(dev, 0, 0, 8, access) == HYCIM_OK);
  for (int r = 0; r < 8; ++r) CHECK(access[r] == HYCIM_ROW_MINE);
  CHECK(hycim_get_row_access(other, 0, 0, 1, access) == HYCIM_OK && access[0] == HYCIM_ROW_THEIRS);

  CHECK(hycim_release_rows(dev, 0, 8, 1) == HYCIM_E_PERMISSION); /* a free row is nobody's */
  CHECK(hycim_release_rows(dev, 0, 0, 8) == HYCIM_OK);
  CHECK(hycim_get_row_access(dev, 0, 0, 9, access) == HYCIM_OK);
  for (int r = 0; r < 8; ++r) CHECK(access[r] == HYCIM_ROW_RELEASED);
  CHECK(access[8] == HYCIM_ROW_FREE);
  CHECK(hycim_release_rows(NULL, 0, 0, 1) == HYCIM_E_INVALID);
  CHECK(hycim_share_rows(NULL, 0, 0, 1, 1) == HYCIM_E_INVALID);
  hycim_close_device(other);

  hycim_destroy_queue(q);
  hycim_free_buffer(w);
  hycim_free_buffer(x);
  hycim_free_buffer(y);
  hycim_close_device(dev);
  hycim_destroy_queue(NULL);
  hycim_free_buffer(NULL);
  hycim_close_device(NULL);
  puts("c_api_test: ok");
  return 0;
}
