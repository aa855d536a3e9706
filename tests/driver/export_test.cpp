// libhycim_driver.so exports every function hycim_driver.h declares, and
// nothing but hycim_* symbols (hidden visibility plus a version script).
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

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
    if (sym.empty() || sym.rfind("hycim_", 0) == 0 || sym.find("@@") != std::string::npos ||
        sym == "sc_main")  // libsystemc.so needs one (sim/device provides a weak one)
      continue;
    ADD_FAILURE() << "exported: " << sym;
    ++checked;
  }
  pclose(p);
  EXPECT_EQ(checked, 0u);
}

}  // namespace
