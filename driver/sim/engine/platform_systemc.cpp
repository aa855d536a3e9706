// The SystemC platform: the device module with a bus on its DMA socket and a
// register port on its target socket, in this process's one elaboration.
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <atomic>
#include <cstring>
#include <systemc>
#include <tlm>

#include "driver/sim/engine/platform.hpp"
#include "sim/device/device.hpp"
#include "sim/device/device_error.hpp"

namespace hycim::driver {
namespace {

// Host memory as the device sees it: whatever the AddressSpace resolves.
struct Bus : sc_core::sc_module {
  tlm_utils::simple_target_socket<Bus> socket;
  const AddressSpace& space;

  Bus(sc_core::sc_module_name n, const AddressSpace& s) : sc_module(n), socket("socket"), space(s) {
    socket.register_b_transport(this, &Bus::transport);
  }

  void transport(tlm::tlm_generic_payload& tx, sc_core::sc_time&) {
    if (tx.get_byte_enable_ptr() != nullptr)
      return tx.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    uint8_t* p = space.resolve(tx.get_address(), tx.get_data_length());
    if (p == nullptr) return tx.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    if (tx.is_read())
      std::memcpy(tx.get_data_ptr(), p, tx.get_data_length());
    else if (tx.is_write())
      std::memcpy(p, tx.get_data_ptr(), tx.get_data_length());
    tx.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

struct Port : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Port> socket;
  explicit Port(sc_core::sc_module_name n) : sc_module(n), socket("socket") {}
};

class SystemcPlatform : public Platform {
 public:
  SystemcPlatform(const device::DeviceConfig& c, const AddressSpace& s)
      : bus("hycim_driver_bus", s),
        dev("hycim_driver_dev", c),
        port("hycim_driver_port"),
        irq("hycim_driver_irq") {
    dev.dma.bind(bus.socket);
    port.socket.bind(dev.regs);
    dev.irq.bind(irq);
    // Ends elaboration, so register writes before the first doorbell take effect.
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
  }

  bool read(uint32_t offset, uint32_t* value) override {
    return access(tlm::TLM_READ_COMMAND, offset, value);
  }
  bool write(uint32_t offset, uint32_t value) override {
    return access(tlm::TLM_WRITE_COMMAND, offset, &value);
  }
  void run() override { sc_core::sc_start(); }
  const device::Stats& stats() const override { return dev.stats(); }
  const device::DeviceConfig& device_config() const override { return dev.config(); }
  tile::Tile& tile(uint32_t index) override { return dev.tile(index); }
  uint32_t spares_used(uint32_t tile) const override { return dev.spares_used(tile); }
  double now_ns() const override { return device::Device::now_ns(); }

 private:
  Bus bus;
  device::Device dev;
  Port port;
  sc_core::sc_signal<bool> irq;

  bool access(tlm::tlm_command cmd, uint32_t offset, uint32_t* value) {
    tlm::tlm_generic_payload tx;
    tx.set_command(cmd);
    tx.set_address(offset);
    tx.set_data_ptr(reinterpret_cast<unsigned char*>(value));
    tx.set_data_length(4);
    tx.set_streaming_width(4);
    tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    port.socket->b_transport(tx, delay);
    return tx.get_response_status() == tlm::TLM_OK_RESPONSE;
  }
};

}  // namespace

std::unique_ptr<Platform> make_systemc_platform(const device::DeviceConfig& config,
                                                const AddressSpace& space) {
  // Set once a device is built: a config the device refused leaves no device,
  // and a later attempt says what SystemC itself says.
  static std::atomic<bool> elaborated{false};
  if (elaborated)
    throw device::DeviceError(
        "SystemC elaborates once per process and this process already has a SystemC device: "
        "open it with the same options, use engine=functional, or serve it from hycimd");
  auto platform = std::make_unique<SystemcPlatform>(config, space);
  elaborated = true;
  return platform;
}

}  // namespace hycim::driver
