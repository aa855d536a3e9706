// A corpus of malformed wire messages, each of which hycimd must refuse by
// closing the connection: too short, too long, bad magic or version,
// unknown type, an unsolicited reply, lengths that disagree, wrong fd
// counts, non-zero padding, a HELLO without a valid owner namespace, fields
// out of their range. Used by the fault test against a live daemon,
// by the parser regression test, and written out as the fuzzer's seeds.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace hycim::driver::test {

struct MalformedMessage {
  std::string name;
  std::vector<uint8_t> bytes;
  int fds = 0;  // descriptors sent along (eventfds)
};

std::vector<MalformedMessage> malformed_messages();

// Sends `m` on `sock` as it is (the bytes are the case, not a well-formed
// header), with m.fds fresh eventfds as SCM_RIGHTS; false when sendmsg fails.
bool send_malformed(int sock, const MalformedMessage& m);

}  // namespace hycim::driver::test
