// A restricted unpickler for pickle protocols 2-5 (and the few protocol-0/1 opcodes that are
// free to support). It never imports or calls anything: GLOBAL names must be on an allow-list
// and what REDUCE, BUILD and persistent ids mean is decided by the caller's Hooks, which build
// plain records (a tensor, a storage reference). Memory is bounded by Limits, so a hostile
// pickle fails with a one-line Error(kBadInput) "<file>: <label>: <what> at offset N" instead of
// exhausting anything.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "formats/pickle_value.h"

namespace ckpt::pickle {

class Unpickler;

class Hooks {
 public:
  virtual ~Hooks() = default;
  // BINPERSID: the persistent id `pid` -> the object it stands for.
  virtual Value* persistent_load(Unpickler& u, Value* pid) = 0;
  // REDUCE: `callable` is an allow-listed global; `args` is whatever the pickle supplied.
  virtual Value* reduce(Unpickler& u, const Value& callable, Value* args) = 0;
  // BUILD: set `state` on `object` (which stays on the stack).
  virtual void build(Unpickler& u, Value* object, Value* state) = 0;
};

struct Limits {
  size_t max_values = size_t{1} << 22;      // values created in total
  size_t max_stack = size_t{1} << 20;       // stack depth
  size_t max_marks = 256;                   // MARK nesting
  size_t max_memo = size_t{1} << 20;        // memo entries
  uint64_t max_string = uint64_t{1} << 28;  // bytes of one string / bytes object
};

struct Options {
  std::string file;          // for messages
  std::string label;         // e.g. "data.pkl"; messages read "<file>: <label>: ..."
  uint64_t base_offset = 0;  // added to every offset in messages
  std::unordered_set<std::string> allowed_globals;  // "module.name"
  Limits limits;
};

class Unpickler {
 public:
  Unpickler(std::span<const uint8_t> bytes, Options options, Hooks* hooks);
  Unpickler(const Unpickler&) = delete;
  Unpickler& operator=(const Unpickler&) = delete;

  // Runs up to and including STOP; returns the top of the stack (owned by this Unpickler).
  Value* load();
  // Bytes consumed by load(), STOP included.
  uint64_t end_offset() const { return pos_; }

  // For Hooks: a fresh value in the arena, and the error every failure goes through.
  Value* make(Kind kind);
  [[noreturn]] void fail(const std::string& what) const;
  // Offset (plus base_offset) of the opcode being executed, for messages.
  uint64_t opcode_offset() const { return options_.base_offset + op_pos_; }
  const Options& options() const { return options_; }

 private:
  void step(uint8_t op);
  const uint8_t* take(uint64_t n);
  uint64_t take_uint(int bytes);
  std::string take_line();
  void take_text(Kind kind, uint64_t n);
  void push(Value* v);
  Value* pop();
  Value* top();
  std::vector<Value*> pop_to_mark();
  void memo_put(uint64_t index);
  Value* memo_get(uint64_t index);
  void push_global(const std::string& module, const std::string& name);
  void push_int_bytes(uint64_t n);
  Value* container(Kind want, const char* opname);

  std::span<const uint8_t> bytes_;
  Options options_;
  Hooks* hooks_;
  uint64_t pos_ = 0;
  uint64_t op_pos_ = 0;
  std::deque<Value> arena_;
  std::vector<Value*> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, Value*> memo_;
};

// Opcode name for messages ("BINUNICODE"), or nullptr when the opcode is not supported.
const char* opcode_name(uint8_t op);

}  // namespace ckpt::pickle
