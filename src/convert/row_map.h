// A row map re-indexes a tensor's first dimension: logical row j is source row map[j] (an
// empty map is the identity). convert's streaming and verify's compare both read a source
// through one; this is what they share.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "formats/tensor_view.h"

namespace ckpt {

inline int64_t source_row(std::span<const int64_t> map, int64_t j) {
  return map.empty() ? j : map[static_cast<size_t>(j)];
}

// Throws std::invalid_argument "<who>: row_map entry R outside [0, rows) for '<name>'" for an
// entry that is not a source row: a caller's broken precondition, not bad input.
void check_row_map(std::span<const int64_t> map, int64_t rows, const char* who,
                   const std::string& name);

// Hands back the mapping's pages of logical rows [j0, j1) of `view` (source rows `pitch`
// bytes apart), one MappedFile::release_behind per run of consecutive source rows (the
// identity map is one run). REQUIRES: view is contiguous.
void release_rows(const TensorView& view, std::span<const int64_t> map, int64_t j0, int64_t j1,
                  int64_t pitch);

}  // namespace ckpt
