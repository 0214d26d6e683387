#include "formats/tensor_view.h"

#include "formats/quote.h"
#include "io/error.h"

namespace ckpt {
namespace {

// a * b + c for non-negative operands, or -1 when it overflows int64.
int64_t mul_add(int64_t a, int64_t b, int64_t c) {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r) || __builtin_add_overflow(r, c, &r)) return -1;
  return r;
}

}  // namespace

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return -1;
    n = mul_add(n, d, 0);
    if (n < 0) return -1;
  }
  return n;
}

int64_t shape_bytes(const Shape& shape, DType dtype) {
  const int64_t n = shape_numel(shape);
  return n < 0 ? -1 : mul_add(n, static_cast<int64_t>(dtype_size(dtype)), 0);
}

std::optional<Shape> contiguous_strides(const Shape& shape) {
  Shape s(shape.size());
  int64_t acc = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    s[i] = acc;
    if (shape[i] < 0) return std::nullopt;
    // The stride before the first dimension is never used: only the products that are
    // strides must fit.
    if (i > 0 && (acc = mul_add(acc, shape[i], 0)) < 0) return std::nullopt;
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

TensorView TensorView::make(std::string name, DType dtype, Shape shape,
                            std::optional<Shape> strides, MappedFilePtr file, uint64_t offset,
                            const std::optional<ByteRegion>& within) {
  const std::string& path = file->path();
  const std::string what = "tensor " + ckpt::quoted(name);
  for (int64_t d : shape) {
    if (d < 0) {
      throw_bad_input(path,
                      what + " has shape " + shape_to_string(shape) + " with a negative dimension");
    }
  }
  if (shape_bytes(shape, dtype) < 0) {
    throw_bad_input(
        path, what + " has shape " + shape_to_string(shape) + " whose byte size overflows 64 bits");
  }
  if (!strides) {
    strides = contiguous_strides(shape);
    if (!strides) {
      throw_bad_input(
          path, what + " has shape " + shape_to_string(shape) + " whose strides overflow 64 bits");
    }
  }
  if (strides->size() != shape.size()) {
    throw_bad_input(path, what + " has shape " + shape_to_string(shape) + " but stride " +
                              shape_to_string(*strides));
  }
  for (int64_t s : *strides) {
    if (s < 0) {
      throw_bad_input(path,
                      what + " has stride " + shape_to_string(*strides) + " with a negative step");
    }
  }

  // The region must lie in the file, and the view in the region.
  const ByteRegion region = within.value_or(ByteRegion{0, file->size(), "the file"});
  file->bytes(region.begin, region.size, region.what.c_str());  // throws when outside the file
  int64_t span = 0;  // bytes the strides reach from `offset`
  if (shape_numel(shape) > 0) {
    int64_t last = 0;  // index of the furthest element
    for (size_t i = 0; i < shape.size() && last >= 0; ++i)
      last = mul_add(shape[i] - 1, (*strides)[i], last);
    span = last < 0 ? -1 : mul_add(last + 1, static_cast<int64_t>(dtype_size(dtype)), 0);
  }
  const uint64_t rel = offset - region.begin;
  if (offset < region.begin || rel > region.size || span < 0 ||
      static_cast<uint64_t>(span) > region.size - rel) {
    throw_bad_input(path, what + " (shape " + shape_to_string(shape) + ", stride " +
                              shape_to_string(*strides) + ", byte offset " +
                              std::to_string(static_cast<int64_t>(rel)) +
                              ") reaches past the end of " + region.what + " (" +
                              std::to_string(region.size) + " bytes)");
  }

  TensorView v;
  v.name = std::move(name);
  v.dtype = dtype;
  v.shape = std::move(shape);
  v.strides = std::move(*strides);
  v.file = std::move(file);
  v.offset = offset;
  return v;
}

int64_t TensorView::numel() const { return shape_numel(shape); }

uint64_t TensorView::byte_size() const {
  return static_cast<uint64_t>(numel()) * dtype_size(dtype);
}

bool TensorView::is_contiguous() const {
  if (numel() <= 1) return true;
  const std::optional<Shape> want = contiguous_strides(shape);
  if (!want) return false;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] != 1 && strides[i] != (*want)[i]) return false;
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
