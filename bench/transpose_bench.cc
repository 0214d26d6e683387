// The transpose inner loop of convert (`transpose_rows`) on GPT-J 6B's matrix shapes, from
// anonymous memory (no page faults, no I/O): how fast the CPU part alone is.
//
//   build/bench/bench/transpose_bench [--benchmark_filter=...]
//
// Each run transposes one output panel as convert does with its 64 MiB buffers: all input
// rows, as many columns as fit. Counter `GB/s` is input bytes per second.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "convert/panel_transpose.h"

namespace {

void BM_TransposePanel(benchmark::State& state) {
  const int64_t rows = state.range(0), cols = state.range(1);
  const int64_t panel = std::min(cols, (int64_t{16} << 20) / rows);  // 64 MiB of float32
  std::vector<uint32_t> in(static_cast<size_t>(rows * cols));
  for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<uint32_t>(i * 2654435761u);
  std::vector<uint32_t> out(static_cast<size_t>(rows * panel));
  std::vector<const uint8_t*> row_ptrs(static_cast<size_t>(rows));
  for (int64_t c0 = 0; auto _ : state) {
    for (int64_t j = 0; j < rows; ++j) {
      row_ptrs[static_cast<size_t>(j)] =
          reinterpret_cast<const uint8_t*>(in.data() + j * cols + c0);
    }
    for (int64_t j0 = 0; j0 < rows; j0 += 64) {
      ckpt::transpose_rows(row_ptrs.data() + j0, ckpt::DType::kF32,
                           std::min<int64_t>(64, rows - j0), panel, out.data() + j0, rows);
    }
    benchmark::DoNotOptimize(out.data());
    c0 = (c0 + panel) % cols;
  }
  state.counters["GB/s"] = benchmark::Counter(static_cast<double>(rows * panel * 4) * 1e-9,
                                              benchmark::Counter::kIsIterationInvariantRate);
}

// [rows, cols] of the HF weight: attention 4096x4096, fc_in 16384x4096, fc_out 4096x16384,
// lm_head 50400x4096.
BENCHMARK(BM_TransposePanel)
    ->Args({4096, 4096})
    ->Args({16384, 4096})
    ->Args({4096, 16384})
    ->Args({50400, 4096})
    ->Unit(benchmark::kMillisecond);

}  // namespace
