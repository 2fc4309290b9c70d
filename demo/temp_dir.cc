#include "demo/temp_dir.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

#include <cerrno>
#include <system_error>

namespace socketserver::demo {

TempDir::TempDir() {
  char pattern[] = "/tmp/ss-XXXXXX";  // mkdtemp() replaces the Xs in place.
  if (::mkdtemp(pattern) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp /tmp/ss-XXXXXX");
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  // Depth first (FTW_DEPTH), so each folder is empty when its turn comes; FTW_PHYS so a
  // symbolic link is removed, never followed. Errors are ignored: nothing to do about them here.
  ::nftw(
      path_.c_str(),
      [](const char* path, const struct stat*, int, struct FTW*) { return ::remove(path); },
      /*nopenfd=*/16, FTW_DEPTH | FTW_PHYS);
}

}  // namespace socketserver::demo
