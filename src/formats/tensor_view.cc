#include "formats/tensor_view.h"

namespace ckpt {

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return -1;
    if (d != 0 && n > INT64_MAX / d) return -1;
    n *= d;
  }
  return n;
}

Shape contiguous_strides(const Shape& shape) {
  Shape s(shape.size());
  int64_t acc = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

std::string shape_to_string(const Shape& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

int64_t TensorView::numel() const { return shape_numel(shape); }

uint64_t TensorView::byte_size() const {
  return static_cast<uint64_t>(numel()) * dtype_size(dtype);
}

bool TensorView::is_contiguous() const {
  if (numel() <= 1) return true;
  Shape want = contiguous_strides(shape);
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] != 1 && strides[i] != want[i]) return false;
  }
  return true;
}

uint64_t TensorView::span_bytes() const {
  if (numel() == 0) return 0;
  uint64_t last = 0;  // index of the furthest element
  for (size_t i = 0; i < shape.size(); ++i) {
    last += static_cast<uint64_t>(shape[i] - 1) * static_cast<uint64_t>(strides[i]);
  }
  return (last + 1) * dtype_size(dtype);
}

}  // namespace ckpt
