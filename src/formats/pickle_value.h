// The values a restricted unpickler can produce. Values live in an arena owned by the
// Unpickler and refer to each other by pointer, so memo sharing and even cycles (a list that
// contains itself) cost nothing and leak nothing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ckpt::pickle {

enum class Kind : uint8_t {
  kNone,
  kBool,
  kInt,
  kBigInt,  // LONG1/LONG4 wider than 64 bits: raw little-endian two's complement in `text`
  kFloat,
  kString,
  kBytes,
  kTuple,
  kList,
  kDict,    // dict and collections.OrderedDict: keys and values interleaved in `items`
  kGlobal,  // an allow-listed global; `text` is "module.name"
  kObject,  // made by the caller's Hooks; `text` is its type tag, `integer` its handle
};

struct Value {
  Kind kind = Kind::kNone;
  bool boolean = false;
  int64_t integer = 0;
  double real = 0;
  std::string text;
  std::vector<Value*> items;

  bool is(Kind k) const { return kind == k; }
  // For kDict: number of key/value pairs.
  size_t dict_size() const { return items.size() / 2; }
};

// "int", "str", "tuple", "torch.FloatStorage" (a global), "<tag>" (an object), ...
std::string describe(const Value& v);

}  // namespace ckpt::pickle
