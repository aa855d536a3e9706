/* The C API from C: compiled as C11 so the header is proven C, then every
 * call's normal and error paths on sim:// (argv[1] is the URI). Exit 0 when
 * everything checks out; a failed check prints the line and exits 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver/hycim_driver.h"

#define CHECK(cond)                                                                     \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      fprintf(stderr, "c_api_test:%d: %s (%s)\n", __LINE__, #cond, hycim_last_error()); \
      exit(1);                                                                          \
    }                                                                                   \
  } while (0)

int main(int argc, char** argv) {
  hycim_device* dev = NULL;
  hycim_caps caps;
  CHECK(argc == 2);
  CHECK(hycim_device_open("bogus", &dev) == HYCIM_E_INVALID && dev == NULL);
  CHECK(strstr(hycim_last_error(), "scheme") != NULL);
  CHECK(hycim_device_open(NULL, &dev) == HYCIM_E_INVALID);
  CHECK(hycim_device_open(argv[1], &dev) == HYCIM_OK && dev != NULL);
  CHECK(hycim_device_get_caps(dev, &caps) == HYCIM_OK && caps.tiles == 2 && caps.lanes == 8);
  CHECK(hycim_device_get_caps(dev, NULL) == HYCIM_E_INVALID);

  size_t needed = 0;
  char uris[4096];
  CHECK(hycim_device_enumerate(uris, 2, &needed) == HYCIM_E_NO_SPACE && needed > 2);
  CHECK(hycim_device_enumerate(uris, sizeof uris, &needed) == HYCIM_OK);
  CHECK(strncmp(uris, "sim://", 6) == 0);

  hycim_buffer *w = NULL, *x = NULL, *y = NULL;
  CHECK(hycim_buffer_alloc(dev, 0, &w) == HYCIM_E_INVALID);
  CHECK(hycim_buffer_alloc(dev, 64, &w) == HYCIM_OK && hycim_buffer_size(w) == 64);
  CHECK(hycim_buffer_alloc(dev, 8, &x) == HYCIM_OK);
  CHECK(hycim_buffer_alloc(dev, 32, &y) == HYCIM_OK);
  CHECK(hycim_buffer_iova(w) != 0 && hycim_buffer_iova(x) != hycim_buffer_iova(w));
  CHECK(hycim_buffer_map(w, 0) == HYCIM_E_INVALID);
  CHECK(hycim_buffer_unmap(w) == HYCIM_E_NOT_FOUND);
  CHECK(hycim_buffer_map(w, HYCIM_ACCESS_READ) == HYCIM_OK);
  CHECK(hycim_buffer_map(x, HYCIM_ACCESS_READ) == HYCIM_OK);
  CHECK(hycim_buffer_map(y, HYCIM_ACCESS_WRITE) == HYCIM_OK);
  int8_t* wd = hycim_buffer_data(w);
  int8_t* xd = hycim_buffer_data(x);
  for (int i = 0; i < 64; ++i) wd[i] = (int8_t)(i - 20);
  for (int i = 0; i < 8; ++i) xd[i] = (int8_t)(3 - i);

  hycim_queue* q = NULL;
  CHECK(hycim_queue_create(dev, 3, &q) == HYCIM_E_INVALID && q == NULL);
  CHECK(hycim_queue_create(dev, 4, &q) == HYCIM_OK);
  hycim_command cmds[3];
  hycim_command_program_nvm(&cmds[0], 1, 0, 0, 8, hycim_buffer_iova(w));
  hycim_command_mvm(&cmds[1], 2, 0, 0, 8, caps.nvm_rows, hycim_buffer_iova(x),
                    hycim_buffer_iova(y));
  hycim_command_nop(&cmds[2], 3);
  size_t accepted = 0, n = 0;
  CHECK(hycim_queue_submit(q, cmds, 3, &accepted) == HYCIM_OK && accepted == 3);
  hycim_completion done[4];
  CHECK(hycim_queue_wait(q, done, 4, 5, 0, &n) == HYCIM_E_INVALID);
  CHECK(hycim_queue_wait(q, done, 4, 3, 5000, &n) == HYCIM_OK && n == 3);
  CHECK(done[0].seq == 1 && done[0].status == 0 && done[1].seq == 2 && done[1].status == 0);
  CHECK(strcmp(hycim_device_status_name(done[1].status), "OK") == 0);
  const int32_t* yd = hycim_buffer_data(y);
  for (int l = 0; l < 8; ++l) {
    int32_t want = 0;
    for (int k = 0; k < 8; ++k) want += (int32_t)xd[k] * wd[k * 8 + l];
    CHECK(yd[l] == want);
  }
  CHECK(hycim_queue_poll(q, done, 4, &n) == HYCIM_OK && n == 0);
  CHECK(hycim_queue_wait(q, done, 4, 1, 50, &n) == HYCIM_E_TIMEOUT);

  /* A write into a read-only buffer: DMA_FAULT, logged. */
  hycim_command_read_sram(&cmds[0], 9, 0, caps.nvm_rows, 1, hycim_buffer_iova(w));
  CHECK(hycim_queue_submit(q, cmds, 1, NULL) == HYCIM_OK);
  CHECK(hycim_queue_wait(q, done, 1, 1, 5000, &n) == HYCIM_OK);
  CHECK(strcmp(hycim_device_status_name(done[0].status), "DMA_FAULT") == 0);
  hycim_error_info err;
  CHECK(hycim_device_read_error(dev, 1, &err) == HYCIM_OK && err.seq == 9 && err.count == 1);
  CHECK(err.addr == hycim_buffer_iova(w));
  CHECK(hycim_device_reset(dev, 5000) == HYCIM_OK);
  CHECK(strcmp(hycim_result_name(HYCIM_E_TIMEOUT), "HYCIM_E_TIMEOUT") == 0);

  hycim_queue_destroy(q);
  hycim_buffer_free(w);
  hycim_buffer_free(x);
  hycim_buffer_free(y);
  hycim_device_close(dev);
  hycim_queue_destroy(NULL);
  hycim_buffer_free(NULL);
  hycim_device_close(NULL);
  puts("c_api_test: ok");
  return 0;
}
