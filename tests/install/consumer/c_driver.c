/* An outside C program on the installed libhycim_driver.so: opens the URI in
 * argv[1], programs one 8 x 8 int8 weight block into NVM, multiplies one input
 * vector over it and checks every lane against plain loops. Exit 0 when
 * right; prints what went wrong and exits 1 otherwise. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "driver/hycim_driver.h"

static int fail(const char* what) {
  fprintf(stderr, "c_driver: %s: %s\n", what, hycim_get_last_error());
  return 1;
}

int main(int argc, char** argv) {
  if (argc != 2) return fail("usage: c_driver URI");
  hycim_device* dev = NULL;
  if (hycim_open_device(argv[1], &dev) != HYCIM_OK) return fail("open");
  hycim_caps caps;
  if (hycim_get_caps(dev, &caps) != HYCIM_OK || caps.lanes != 8) return fail("caps");
  int8_t w[8 * 8], x[8];
  for (int i = 0; i < 64; ++i) w[i] = (int8_t)(i * 37 - 100);
  for (int i = 0; i < 8; ++i) x[i] = (int8_t)(50 - i * 13);
  hycim_buffer *wb = NULL, *xb = NULL, *yb = NULL;
  if (hycim_alloc_buffer(dev, sizeof w, &wb) || hycim_alloc_buffer(dev, sizeof x, &xb) ||
      hycim_alloc_buffer(dev, 8 * 4, &yb))
    return fail("alloc");
  memcpy(hycim_get_buffer_data(wb), w, sizeof w);
  memcpy(hycim_get_buffer_data(xb), x, sizeof x);
  if (hycim_map_buffer(wb, HYCIM_ACCESS_READ) || hycim_map_buffer(xb, HYCIM_ACCESS_READ) ||
      hycim_map_buffer(yb, HYCIM_ACCESS_WRITE))
    return fail("map");
  hycim_queue* q = NULL;
  if (hycim_create_queue(dev, 4, &q) != HYCIM_OK) return fail("queue");
  hycim_command cmds[2];
  hycim_build_program_nvm(&cmds[0], 1, 0, 0, 8, hycim_get_buffer_iova(wb));
  hycim_build_mvm(&cmds[1], 2, 0, 0, 8, caps.nvm_rows, hycim_get_buffer_iova(xb),
                  hycim_get_buffer_iova(yb));
  if (hycim_submit_commands(q, cmds, 2, NULL) != HYCIM_OK) return fail("submit");
  hycim_completion done[2];
  size_t n = 0;
  if (hycim_wait_completions(q, done, 2, 2, 20000, &n) != HYCIM_OK || n != 2) return fail("wait");
  if (done[0].status != 0 || done[1].status != 0) return fail("a command failed");
  int32_t y[8];
  memcpy(y, hycim_get_buffer_data(yb), sizeof y);
  for (int l = 0; l < 8; ++l) {
    int32_t want = 0;
    for (int k = 0; k < 8; ++k) want += (int32_t)x[k] * w[k * 8 + l];
    if (y[l] != want) {
      fprintf(stderr, "c_driver: lane %d: %d, want %d\n", l, y[l], want);
      return 1;
    }
  }
  hycim_destroy_queue(q);
  hycim_free_buffer(wb);
  hycim_free_buffer(xb);
  hycim_free_buffer(yb);
  hycim_close_device(dev);
  printf("c_driver: MVM on %s matches plain loops\n", argv[1]);
  return 0;
}
