// The fuzz targets' one temporary directory: /tmp/<target>.XXXXXX, made on
// first use and removed with its files when the fuzzer exits. Targets whose
// parsers read paths (files picked by extension, datasets, catalogs) write
// each input there, so no input touches another file of the machine.
#pragma once
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace hycim::fuzz {

inline std::string scratch_directory(const std::string& target) {
  static std::string made;  // one per fuzzer process: each binary calls it once
  std::string tmpl = "/tmp/" + target + ".XXXXXX";
  if (!mkdtemp(tmpl.data())) {
    std::fprintf(stderr, "%s: mkdtemp failed\n", target.c_str());
    std::abort();
  }
  made = tmpl;
  std::atexit([] {
    std::error_code ec;
    std::filesystem::remove_all(made, ec);
  });
  return made;
}

}  // namespace hycim::fuzz
