#include "tests/driver/backend_fixture.hpp"

#include <algorithm>
#include <cstring>

namespace hycim::driver::test {

std::string sim_uri(const std::string& engine) {
  static TempDir dir;  // one per process, like the SystemC device itself
  return "sim://?engine=" + engine + "&config=small&tiles=2&nvm=" + dir.path + "/" + engine +
         ".nvm";
}

void DriverApi::SetUp() {
  const std::string backend = GetParam();
  if (backend == "unix") {
    daemon_ = std::make_unique<DaemonProcess>();
    uri_ = daemon_->uri();
  } else {
    uri_ = sim_uri(backend == "systemc" ? "systemc" : "functional");
  }
  dev_ = open();
}

std::unique_ptr<Buffer> DriverApi::mapped(Device& d, size_t bytes, uint32_t access, uint8_t fill) {
  auto b = d.alloc(bytes);
  std::memset(b->data(), fill, bytes);
  EXPECT_EQ(b->map(access), Status::kOk);
  return b;
}

std::vector<CompletionRecord> DriverApi::run(Queue& q, const std::vector<CommandRecord>& cmds) {
  std::vector<CompletionRecord> out(cmds.size());
  size_t sent = 0, got = 0;
  while (got < cmds.size()) {
    size_t took = 0;
    if (sent < cmds.size())
      q.submit(std::span(cmds).subspan(sent), &took);  // kNoSpace: the rest waits
    sent += took;
    size_t n = 0;
    const Status st = q.wait(std::span(out).subspan(got, sent - got), 1, 5000ms, &n);
    got += n;
    if (st != Status::kOk) {
      ADD_FAILURE() << "wait: " << to_string(st);
      out.resize(got);
      return out;
    }
  }
  return out;
}

std::vector<int32_t> mvm_reference(const std::vector<int8_t>& w, const std::vector<int8_t>& x,
                                   uint32_t lanes) {
  std::vector<int32_t> acc(lanes, 0);
  for (size_t k = 0; k < x.size(); ++k)
    for (uint32_t l = 0; l < lanes; ++l) acc[l] += int32_t{x[k]} * w[k * lanes + l];
  return acc;
}

}  // namespace hycim::driver::test
