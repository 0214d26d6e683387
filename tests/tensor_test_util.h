// Test helper: a tensor view's elements as bytes, in row-major order, walking its strides (an
// implementation independent of the production gather kernel).
#pragma once

#include <string>
#include <vector>

#include "formats/tensor_view.h"

namespace ckpt {

inline std::string contiguous_bytes(const TensorView& v) {
  const size_t item = dtype_size(v.dtype);
  const int64_t n = v.numel();
  std::string out;
  out.reserve(static_cast<size_t>(n) * item);
  std::vector<int64_t> idx(v.shape.size(), 0);
  for (int64_t k = 0; k < n; ++k) {
    int64_t elem = 0;
    for (size_t d = 0; d < idx.size(); ++d) elem += idx[d] * v.strides[d];
    out.append(reinterpret_cast<const char*>(v.data()) + elem * static_cast<int64_t>(item), item);
    for (size_t d = idx.size(); d-- > 0;) {
      if (++idx[d] < v.shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

}  // namespace ckpt
