// libhycim_driver.so is the whole hycim_driver archive; this file only gives
// the shared library a source of its own (CMake needs one).
#include "driver/hycim_driver.h"
