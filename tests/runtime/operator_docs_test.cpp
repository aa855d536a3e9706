// docs/runtime.md lists the operators hycim runs, split by where they run;
// the list must be the kernel table (runtime/onnx/kernel.hpp), no more, no less.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "runtime/onnx/kernel.hpp"

namespace hycim::runtime {
namespace {

// The names after "- device:" / "- host:" between the operators markers.
std::set<std::string> documented(const std::string& where) {
  std::ifstream f(std::filesystem::path(HYCIM_SOURCE_DIR) / "docs" / "runtime.md");
  std::stringstream all;
  all << f.rdbuf();
  const std::string text = all.str();
  const auto begin = text.find("<!-- operators:begin -->"),
             end = text.find("<!-- operators:end -->");
  EXPECT_NE(begin, std::string::npos);
  EXPECT_NE(end, std::string::npos);
  const std::string block = text.substr(begin, end - begin);
  const auto at = block.find("- " + where + ":");
  EXPECT_NE(at, std::string::npos) << where;
  const auto stop = block.find("\n- ", at + 1);
  std::string list =
      block.substr(at + where.size() + 3,
                   stop == std::string::npos ? std::string::npos : stop - at - where.size() - 3);
  std::set<std::string> names;
  std::string name;
  for (char c : list + ",") {
    if (c == ',') {
      if (!name.empty()) names.insert(name);
      name.clear();
    } else if (c != ' ' && c != '\n') {
      name += c;
    }
  }
  return names;
}

TEST(OperatorDocs, ListIsTheKernelTable) {
  std::set<std::string> device, host;
  for (const auto& [name, fn] : kernel_table())
    if (name.rfind("hycim.", 0) != 0) (runs_on_device(name) ? device : host).insert(name);
  EXPECT_EQ(documented("device"), device);
  EXPECT_EQ(documented("host"), host);
}

}  // namespace
}  // namespace hycim::runtime
