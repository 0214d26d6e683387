#include "formats/strict_json.h"

#include <set>

#include "formats/quote.h"
#include "io/error.h"

namespace ckpt {
namespace {

// Byte offset where brackets outside strings first nest deeper than kMaxJsonDepth, or npos.
size_t too_deep_at(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) return i;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return std::string_view::npos;
}

// Builds the value like nlohmann's own DOM parser, checking keys on the way. (nlohmann's
// callback parser rescans the enclosing object at every object end: quadratic on a header of
// many tensors, so it is not used.)
class StrictSax final : public nlohmann::json_sax<nlohmann::json> {
 public:
  using Json = nlohmann::json;

  StrictSax(const std::string& member, std::vector<std::string>* member_keys)
      : member_(member), member_keys_(member_keys) {}

  bool null() override { return add(Json(nullptr)); }
  bool boolean(bool v) override { return add(Json(v)); }
  bool number_integer(number_integer_t v) override { return add(Json(v)); }
  bool number_unsigned(number_unsigned_t v) override { return add(Json(v)); }
  bool number_float(number_float_t v, const string_t&) override { return add(Json(v)); }
  bool string(string_t& v) override { return add(Json(std::move(v))); }
  bool binary(binary_t& v) override { return add(Json::binary(std::move(v))); }
  bool start_object(std::size_t) override {
    stack_.push_back(place(Json::object()));
    keys_.emplace_back();
    return true;
  }
  bool key(string_t& k) override {
    if (!keys_.back().insert(k).second && !has_duplicate_) {
      has_duplicate_ = true;
      duplicate_ = k;
    }
    if (stack_.size() == 1) top_key_ = k;
    if (stack_.size() == 2 && member_keys_ != nullptr && top_key_ == member_ &&
        stack_[0]->is_object()) {
      member_keys_->push_back(k);
    }
    slot_ = &(*stack_.back())[k];
    return true;
  }
  bool end_object() override {
    stack_.pop_back();
    keys_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override {
    stack_.push_back(place(Json::array()));
    keys_.emplace_back();  // unused; keeps keys_ parallel to stack_
    return true;
  }
  bool end_array() override {
    stack_.pop_back();
    keys_.pop_back();
    return true;
  }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception&) override {
    error_at_ = position;
    failed_ = true;
    return false;
  }

  Json root;
  bool failed_ = false;
  std::size_t error_at_ = 0;
  bool has_duplicate_ = false;
  std::string duplicate_;

 private:
  bool add(Json v) {
    place(std::move(v));
    return true;
  }
  Json* place(Json v) {
    if (stack_.empty()) {
      root = std::move(v);
      return &root;
    }
    Json& top = *stack_.back();
    if (top.is_array()) {
      top.push_back(std::move(v));
      return &top.back();
    }
    *slot_ = std::move(v);
    return slot_;
  }

  const std::string& member_;
  std::vector<std::string>* member_keys_;
  std::vector<Json*> stack_;
  std::vector<std::set<std::string>> keys_;
  Json* slot_ = nullptr;
  std::string top_key_;
};

}  // namespace

nlohmann::json parse_strict_json(const std::string& file, std::string_view text,
                                 const std::string& what, const std::string& member,
                                 std::vector<std::string>* member_keys) {
  using Json = nlohmann::json;
  const size_t deep = too_deep_at(text);
  if (deep != std::string_view::npos) {
    throw_bad_input(file, what + " nests deeper than " + std::to_string(kMaxJsonDepth) +
                              " levels (at offset " + std::to_string(deep) + ")");
  }
  StrictSax sax(member, member_keys);
  Json::sax_parse(text.begin(), text.end(), &sax);
  if (sax.failed_) {
    // nlohmann counts bytes read (1-based); we report the 0-based offset of the bad byte.
    throw_bad_input(file, what + " is not valid JSON (parse error at offset " +
                              std::to_string(sax.error_at_ == 0 ? 0 : sax.error_at_ - 1) + ")");
  }
  if (sax.has_duplicate_)
    throw_bad_input(file, what + " has duplicate key " + ckpt::quoted(sax.duplicate_));
  return std::move(sax.root);
}

}  // namespace ckpt
