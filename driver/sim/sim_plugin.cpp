// libhycim_sim.so: the sim:// backend for programs that link only the driver
// (libhycim_driver.so, which carries no simulator). The driver dlopens it on
// the first sim:// open and calls this one function; nothing else is
// exported, and no exception crosses the boundary.
#include <cstring>

#include "driver/sim/sim_backend.hpp"

extern "C" __attribute__((visibility("default"))) hycim::driver::Backend* hycim_sim_plugin_open(
    const char* uri, hycim::driver::Status* status, char* message, size_t len) {
  using namespace hycim::driver;
  auto fail = [&](Status st, const char* what) -> Backend* {
    *status = st;
    if (len > 0) {
      std::strncpy(message, what, len - 1);
      message[len - 1] = '\0';
    }
    return nullptr;
  };
  try {
    return open_sim_context(parse_uri(uri)).release();
  } catch (const DriverError& e) {
    return fail(e.status, e.what());
  } catch (const std::exception& e) {
    return fail(Status::kInternal, e.what());
  }
}
static_assert(std::is_same_v<decltype(&hycim_sim_plugin_open), hycim::driver::SimPluginOpen>);
