// What an O_DIRECT request costs this machine, by request size: the question behind "read the
// transposed matrices with O_DIRECT" (issue 10). Under the 256 MiB memory bound a transposed
// GPT-J MLP matrix (256 MiB) can only be walked with one request per matrix row and panel on one
// side, reads or writes, so the requests are at most 16-64 KiB.
//
//   direct_pieces read|write FILE PIECE_KIB [THREADS=8] [MIB=2048]
//
// Moves the first MIB MiB of FILE (write: FILE is created or overwritten and sized first) in
// PIECE_KIB pieces with O_DIRECT, strided as a panel walk: the range taken as rows of 4 pieces,
// pass p moves piece p of every row, so each byte moves once. THREADS threads keep that many
// requests in flight. `read` asks one aligned 4 KiB page more per piece than it uses, as an
// unaligned tensor in a safetensors file would need. Prints the requests, then the wall time
// and the user and system CPU seconds of the transfers alone (the buffers are allocated and
// touched before): CPU per GB and per request is the answer (bench/direct_io_floor.sh, cold).
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "io/large_buffer.h"

namespace {

constexpr uint64_t kPage = 4096;

double seconds(const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; }

int usage() {
  std::fprintf(stderr, "usage: direct_pieces read|write FILE PIECE_KIB [THREADS=8] [MIB=2048]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || argc > 6) return usage();
  const std::string mode = argv[1], path = argv[2];
  const uint64_t piece = std::strtoull(argv[3], nullptr, 10) * 1024;
  const int threads = argc > 4 ? std::atoi(argv[4]) : 8;
  const uint64_t total = (argc > 5 ? std::strtoull(argv[5], nullptr, 10) : 2048) << 20;
  if ((mode != "read" && mode != "write") || piece == 0 || piece % kPage != 0 || threads < 1 ||
      total % (4 * piece) != 0) {
    return usage();
  }
  const bool write = mode == "write";
  const int fd = ::open(path.c_str(), (write ? O_WRONLY | O_CREAT : O_RDONLY) | O_DIRECT, 0644);
  if (fd < 0 || (write && ftruncate(fd, static_cast<off_t>(total)) != 0)) {
    std::perror(path.c_str());
    return 1;
  }
  const uint64_t rows = total / (4 * piece), requests = 4 * rows;
  const uint64_t asked = write ? piece : piece + kPage;
  std::atomic<uint64_t> next{0};
  std::atomic<int> failed{0};
  std::vector<ckpt::LargeBuffer> buffers;
  for (int t = 0; t < threads; ++t) {
    buffers.emplace_back(asked);
    std::memset(buffers.back().data(), 1, asked);  // first touch is not the transfers' cost
  }
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      const ckpt::LargeBuffer& buffer = buffers[static_cast<size_t>(t)];
      for (uint64_t i = next++; i < requests; i = next++) {
        const uint64_t pass = i / rows, row = i % rows;
        const auto at = static_cast<off_t>((row * 4 + pass) * piece);
        const ssize_t n =
            write ? pwrite(fd, buffer.data(), asked, at) : pread(fd, buffer.data(), asked, at);
        if (n < static_cast<ssize_t>(write ? asked : piece)) failed = errno == 0 ? EIO : errno;
      }
    });
  }
  for (std::thread& t : pool) t.join();
  if (write && fdatasync(fd) != 0) failed = errno;
  const std::chrono::duration<double> wall = std::chrono::steady_clock::now() - start;
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  ::close(fd);
  if (failed != 0) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), std::strerror(failed));
    return 1;
  }
  std::printf("%llu %.2f %.2f %.2f\n", static_cast<unsigned long long>(requests), wall.count(),
              seconds(after.ru_utime) - seconds(before.ru_utime),
              seconds(after.ru_stime) - seconds(before.ru_stime));
  return 0;
}
