// TempDir: a fresh folder from mkdtemp("/tmp/ss-XXXXXX") for Unix socket files, removed with
// everything in it when the TempDir goes away.
//
// Why /tmp and not $TMPDIR: a Unix socket path must fit in sun_path (107 bytes and a NUL), and
// a temporary folder elsewhere may already be longer than that (Bazel's TEST_TMPDIR is about
// 140 bytes). "/tmp/ss-XXXXXX/echo.sock" always fits.
//
// Owns the folder. Not copyable: two owners would remove it twice.
#ifndef DEMO_TEMP_DIR_H_
#define DEMO_TEMP_DIR_H_

#include <string>

namespace socketserver::demo {

class TempDir {
 public:
  // Throws std::system_error if mkdtemp() fails.
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace socketserver::demo

#endif  // DEMO_TEMP_DIR_H_
