// verify's element-by-element comparison of one TF variable against its HF source.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "convert/workers.h"
#include "formats/tf_bundle_reader.h"
#include "io/chunk_reader.h"
#include "models/name_mapping.h"

namespace ckpt {

struct CompareOutcome {
  uint32_t crc32c = 0;  // of the TF bytes, unmasked
  uint64_t mismatches = 0;
  std::string first_mismatch;  // "[r, c]: TF <value> (0x...) != HF <value> (0x...)"
};

// Walks the TF tensor in storage order (computing its crc32c on the way, each worker a share,
// combined) and compares every float32 bit pattern with the HF element it must equal. The HF
// side is seen through `row_map` as for convert (L[j, ...] = hf[row_map[j], ...], empty = the
// identity): TF element (r, c) is L's flat element r * cols + c for a copy, L[c, r] for a
// transpose. A transposed HF matrix is walked in squares of at most 512 HF rows (4 MiB of
// them) by 512 TF rows, its rows' pages released after each column of squares, so the
// resident set stays bounded. TF may also be float16 or bfloat16 (a trained
// checkpoint's), widened exactly a chunk at a time. REQUIRES (checked): tf is contiguous
// float32, float16 or bfloat16; row_map entries in [0, hf.shape[0]); hf contiguous, or a 1-D /
// 2-D strided view. The TF bytes are taken a chunk of rows at a time from `tf_chunks` when
// given (read ahead there, see compare_chunks), from tf's mapping otherwise.
CompareOutcome compare_tensor(const TensorView& tf, const TensorView& hf, TensorOp op,
                              std::span<const int64_t> row_map, Workers& workers,
                              ChunkReader* tf_chunks = nullptr);

// The most TF bytes compare_tensor holds at once (float32 rows; a quarter for half precision).
inline constexpr uint64_t kCompareChunkBytes = uint64_t{96} << 20;

// The ranges of tf's file compare_tensor asks `tf_chunks` for, in order: its chunks of rows,
// each at most kCompareChunkBytes (a row longer than that is one chunk of its own).
std::vector<ChunkReader::Range> compare_chunks(const TensorView& tf);

// Exact float16 -> float32 by arithmetic (verify's own; convert uses a bit-level table).
float widen_half(uint16_t h);

}  // namespace ckpt
