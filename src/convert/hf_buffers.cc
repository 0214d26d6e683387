#include "convert/hf_buffers.h"

#include <algorithm>
#include <cstring>

namespace ckpt {
namespace {

// Element k of the flat [P, P] mask is (row k / P, column k % P); filled a buffer at a time,
// whatever P is.
void write_causal_mask(WriteBehind& out, const TensorSpec& spec) {
  const int64_t p = spec.shape.at(3);
  const int64_t total = p * p;  // expand_table checked the product
  const auto per_buffer = static_cast<int64_t>(out.buffer_bytes());
  out.begin_tensor(spec);
  for (int64_t k0 = 0; k0 < total; k0 += per_buffer) {
    const int64_t n = std::min(per_buffer, total - k0);
    uint8_t* buf = out.acquire();
    int64_t r = k0 / p, c = k0 % p;
    for (int64_t k = 0; k < n; ++k) {
      buf[k] = c <= r ? 1 : 0;
      if (++c == p) {
        c = 0;
        ++r;
      }
    }
    out.submit(buf, static_cast<size_t>(n));
  }
  out.end_tensor();
}

void write_masked_bias(WriteBehind& out, const TensorSpec& spec) {
  out.begin_tensor(spec);
  uint8_t* buf = out.acquire();
  const float v = -1e9f;
  std::memcpy(buf, &v, 4);
  out.submit(buf, 4);
  out.end_tensor();
}

}  // namespace

void write_hf_buffer(BufferKind kind, const TensorSpec& spec, WriteBehind& out) {
  if (kind == BufferKind::kCausalMask) {
    write_causal_mask(out, spec);
  } else {
    write_masked_bias(out, spec);
  }
}

}  // namespace ckpt
