#include "formats/pickle_writer.h"

#include <map>
#include <optional>

#include "io/error.h"

namespace ckpt {
namespace {

// Pickle opcodes used (protocol 2, as torch.save writes data.pkl):
//   \x80 n  PROTO n         c       GLOBAL "module\nname\n"   q i   BINPUT (1-byte memo index)
//   r i     LONG_BINPUT (4) h i     BINGET (1-byte)           j i   LONG_BINGET (4-byte)
//   (       MARK            t       TUPLE (since MARK)         )     EMPTY_TUPLE
//   \x85    TUPLE1          \x86    TUPLE2                     \x87  TUPLE3
//   R       REDUCE (callable, args tuple)                      Q     BINPERSID (pid from stack)
//   X n     BINUNICODE (4-byte LE length, UTF-8)               }     EMPTY_DICT (unused)
//   K b     BININT1 (u8)    M w     BININT2 (u16 LE)           J i   BININT (i32 LE)
//   \x8a n  LONG1 (n-byte LE two's complement)                 \x89  NEWFALSE
//   u       SETITEMS (key/value pairs since MARK)              .     STOP
class Pickler {
 public:
  Pickler() { out_ = "\x80\x02"; }

  // Python's pickler memoizes every global, string and non-empty tuple it writes (BINPUT) and
  // writes BINGET when the same object comes again. Globals and the constant strings
  // "storage" and "cpu" are such repeats in torch.save's output; tensor names and storage keys
  // are fresh objects each time.
  void global(const std::string& module, const std::string& name) {
    if (reuse("c" + module + "\n" + name + "\n")) return;
    out_ += 'c';
    out_ += module + "\n" + name + "\n";
    remember("c" + module + "\n" + name + "\n");
  }
  void str(const std::string& s, bool shared = false) {
    if (shared && reuse("X" + s)) return;
    out_ += 'X';
    u32(s.size());
    out_ += s;
    if (shared) {
      remember("X" + s);
    } else {
      put();
    }
  }
  void integer(int64_t v) {
    if (v >= 0 && v < 256) {
      out_ += 'K';
      out_ += static_cast<char>(v);
    } else if (v >= 0 && v < 65536) {
      out_ += 'M';
      out_ += static_cast<char>(v & 0xFF);
      out_ += static_cast<char>(v >> 8);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      out_ += 'J';
      u32(static_cast<uint32_t>(static_cast<int32_t>(v)));
    } else {
      // LONG1 with the fewest bytes that keep the sign: 8 LE bytes trimmed while the top byte
      // is only sign extension of the next.
      std::string b;
      for (int i = 0; i < 8; ++i)
        b += static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xFF);
      while (b.size() > 1) {
        const auto top = static_cast<uint8_t>(b.back());
        const auto next = static_cast<uint8_t>(b[b.size() - 2]);
        if ((top == 0x00 && next < 0x80) || (top == 0xFF && next >= 0x80)) {
          b.pop_back();
        } else {
          break;
        }
      }
      out_ += '\x8a';
      out_ += static_cast<char>(b.size());
      out_ += b;
    }
  }
  // A tuple of small ints, with TUPLE1..3 for short ones as Python does.
  void int_tuple(const Shape& v) {
    if (v.empty()) {
      out_ += ')';
      return;
    }
    if (v.size() > 3) out_ += '(';
    for (int64_t x : v) integer(x);
    static constexpr char kShort[] = {0, '\x85', '\x86', '\x87'};
    out_ += v.size() > 3 ? 't' : kShort[v.size()];
    put();
  }
  void op(char c) { out_ += c; }
  uint32_t put() {
    const uint32_t i = next_memo_++;
    if (i < 256) {
      out_ += 'q';
      out_ += static_cast<char>(i);
    } else {
      out_ += 'r';
      u32(i);
    }
    return i;
  }
  std::string take() { return std::move(out_); }

 private:
  bool reuse(const std::string& key) {
    auto it = memo_.find(key);
    if (it == memo_.end()) return false;
    get(it->second);
    return true;
  }
  void remember(const std::string& key) { memo_.emplace(key, put()); }
  void get(uint32_t i) {
    if (i < 256) {
      out_ += 'h';
      out_ += static_cast<char>(i);
    } else {
      out_ += 'j';
      u32(i);
    }
  }
  void u32(uint64_t v) {
    for (int i = 0; i < 4; ++i) out_ += static_cast<char>((v >> (8 * i)) & 0xFF);
  }

  std::string out_;
  std::map<std::string, uint32_t> memo_;
  uint32_t next_memo_ = 0;
};

}  // namespace

std::string torch_storage_class(DType t) {
  switch (t) {
    case DType::kF32:
      return "FloatStorage";
    case DType::kF64:
      return "DoubleStorage";
    case DType::kF16:
      return "HalfStorage";
    case DType::kBF16:
      return "BFloat16Storage";
    case DType::kI64:
      return "LongStorage";
    case DType::kI32:
      return "IntStorage";
    case DType::kI16:
      return "ShortStorage";
    case DType::kI8:
      return "CharStorage";
    case DType::kU8:
      return "ByteStorage";
    case DType::kBool:
      return "BoolStorage";
    case DType::kString:
      return "";
  }
  return "";
}

std::string torch_state_dict_pickle(const std::vector<PickledTensor>& tensors,
                                    const std::string& file) {
  Pickler p;
  // OrderedDict(): GLOBAL, EMPTY_TUPLE, REDUCE.
  p.global("collections", "OrderedDict");
  p.op(')');
  p.op('R');
  p.put();
  constexpr size_t kBatch = 1000;  // Python's pickler emits SETITEMS every 1000 pairs
  for (size_t i = 0; i < tensors.size(); ++i) {
    const PickledTensor& t = tensors[i];
    const std::string storage = torch_storage_class(t.dtype);
    if (storage.empty()) {
      throw_bad_input(file, "tensor '" + t.name + "' has dtype " +
                                std::string(dtype_name(t.dtype)) +
                                ", which a PyTorch checkpoint cannot hold");
    }
    const int64_t numel = shape_numel(t.shape);
    const std::optional<Shape> strides = contiguous_strides(t.shape);
    if (numel < 0 || !strides) {
      throw_bad_input(file,
                      "tensor '" + t.name + "' has invalid shape " + shape_to_string(t.shape));
    }
    if (i % kBatch == 0) p.op('(');
    p.str(t.name);
    p.global("torch._utils", "_rebuild_tensor_v2");
    p.op('(');  // the call's arguments
    p.op('(');  // the persistent id tuple
    p.str("storage", /*shared=*/true);
    p.global("torch", storage);
    p.str(t.storage_key);
    p.str("cpu", /*shared=*/true);
    p.integer(numel);
    p.op('t');
    p.put();
    p.op('Q');
    p.integer(0);  // storage offset
    p.int_tuple(t.shape);
    p.int_tuple(*strides);
    p.op('\x89');                            // requires_grad = False
    p.global("collections", "OrderedDict");  // backward_hooks = OrderedDict()
    p.op(')');
    p.op('R');
    p.put();
    p.op('t');
    p.put();
    p.op('R');
    p.put();
    if (i % kBatch == kBatch - 1 || i + 1 == tensors.size()) p.op('u');
  }
  p.op('.');
  return p.take();
}

}  // namespace ckpt
