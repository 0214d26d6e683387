#include "io/drop_behind.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <tuple>

namespace ckpt {
namespace {

// The largest page-cache folio on x86-64 (a PMD): a drop reaches this far past its range.
constexpr uint64_t kReach = uint64_t{2} << 20;

}  // namespace

DropBehind::DropBehind(std::vector<Range> ranges) : ranges_(std::move(ranges)) {
  for (const Range& r : ranges_) {
    if (r.file == nullptr) throw std::invalid_argument("DropBehind: a range without a file");
    const bool cached = r.file->cached_at_open(r.offset, r.length) * 2 >= r.length;
    state_.push_back(cached ? State::kCached : State::kToRead);
  }
  by_place_.resize(ranges_.size());
  std::iota(by_place_.begin(), by_place_.end(), size_t{0});
  std::sort(by_place_.begin(), by_place_.end(), [&](size_t a, size_t b) {
    const Range& x = ranges_[a];
    const Range& y = ranges_[b];
    return std::tuple(x.file.get(), x.offset, a) < std::tuple(y.file.get(), y.offset, b);
  });
  place_.resize(ranges_.size());
  for (size_t p = 0; p < by_place_.size(); ++p) place_[by_place_[p]] = p;
}

void DropBehind::consumed(size_t count) {
  for (count = std::min(count, ranges_.size()); consumed_ < count; ++consumed_) {
    if (state_[consumed_] == State::kCached) continue;
    state_[consumed_] = State::kDropped;
    drop(consumed_);
  }
}

void DropBehind::drop(size_t i) {
  const Range& r = ranges_[i];
  const uint64_t size = r.file->size();
  const uint64_t end_of_range = std::min(size, r.offset + std::min(r.length, size));
  uint64_t begin = r.offset > kReach ? r.offset - kReach : 0;
  uint64_t end = std::min(size, end_of_range + kReach);
  for (size_t p = place_[i]; p-- > 0;) {  // back to the nearest range not done with
    const Range& n = ranges_[by_place_[p]];
    if (n.file != r.file) break;
    if (state_[by_place_[p]] != State::kDropped) {
      begin = std::max(begin, n.offset + n.length);
      break;
    }
    if (n.offset <= begin) break;
  }
  for (size_t p = place_[i] + 1; p < by_place_.size(); ++p) {  // on to the next one
    const Range& n = ranges_[by_place_[p]];
    if (n.file != r.file || n.offset >= end) break;
    if (state_[by_place_[p]] != State::kDropped) {
      end = std::min(end, n.offset);
      break;
    }
  }
  if (begin < end) r.file->drop_cached(begin, end - begin);
}

}  // namespace ckpt
