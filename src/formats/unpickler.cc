#include "formats/unpickler.h"

#include <cstring>

#include "formats/quote.h"
#include "io/error.h"

namespace ckpt::pickle {
namespace {

// Opcodes this unpickler accepts (see pickletools for their meaning).
enum Op : uint8_t {
  kMark = '(',
  kStop = '.',
  kPop = '0',
  kPopMark = '1',
  kDup = '2',
  kBinFloat = 'G',
  kBinInt = 'J',
  kBinInt1 = 'K',
  kBinInt2 = 'M',
  kNone = 'N',
  kBinPersId = 'Q',
  kReduce = 'R',
  kBinString = 'T',
  kShortBinString = 'U',
  kBinUnicode = 'X',
  kAppend = 'a',
  kBuild = 'b',
  kGlobal = 'c',
  kDict = 'd',
  kEmptyDict = '}',
  kAppends = 'e',
  kBinGet = 'h',
  kLongBinGet = 'j',
  kList = 'l',
  kEmptyList = ']',
  kBinPut = 'q',
  kLongBinPut = 'r',
  kSetItem = 's',
  kTuple = 't',
  kEmptyTuple = ')',
  kSetItems = 'u',
  kBinBytes = 'B',
  kShortBinBytes = 'C',
  kProto = 0x80,
  kTuple1 = 0x85,
  kTuple2 = 0x86,
  kTuple3 = 0x87,
  kNewTrue = 0x88,
  kNewFalse = 0x89,
  kLong1 = 0x8a,
  kLong4 = 0x8b,
  kShortBinUnicode = 0x8c,
  kBinUnicode8 = 0x8d,
  kBinBytes8 = 0x8e,
  kStackGlobal = 0x93,
  kMemoize = 0x94,
  kFrame = 0x95,
};

std::string hex2(uint8_t b) {
  static constexpr char kHex[] = "0123456789abcdef";
  return std::string{"0x"} + kHex[b >> 4] + kHex[b & 15];
}

}  // namespace

const char* opcode_name(uint8_t op) {
  switch (op) {
    case kMark:
      return "MARK";
    case kStop:
      return "STOP";
    case kPop:
      return "POP";
    case kPopMark:
      return "POP_MARK";
    case kDup:
      return "DUP";
    case kBinFloat:
      return "BINFLOAT";
    case kBinInt:
      return "BININT";
    case kBinInt1:
      return "BININT1";
    case kBinInt2:
      return "BININT2";
    case kNone:
      return "NONE";
    case kBinPersId:
      return "BINPERSID";
    case kReduce:
      return "REDUCE";
    case kBinString:
      return "BINSTRING";
    case kShortBinString:
      return "SHORT_BINSTRING";
    case kBinUnicode:
      return "BINUNICODE";
    case kAppend:
      return "APPEND";
    case kBuild:
      return "BUILD";
    case kGlobal:
      return "GLOBAL";
    case kDict:
      return "DICT";
    case kEmptyDict:
      return "EMPTY_DICT";
    case kAppends:
      return "APPENDS";
    case kBinGet:
      return "BINGET";
    case kLongBinGet:
      return "LONG_BINGET";
    case kList:
      return "LIST";
    case kEmptyList:
      return "EMPTY_LIST";
    case kBinPut:
      return "BINPUT";
    case kLongBinPut:
      return "LONG_BINPUT";
    case kSetItem:
      return "SETITEM";
    case kTuple:
      return "TUPLE";
    case kEmptyTuple:
      return "EMPTY_TUPLE";
    case kSetItems:
      return "SETITEMS";
    case kBinBytes:
      return "BINBYTES";
    case kShortBinBytes:
      return "SHORT_BINBYTES";
    case kProto:
      return "PROTO";
    case kTuple1:
      return "TUPLE1";
    case kTuple2:
      return "TUPLE2";
    case kTuple3:
      return "TUPLE3";
    case kNewTrue:
      return "NEWTRUE";
    case kNewFalse:
      return "NEWFALSE";
    case kLong1:
      return "LONG1";
    case kLong4:
      return "LONG4";
    case kShortBinUnicode:
      return "SHORT_BINUNICODE";
    case kBinUnicode8:
      return "BINUNICODE8";
    case kBinBytes8:
      return "BINBYTES8";
    case kStackGlobal:
      return "STACK_GLOBAL";
    case kMemoize:
      return "MEMOIZE";
    case kFrame:
      return "FRAME";
    default:
      return nullptr;
  }
}

Unpickler::Unpickler(std::span<const uint8_t> bytes, Options options, Hooks* hooks)
    : bytes_(bytes), options_(std::move(options)), hooks_(hooks) {}

void Unpickler::fail(const std::string& what) const {
  throw_bad_input(options_.file, options_.label.empty() ? what : options_.label + ": " + what);
}

Value* Unpickler::make(Kind kind) {
  if (arena_.size() >= options_.limits.max_values) {
    fail("more than " + std::to_string(options_.limits.max_values) + " values (at offset " +
         std::to_string(opcode_offset()) + ")");
  }
  Value& v = arena_.emplace_back();
  v.kind = kind;
  return &v;
}

const uint8_t* Unpickler::take(uint64_t n) {
  const uint64_t left = bytes_.size() - pos_;
  if (n > left) {
    fail(std::string("truncated pickle: ") + opcode_name(bytes_[op_pos_]) + " at offset " +
         std::to_string(opcode_offset()) + " needs " + std::to_string(n) + " more bytes, only " +
         std::to_string(left) + " left");
  }
  const uint8_t* p = bytes_.data() + pos_;
  pos_ += n;
  return p;
}

uint64_t Unpickler::take_uint(int n) {
  const uint8_t* p = take(static_cast<uint64_t>(n));
  uint64_t v = 0;
  for (int i = n; i-- > 0;) v = (v << 8) | p[i];
  return v;
}

std::string Unpickler::take_line() {
  constexpr uint64_t kMaxLine = 256;  // module and attribute names
  const uint64_t start = pos_;
  for (uint64_t i = start; i < bytes_.size() && i - start <= kMaxLine; ++i) {
    if (bytes_[i] == '\n') {
      pos_ = i + 1;
      return std::string(reinterpret_cast<const char*>(bytes_.data() + start), i - start);
    }
  }
  fail(std::string(opcode_name(bytes_[op_pos_])) + " at offset " + std::to_string(opcode_offset()) +
       ": no newline within " + std::to_string(kMaxLine) + " bytes");
}

void Unpickler::take_text(Kind kind, uint64_t n) {
  if (n > options_.limits.max_string) {
    fail(std::string(opcode_name(bytes_[op_pos_])) + " at offset " +
         std::to_string(opcode_offset()) + " has length " + std::to_string(n) +
         ", over the limit of " + std::to_string(options_.limits.max_string) + " bytes");
  }
  const uint8_t* p = take(n);
  Value* v = make(kind);
  v->text.assign(reinterpret_cast<const char*>(p), n);
  push(v);
}

void Unpickler::push(Value* v) {
  if (stack_.size() >= options_.limits.max_stack) {
    fail("pickle stack deeper than " + std::to_string(options_.limits.max_stack) + " at offset " +
         std::to_string(opcode_offset()));
  }
  stack_.push_back(v);
}

Value* Unpickler::pop() {
  const size_t floor = marks_.empty() ? 0 : marks_.back();
  if (stack_.size() <= floor) {
    fail(std::string("pickle stack underflow: ") + opcode_name(bytes_[op_pos_]) + " at offset " +
         std::to_string(opcode_offset()));
  }
  Value* v = stack_.back();
  stack_.pop_back();
  return v;
}

Value* Unpickler::top() {
  Value* v = pop();
  stack_.push_back(v);
  return v;
}

std::vector<Value*> Unpickler::pop_to_mark() {
  if (marks_.empty()) {
    fail(std::string(opcode_name(bytes_[op_pos_])) + " without MARK at offset " +
         std::to_string(opcode_offset()));
  }
  const size_t mark = marks_.back();
  marks_.pop_back();
  std::vector<Value*> items(stack_.begin() + static_cast<std::ptrdiff_t>(mark), stack_.end());
  stack_.resize(mark);
  return items;
}

void Unpickler::memo_put(uint64_t index) {
  if (memo_.size() >= options_.limits.max_memo && memo_.find(index) == memo_.end()) {
    fail("pickle memo larger than " + std::to_string(options_.limits.max_memo) +
         " entries at offset " + std::to_string(opcode_offset()));
  }
  memo_[index] = top();
}

Value* Unpickler::memo_get(uint64_t index) {
  auto it = memo_.find(index);
  if (it == memo_.end()) {
    fail("memo key " + std::to_string(index) + " is not defined (" + opcode_name(bytes_[op_pos_]) +
         " at offset " + std::to_string(opcode_offset()) + ")");
  }
  return it->second;
}

void Unpickler::push_global(const std::string& module, const std::string& name) {
  const std::string full = module + "." + name;
  if (options_.allowed_globals.count(full) == 0) {
    fail("refusing global " + quoted(full) + " (not on the allow-list)");
  }
  Value* v = make(Kind::kGlobal);
  v->text = full;
  push(v);
}

// LONG1/LONG4: little-endian two's complement of n bytes.
void Unpickler::push_int_bytes(uint64_t n) {
  if (n > 4096) {
    fail(std::string(opcode_name(bytes_[op_pos_])) + " at offset " +
         std::to_string(opcode_offset()) + " has " + std::to_string(n) +
         " bytes, over the limit of 4096");
  }
  const uint8_t* p = take(n);
  Value* v = make(Kind::kInt);
  if (n > 8) {
    v->kind = Kind::kBigInt;
    v->text.assign(reinterpret_cast<const char*>(p), n);
  } else if (n > 0) {
    uint64_t u = 0;
    for (uint64_t i = n; i-- > 0;) u = (u << 8) | p[i];
    if (n < 8 && (p[n - 1] & 0x80)) u |= ~uint64_t{0} << (8 * n);  // sign-extend
    v->integer = static_cast<int64_t>(u);
  }
  push(v);
}

Value* Unpickler::container(Kind want, const char* opname) {
  Value* c = top();
  if (!c->is(want)) {
    fail(std::string(opname) + " on a " + describe(*c) + " at offset " +
         std::to_string(opcode_offset()));
  }
  return c;
}

Value* Unpickler::load() {
  while (pos_ < bytes_.size()) {
    op_pos_ = pos_;
    const uint8_t op = bytes_[pos_++];
    if (op == kStop) {
      if (stack_.empty())
        fail("STOP with an empty stack at offset " + std::to_string(opcode_offset()));
      return stack_.back();
    }
    step(op);
  }
  fail("truncated pickle: no STOP opcode in " + std::to_string(bytes_.size()) + " bytes");
}

void Unpickler::step(uint8_t op) {
  switch (op) {
    case kProto: {
      const uint64_t proto = take_uint(1);
      if (proto > 5) {
        fail("unsupported pickle protocol " + std::to_string(proto) + " at offset " +
             std::to_string(opcode_offset()));
      }
      return;
    }
    case kFrame:
      take_uint(8);  // framing is only a buffering hint
      return;
    case kGlobal: {
      std::string module = take_line();
      std::string name = take_line();
      return push_global(module, name);
    }
    case kStackGlobal: {
      Value* name = pop();
      Value* module = pop();
      if (!module->is(Kind::kString) || !name->is(Kind::kString)) {
        fail("STACK_GLOBAL needs two str at offset " + std::to_string(opcode_offset()));
      }
      return push_global(module->text, name->text);
    }
    case kBinPut:
      return memo_put(take_uint(1));
    case kLongBinPut:
      return memo_put(take_uint(4));
    case kMemoize:
      return memo_put(memo_.size());
    case kBinGet:
      return push(memo_get(take_uint(1)));
    case kLongBinGet:
      return push(memo_get(take_uint(4)));
    case kMark:
      if (marks_.size() >= options_.limits.max_marks) {
        fail("pickle nested deeper than " + std::to_string(options_.limits.max_marks) +
             " marks at offset " + std::to_string(opcode_offset()));
      }
      marks_.push_back(stack_.size());
      return;
    case kPop:
      pop();
      return;
    case kPopMark:
      pop_to_mark();
      return;
    case kDup:
      return push(top());
    case kEmptyTuple:
      return push(make(Kind::kTuple));
    case kTuple: {
      Value* t = make(Kind::kTuple);
      t->items = pop_to_mark();
      return push(t);
    }
    case kTuple1:
    case kTuple2:
    case kTuple3: {
      Value* t = make(Kind::kTuple);
      t->items.resize(op - kTuple1 + 1);
      for (size_t i = t->items.size(); i-- > 0;) t->items[i] = pop();
      return push(t);
    }
    case kEmptyList:
      return push(make(Kind::kList));
    case kList: {
      Value* l = make(Kind::kList);
      l->items = pop_to_mark();
      return push(l);
    }
    case kAppend: {
      Value* v = pop();
      container(Kind::kList, "APPEND")->items.push_back(v);
      return;
    }
    case kAppends: {
      std::vector<Value*> items = pop_to_mark();
      Value* l = container(Kind::kList, "APPENDS");
      l->items.insert(l->items.end(), items.begin(), items.end());
      return;
    }
    case kEmptyDict:
      return push(make(Kind::kDict));
    case kDict:
    case kSetItems: {
      std::vector<Value*> items = pop_to_mark();
      if (items.size() % 2 != 0) {
        fail(std::string(opcode_name(op)) + " with an odd number of items at offset " +
             std::to_string(opcode_offset()));
      }
      Value* d = op == kDict ? make(Kind::kDict) : container(Kind::kDict, "SETITEMS");
      d->items.insert(d->items.end(), items.begin(), items.end());
      if (op == kDict) push(d);
      return;
    }
    case kSetItem: {
      Value* value = pop();
      Value* key = pop();
      Value* d = container(Kind::kDict, "SETITEM");
      d->items.push_back(key);
      d->items.push_back(value);
      return;
    }
    case kBinInt: {
      Value* v = make(Kind::kInt);
      v->integer = static_cast<int32_t>(static_cast<uint32_t>(take_uint(4)));
      return push(v);
    }
    case kBinInt1:
    case kBinInt2: {
      Value* v = make(Kind::kInt);
      v->integer = static_cast<int64_t>(take_uint(op == kBinInt1 ? 1 : 2));
      return push(v);
    }
    case kLong1:
      return push_int_bytes(take_uint(1));
    case kLong4: {
      const auto n = static_cast<int32_t>(static_cast<uint32_t>(take_uint(4)));
      if (n < 0) fail("LONG4 with negative length at offset " + std::to_string(opcode_offset()));
      return push_int_bytes(static_cast<uint64_t>(n));
    }
    case kBinFloat: {
      const uint8_t* p = take(8);
      uint64_t bits = 0;
      for (int i = 0; i < 8; ++i) bits = (bits << 8) | p[i];  // big-endian
      Value* v = make(Kind::kFloat);
      std::memcpy(&v->real, &bits, sizeof bits);
      return push(v);
    }
    case kNone:
      return push(make(Kind::kNone));
    case kNewTrue:
    case kNewFalse: {
      Value* v = make(Kind::kBool);
      v->boolean = op == kNewTrue;
      return push(v);
    }
    case kBinUnicode:
      return take_text(Kind::kString, take_uint(4));
    case kShortBinUnicode:
      return take_text(Kind::kString, take_uint(1));
    case kBinUnicode8:
      return take_text(Kind::kString, take_uint(8));
    case kShortBinString:
      return take_text(Kind::kString, take_uint(1));
    case kBinString: {
      const auto n = static_cast<int32_t>(static_cast<uint32_t>(take_uint(4)));
      if (n < 0)
        fail("BINSTRING with negative length at offset " + std::to_string(opcode_offset()));
      return take_text(Kind::kString, static_cast<uint64_t>(n));
    }
    case kBinBytes:
      return take_text(Kind::kBytes, take_uint(4));
    case kShortBinBytes:
      return take_text(Kind::kBytes, take_uint(1));
    case kBinBytes8:
      return take_text(Kind::kBytes, take_uint(8));
    case kReduce: {
      Value* args = pop();
      Value* callable = pop();
      if (!callable->is(Kind::kGlobal)) {
        fail("REDUCE of a " + describe(*callable) + " at offset " +
             std::to_string(opcode_offset()) + " (only allow-listed globals can be called)");
      }
      if (hooks_ == nullptr) fail("REDUCE of " + callable->text + " is not supported");
      return push(hooks_->reduce(*this, *callable, args));
    }
    case kBuild: {
      Value* state = pop();
      Value* object = top();
      if (hooks_ == nullptr) fail("BUILD is not supported");
      hooks_->build(*this, object, state);
      return;
    }
    case kBinPersId: {
      Value* pid = pop();
      if (hooks_ == nullptr) fail("persistent ids are not supported");
      return push(hooks_->persistent_load(*this, pid));
    }
    default: {
      std::string shown = hex2(op);
      if (op >= 0x20 && op < 0x7f) shown += std::string(" ('") + static_cast<char>(op) + "')";
      fail("unsupported pickle opcode " + shown + " at offset " + std::to_string(opcode_offset()));
    }
  }
}

}  // namespace ckpt::pickle
