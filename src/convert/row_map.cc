#include "convert/row_map.h"

#include <stdexcept>

namespace ckpt {

void check_row_map(std::span<const int64_t> map, int64_t rows, const char* who,
                   const std::string& name) {
  for (int64_t r : map) {
    if (r < 0 || r >= rows) {
      throw std::invalid_argument(std::string(who) + ": row_map entry " + std::to_string(r) +
                                  " outside [0, " + std::to_string(rows) + ") for '" + name + "'");
    }
  }
}

void release_rows(const TensorView& view, std::span<const int64_t> map, int64_t j0, int64_t j1,
                  int64_t pitch) {
  for (int64_t j = j0; j < j1;) {
    const int64_t first = source_row(map, j);
    int64_t n = 1;
    while (j + n < j1 && source_row(map, j + n) == first + n) ++n;
    view.file->release_behind(view.offset + static_cast<uint64_t>(first * pitch),
                              static_cast<uint64_t>(n * pitch));
    j += n;
  }
}

}  // namespace ckpt
