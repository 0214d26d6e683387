// How close the TF bundle writer gets to the disk, and how fast crc32c is.
//
//   build/bench/bench/tf_bundle_writer_bench [--benchmark_filter=...]
//   CKPT_BENCH_DIR=/some/disk  (default: the system temp directory) selects where files go.
//
// BM_WriterVsPlainWrite writes 256 MiB of float32 tensors (16 x 16 MiB, pushed in 1 MiB chunks
// as convert does) through the writer, then the same bytes with plain write() calls into a file
// in the same directory; both end with fdatasync, as the writer's commit() does. Counter
// `ratio` = writer time / plain time (1.0 = the writer costs nothing beyond the disk).
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "formats/tf_bundle_writer.h"
#include "io/crc32c.h"

namespace {

constexpr size_t kTotal = size_t{256} << 20;
constexpr size_t kTensor = size_t{16} << 20;
constexpr size_t kChunk = size_t{1} << 20;

std::string bench_dir() {
  const char* env = std::getenv("CKPT_BENCH_DIR");
  std::filesystem::path dir = env != nullptr ? env : std::filesystem::temp_directory_path();
  dir /= "ckptconv-tf-bench-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  return dir.string();
}

// 64 MiB of random floats, cycled, so the source is not all in cache.
const std::vector<uint8_t>& source() {
  static const std::vector<uint8_t> bytes = [] {
    std::vector<uint8_t> v(size_t{64} << 20);
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> dist(-0.1f, 0.1f);
    for (size_t i = 0; i + 4 <= v.size(); i += 4) {
      const float f = dist(rng);
      std::memcpy(&v[i], &f, 4);
    }
    return v;
  }();
  return bytes;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double g_commit_s = 0;  // time in finish() + commit(): index, fdatasync, renames

double run_writer(const std::string& dir) {
  const auto& src = source();
  const auto t0 = std::chrono::steady_clock::now();
  auto writer = ckpt::make_tf_bundle_writer(dir + "/model.ckpt");
  size_t at = 0;
  for (size_t t = 0; t < kTotal / kTensor; ++t) {
    writer->begin_tensor({"layer_" + std::to_string(t) + "/kernel",
                          ckpt::DType::kF32,
                          {static_cast<int64_t>(kTensor / 4 / 1024), 1024}});
    for (size_t done = 0; done < kTensor; done += kChunk) {
      writer->append({src.data() + at, kChunk});
      at = (at + kChunk) % src.size();
    }
    writer->end_tensor();
  }
  const auto t1 = std::chrono::steady_clock::now();
  writer->finish();
  writer->commit();
  g_commit_s += seconds_since(t1);
  const double s = seconds_since(t0);
  std::filesystem::remove_all(dir);  // untimed: neither side pays for freeing the other's blocks
  std::filesystem::create_directories(dir);
  return s;
}

double run_plain_write(const std::string& dir) {
  const auto& src = source();
  const std::string path = dir + "/plain.bin";
  const auto t0 = std::chrono::steady_clock::now();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) std::abort();
  size_t at = 0;
  for (size_t done = 0; done < kTotal; done += kChunk) {
    if (::write(fd, src.data() + at, kChunk) != static_cast<ssize_t>(kChunk)) std::abort();
    at = (at + kChunk) % src.size();
  }
  ::fdatasync(fd);
  ::close(fd);
  const double s = seconds_since(t0);
  std::filesystem::remove(path);
  return s;
}

void BM_WriterVsPlainWrite(benchmark::State& state) {
  const std::string dir = bench_dir();
  source();
  double writer_s = 0, plain_s = 0;
  bool writer_first = true;
  for (auto _ : state) {
    // Alternate the order so neither side always runs right after the other's writeback.
    double w = 0, p = 0;
    if (writer_first) {
      w = run_writer(dir);
      p = run_plain_write(dir);
    } else {
      p = run_plain_write(dir);
      w = run_writer(dir);
    }
    writer_first = !writer_first;
    writer_s += w;
    plain_s += p;
    state.SetIterationTime(w);
  }
  std::filesystem::remove_all(dir);
  const double n = static_cast<double>(state.iterations());
  state.counters["writer_MiB/s"] = static_cast<double>(kTotal >> 20) * n / writer_s;
  state.counters["plain_MiB/s"] = static_cast<double>(kTotal >> 20) * n / plain_s;
  state.counters["ratio"] = writer_s / plain_s;
  state.counters["writer_commit_ms"] = g_commit_s * 1000 / n;
  g_commit_s = 0;
}
BENCHMARK(BM_WriterVsPlainWrite)->UseManualTime()->Iterations(4)->Unit(benchmark::kMillisecond);

// Each side alone, to see the parts of the ratio.
template <double (*Run)(const std::string&)>
void BM_Alone(benchmark::State& state) {
  const std::string dir = bench_dir();
  source();
  for (auto _ : state) state.SetIterationTime(Run(dir));
  std::filesystem::remove_all(dir);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kTotal));
}
BENCHMARK(BM_Alone<run_writer>)->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Alone<run_plain_write>)->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);

template <uint32_t (*Crc)(uint32_t, const uint8_t*, size_t)>
void BM_Crc32c(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const auto& src = source();
  uint32_t c = 0;
  for (auto _ : state) {
    c = Crc(c, src.data(), n);
    benchmark::DoNotOptimize(c);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

// The hardware path fed 8 KiB at a time never reaches the 3-stream loop (it needs 12 KiB):
// this is what a single dependency chain of crc32 instructions achieves.
uint32_t hardware_single_stream(uint32_t c, const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; i += 8192) c = ckpt::crc32c_extend_hardware(c, p + i, 8192);
  return c;
}

void BM_Crc32cHardware(benchmark::State& state) {
  if (!ckpt::crc32c_hardware_available()) {
    state.SkipWithError("no SSE4.2");
    return;
  }
  BM_Crc32c<ckpt::crc32c_extend_hardware>(state);
}
void BM_Crc32cHardwareSingleStream(benchmark::State& state) {
  if (!ckpt::crc32c_hardware_available()) {
    state.SkipWithError("no SSE4.2");
    return;
  }
  BM_Crc32c<hardware_single_stream>(state);
}
BENCHMARK(BM_Crc32cHardware)->Arg(1 << 20)->Arg(16 << 20);
BENCHMARK(BM_Crc32cHardwareSingleStream)->Arg(1 << 20)->Arg(16 << 20);
BENCHMARK(BM_Crc32c<ckpt::crc32c_extend_table>)->Arg(1 << 20)->Arg(16 << 20);

}  // namespace
