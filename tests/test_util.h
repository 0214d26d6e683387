// Small helpers shared by the test suites: temporary directories, whole-file reads, running
// the ckptconv binary, and a tiny tmpfs for disk-full cases.
#pragma once

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "io/error.h"

namespace ckpt {

// The message of the ckpt::Error `f` throws, or "no error".
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

inline std::string test_data(const std::string& rel) {
  return std::string(CKPT_TEST_DATA) + "/" + rel;
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ckptconv-test-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// Drops the file's (clean) pages from the page cache, so the next read of it is cold. False
// when that was not possible.
inline bool evict_from_page_cache(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = fdatasync(fd) == 0 && posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0;
  ::close(fd);
  return ok;
}

// Reads [offset, offset + length) of the file into the page cache, and nothing around it
// (read-ahead off). False when the file cannot be opened or holds fewer bytes there.
inline bool read_into_page_cache(const std::string& path, uint64_t offset, uint64_t length) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
  std::string bytes(length, '\0');
  const bool ok =
      pread(fd, bytes.data(), length, static_cast<off_t>(offset)) == static_cast<ssize_t>(length);
  ::close(fd);
  return ok;
}

// Sorted names of the entries of `dir` (hidden ones included).
inline std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `args` (argv[0] is the program) with stdin closed, capturing stdout and stderr.
inline CommandResult run_command(const std::vector<std::string>& args,
                                 const std::vector<std::string>& env = {}) {
  TempDir io;
  const std::string out_path = io / "out", err_path = io / "err";
  pid_t pid = fork();
  if (pid == 0) {
    int in = open("/dev/null", O_RDONLY);
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    for (const std::string& kv : env) putenv(const_cast<char*>(kv.c_str()));
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  return r;
}

// Runs the ckptconv binary under test.
inline CommandResult ckptconv(const std::vector<std::string>& args,
                              const std::vector<std::string>& env = {}) {
  std::vector<std::string> full{CKPTCONV_BIN};
  full.insert(full.end(), args.begin(), args.end());
  return run_command(full, env);
}

inline constexpr const char* kNoMountNamespace =
    "cannot mount a tmpfs here (needs root or user namespaces)";

// Forks; the child enters private user+mount namespaces, mounts a 64 KiB tmpfs and runs
// `body(mountpoint)`. Returns what body returned with the mount point replaced by "<tmpfs>",
// or kNoMountNamespace when the sandbox forbids it.
inline std::string run_in_small_tmpfs(const std::function<std::string(const std::string&)>& body) {
  TempDir mnt;
  int pipefd[2];
  if (pipe(pipefd) != 0) return "pipe failed";
  pid_t pid = fork();
  if (pid == 0) {
    close(pipefd[0]);
    std::string result;
    bool mounted =
        (geteuid() == 0 ? unshare(CLONE_NEWNS) : unshare(CLONE_NEWUSER | CLONE_NEWNS)) == 0 &&
        mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0 &&
        mount("tmpfs", mnt.path().c_str(), "tmpfs", 0, "size=64k") == 0;
    if (!mounted) {
      result = kNoMountNamespace;
    } else {
      result = body(mnt.path());
      for (size_t at; (at = result.find(mnt.path())) != std::string::npos;) {
        result.replace(at, mnt.path().size(), "<tmpfs>");
      }
    }
    ssize_t ignored = write(pipefd[1], result.data(), result.size());
    (void)ignored;
    _exit(0);
  }
  close(pipefd[1]);
  std::string result;
  std::array<char, 4096> buf{};
  for (ssize_t n; (n = read(pipefd[0], buf.data(), buf.size())) > 0;) result.append(buf.data(), n);
  close(pipefd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return result;
}

}  // namespace ckpt
