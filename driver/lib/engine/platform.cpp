#include "driver/lib/engine/platform.hpp"

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstring>
#include <systemc>
#include <tlm>

#include "sim/device/device.hpp"

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

}  // namespace

struct Platform::Impl {
  Bus bus;
  device::Device dev;
  Port port;
  sc_core::sc_signal<bool> irq;

  Impl(const device::DeviceConfig& c, const AddressSpace& s)
      : bus("hycim_driver_bus", s),
        dev("hycim_driver_dev", c),
        port("hycim_driver_port"),
        irq("hycim_driver_irq") {
    dev.dma.bind(bus.socket);
    port.socket.bind(dev.regs);
    dev.irq.bind(irq);
  }

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

Platform::Platform(const device::DeviceConfig& config, const AddressSpace& space)
    : impl_(std::make_unique<Impl>(config, space)) {
  // Ends elaboration, so register writes before the first doorbell take effect.
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
}

Platform::~Platform() = default;

bool Platform::read(uint32_t offset, uint32_t* value) {
  return impl_->access(tlm::TLM_READ_COMMAND, offset, value);
}

bool Platform::write(uint32_t offset, uint32_t value) {
  return impl_->access(tlm::TLM_WRITE_COMMAND, offset, &value);
}

uint32_t Platform::read(uint32_t offset) {
  uint32_t v = 0;
  read(offset, &v);
  return v;
}

void Platform::run() {
  sc_core::sc_start();
}

device::Device& Platform::device() {
  return impl_->dev;
}

}  // namespace hycim::driver
