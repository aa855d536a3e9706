// libhycim_driver.so exports every function hycim_driver.h declares, and
// nothing but hycim_* symbols (hidden visibility plus a version script); it
// carries no simulator (no SystemC, Verilator, device or NVM code, no such
// library among its dependencies): sim:// is the plugin libhycim_sim.so.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::set<std::string> declared_functions() {
  std::ifstream in(HYCIM_DRIVER_HEADER);
  std::stringstream text;
  text << in.rdbuf();
  const std::string s = text.str();
  // Each declaration: "HYCIM_API <type> hycim_name(" (no <regex>: g++ 12
  // warns inside it under the sanitizers).
  std::set<std::string> names;
  for (size_t at = s.find("HYCIM_API "); at != std::string::npos;
       at = s.find("HYCIM_API ", at + 1)) {
    const size_t paren = s.find('(', at), semi = s.find(';', at);
    if (paren == std::string::npos || semi < paren) continue;
    const size_t name = s.rfind("hycim_", paren);
    if (name != std::string::npos && name > at) names.insert(s.substr(name, paren - name));
  }
  return names;
}

TEST(DriverExports, EveryDeclaredFunctionIsExported) {
  const auto names = declared_functions();
  ASSERT_GT(names.size(), 25u);
  void* lib = dlopen(HYCIM_DRIVER_SO, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(lib, nullptr) << dlerror();
  for (const auto& n : names) EXPECT_NE(dlsym(lib, n.c_str()), nullptr) << n << " not exported";
  dlclose(lib);
}

TEST(DriverExports, NothingElseIsExported) {
  FILE* p = popen("nm -D --defined-only " HYCIM_DRIVER_SO, "r");
  ASSERT_NE(p, nullptr);
  char line[1024];
  size_t checked = 0;
  while (fgets(line, sizeof line, p)) {
    std::string sym = line;
    sym = sym.substr(sym.rfind(' ') + 1);
    sym.pop_back();  // newline
    if (sym.empty() || sym.rfind("hycim_", 0) == 0 || sym.find("@@") != std::string::npos) continue;
    ADD_FAILURE() << "exported: " << sym;
    ++checked;
  }
  pclose(p);
  EXPECT_EQ(checked, 0u);
}

// Every line of `command`'s output.
std::vector<std::string> lines_of(const std::string& command) {
  std::vector<std::string> out;
  FILE* p = popen(command.c_str(), "r");
  if (!p) return out;
  char line[4096];
  while (fgets(line, sizeof line, p)) out.emplace_back(line);
  pclose(p);
  return out;
}

TEST(DriverExports, CarriesNoSimulator) {
  const auto needed = lines_of("readelf -d " HYCIM_DRIVER_SO);
  size_t libs = 0;
  for (const std::string& l : needed) {
    if (l.find("(NEEDED)") == std::string::npos) continue;
    ++libs;
    for (const char* bad : {"systemc", "verilat", "hycim"})
      EXPECT_EQ(l.find(bad), std::string::npos) << "depends on: " << l;
  }
  EXPECT_GT(libs, 0u);  // readelf ran and found the C++ runtime at least
  // All symbols, local ones too (the library is not stripped).
  const auto symbols = lines_of("nm -C " HYCIM_DRIVER_SO);
  ASSERT_GT(symbols.size(), 100u);
  for (const std::string& s : symbols)
    for (const char* bad : {"sc_core::", "tlm::", "Verilated",
                            "hycim::device::", "hycim::nvm::", "hycim::tile::", "sc_main"})
      EXPECT_EQ(s.find(bad), std::string::npos) << "simulator code in the driver: " << s;
}

}  // namespace
