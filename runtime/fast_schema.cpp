#include "runtime/fast_schema.hpp"

#include "runtime/schema_validator.hpp"  // append_pointer_token

#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>
#include <string_view>

namespace clickstream {

namespace {

enum type_bit : std::uint8_t {
  t_null = 1,
  t_boolean = 2,
  t_object = 4,
  t_array = 8,
  t_string = 16,
  t_integer = 32,  // int64 only, as valijson reads integers
  t_number = 64,   // any number
};

struct scalar {
  enum kind_t { null, boolean, number, string } kind = null;
  bool b = false;
  double d = 0;
  std::string s;
};

struct refused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace

struct fast_schema::node {
  bool always_invalid = false;
  std::uint8_t types = 0;  // 0 = no type keyword
  bool has_enum = false;
  bool enum_is_const = false;
  std::vector<scalar> enum_values;  // const is an enum of one
  std::vector<std::string> required;
  // For each `required` name, its index in `properties`, or -1 (not a declared property).
  std::vector<int> required_property;
  bool has_properties = false;  // properties or additionalProperties present
  std::vector<std::pair<std::string, const node*>> properties;
  bool additional_false = false;
  const node* additional = nullptr;  // schema for other members (nullptr = any)
  bool has_min = false, min_exclusive = false, has_max = false, max_exclusive = false;
  bool has_xmin = false, has_xmax = false;
  double min = 0, max = 0, xmin = 0, xmax = 0;
  std::int64_t min_length = -1, max_length = -1;
  std::shared_ptr<const byte_regex> pattern;
  std::unique_ptr<std::regex> slow_pattern;
  const node* items = nullptr;
  std::int64_t min_items = -1, max_items = -1, min_props = -1, max_props = -1;
  std::vector<const node*> all_of, any_of, one_of;
  const node* not_ = nullptr;
  const node* if_ = nullptr;
  const node* then_ = nullptr;
  const node* else_ = nullptr;
};

fast_schema::~fast_schema() = default;

struct fast_schema_builder {
  fast_schema& out;

  const fast_schema::node* build(const nlohmann::json& j, const std::string& where) {
    out.nodes_.push_back(std::make_unique<fast_schema::node>());
    fast_schema::node& n = *out.nodes_.back();
    if (j.is_boolean()) {
      n.always_invalid = !j.get<bool>();
      return &n;
    }
    if (!j.is_object()) {
      throw refused(where + " is not a schema");
    }
    if (j.contains("if")) {
      n.if_ = build(j.at("if"), where + "/if");
      if (j.contains("then")) {
        n.then_ = build(j.at("then"), where + "/then");
      }
      if (j.contains("else")) {
        n.else_ = build(j.at("else"), where + "/else");
      }
    }
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string& k = it.key();
      const nlohmann::json& v = it.value();
      const std::string at = where + "/" + k;
      if (k == "$schema" || k == "$id" || k == "title" || k == "description" || k == "default" ||
          k == "examples" || k == "$comment" || k == "readOnly" || k == "writeOnly" ||
          k == "deprecated" || k == "definitions" || k == "contentMediaType" ||
          k == "contentEncoding" || k == "if" || k == "then" || k == "else") {
        continue;
      } else if (k == "type") {
        std::vector<std::string> names;
        if (v.is_string()) {
          names.push_back(v.get<std::string>());
        } else if (v.is_array()) {
          for (const auto& x : v) {
            if (!x.is_string()) {
              throw refused(at + ": type entries must be names");
            }
            names.push_back(x.get<std::string>());
          }
        } else {
          throw refused(at + ": unsupported type form");
        }
        for (const auto& t : names) {
          if (t == "null") {
            n.types |= t_null;
          } else if (t == "boolean") {
            n.types |= t_boolean;
          } else if (t == "object") {
            n.types |= t_object;
          } else if (t == "array") {
            n.types |= t_array;
          } else if (t == "string") {
            n.types |= t_string;
          } else if (t == "integer") {
            n.types |= t_integer;
          } else if (t == "number") {
            n.types |= t_number;
          } else {
            throw refused(at + ": type " + t);
          }
        }
        if (n.types == 0) {
          n.always_invalid = true;  // "type": [] matches nothing
        }
      } else if (k == "enum" || k == "const") {
        const nlohmann::json values = k == "const" ? nlohmann::json::array({v}) : v;
        if (!values.is_array()) {
          throw refused(at + ": enum must be an array");
        }
        if (n.has_enum) {
          throw refused(at + ": enum and const together");
        }
        n.has_enum = true;
        n.enum_is_const = k == "const";
        for (const auto& x : values) {
          n.enum_values.push_back(to_scalar(x, at));
        }
      } else if (k == "required") {
        if (!v.is_array()) {
          throw refused(at + ": required must be an array");
        }
        for (const auto& x : v) {
          if (!x.is_string()) {
            throw refused(at + ": required entries must be strings");
          }
          n.required.push_back(x.get<std::string>());
        }
      } else if (k == "properties") {
        if (!v.is_object()) {
          throw refused(at + ": properties must be an object");
        }
        n.has_properties = true;
        for (auto p = v.begin(); p != v.end(); ++p) {
          n.properties.emplace_back(p.key(), build(p.value(), at + "/" + p.key()));
        }
      } else if (k == "additionalProperties") {
        n.has_properties = true;
        if (v.is_boolean() && !v.get<bool>()) {
          n.additional_false = true;
        } else {
          n.additional = build(v, at);
        }
      } else if (k == "minimum" || k == "maximum" || k == "exclusiveMinimum" ||
                 k == "exclusiveMaximum") {
        if (!v.is_number()) {
          throw refused(at + ": must be a number");
        }
        const double d = v.get<double>();
        if (k == "minimum") {
          n.has_min = true, n.min = d;
        } else if (k == "maximum") {
          n.has_max = true, n.max = d;
        } else if (k == "exclusiveMinimum") {
          n.has_xmin = true, n.xmin = d;
        } else {
          n.has_xmax = true, n.xmax = d;
        }
      } else if (k == "minLength" || k == "maxLength" || k == "minItems" || k == "maxItems" ||
                 k == "minProperties" || k == "maxProperties") {
        if (!v.is_number_integer() || v.get<std::int64_t>() < 0) {
          throw refused(at + ": must be a non-negative integer");
        }
        const std::int64_t x = v.get<std::int64_t>();
        if (k == "minLength") {
          n.min_length = x;
        }
        if (k == "maxLength") {
          n.max_length = x;
        }
        if (k == "minItems") {
          n.min_items = x;
        }
        if (k == "maxItems") {
          n.max_items = x;
        }
        if (k == "minProperties") {
          n.min_props = x;
        }
        if (k == "maxProperties") {
          n.max_props = x;
        }
      } else if (k == "pattern") {
        if (!v.is_string()) {
          throw refused(at + ": must be a string");
        }
        const std::string p = v.get<std::string>();
        n.pattern = byte_regex::compile(p);
        if (!n.pattern) {
          n.slow_pattern = std::make_unique<std::regex>(p);
        }
      } else if (k == "items") {
        if (!v.is_object() && !v.is_boolean()) {
          throw refused(at + ": tuple form");
        }
        n.items = build(v, at);
      } else if (k == "allOf" || k == "anyOf" || k == "oneOf") {
        if (!v.is_array() || v.empty()) {
          throw refused(at + ": must be a non-empty array");
        }
        auto& list = k == "allOf" ? n.all_of : k == "anyOf" ? n.any_of : n.one_of;
        for (std::size_t i = 0; i < v.size(); ++i) {
          list.push_back(build(v[i], at + "/" + std::to_string(i)));
        }
      } else if (k == "not") {
        n.not_ = build(v, at);
      } else {
        throw refused(at + ": keyword not in the fast subset");
      }
    }
    for (const auto& name : n.required) {
      int index = -1;
      for (std::size_t i = 0; i < n.properties.size(); ++i) {
        if (n.properties[i].first == name) {
          index = static_cast<int>(i);
          break;
        }
      }
      n.required_property.push_back(index);
    }
    return &n;
  }

  static scalar to_scalar(const nlohmann::json& x, const std::string& at) {
    scalar s;
    if (x.is_null()) {
      s.kind = scalar::null;
    } else if (x.is_boolean()) {
      s.kind = scalar::boolean;
      s.b = x.get<bool>();
    } else if (x.is_number_float()) {
      s.kind = scalar::number;
      s.d = x.get<double>();
    } else if (x.is_number_unsigned() &&
               x.get<std::uint64_t>() > std::uint64_t(std::numeric_limits<std::int64_t>::max())) {
      throw refused(at + ": integer above int64");
    } else if (x.is_number_integer()) {
      s.kind = scalar::number;
      s.d = static_cast<double>(x.get<std::int64_t>());
    } else if (x.is_string()) {
      s.kind = scalar::string;
      s.s = x.get<std::string>();
    } else {
      throw refused(at + ": enum/const with an array or object value");
    }
    return s;
  }
};

std::shared_ptr<const fast_schema> fast_schema::compile(const nlohmann::json& schema,
                                                        std::string* why_not) {
  std::shared_ptr<fast_schema> out(new fast_schema());
  try {
    fast_schema_builder b{*out};
    out->root_ = b.build(schema, "#");
  } catch (const refused& e) {
    if (why_not) {
      *why_not = e.what();
    }
    return nullptr;
  } catch (const std::exception& e) {
    if (why_not) {
      *why_not = e.what();
    }
    return nullptr;
  }
  return out;
}

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// valijson's u8_strlen: code points (bytes that are not continuation bytes) before the first NUL.
std::uint64_t u8_length(std::string_view s) noexcept {
  std::uint64_t n = 0;
  for (const char c : s) {
    if (c == '\0') {
      break;
    }
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++n;
    }
  }
  return n;
}

bool as_number(const element& e, element_type t, double& d) noexcept {
  switch (t) {
    case element_type::INT64:
      d = static_cast<double>(e.get_int64().value_unsafe());
      return true;
    case element_type::UINT64:
      d = static_cast<double>(e.get_uint64().value_unsafe());
      return true;
    case element_type::DOUBLE:
      d = e.get_double().value_unsafe();
      return true;
    default:
      return false;
  }
}

bool matches_type(std::uint8_t types, element_type t) noexcept {
  switch (t) {
    case element_type::NULL_VALUE:
      return types & t_null;
    case element_type::BOOL:
      return types & t_boolean;
    case element_type::OBJECT:
      return types & t_object;
    case element_type::ARRAY:
      return types & t_array;
    case element_type::STRING:
      return types & t_string;
    case element_type::INT64:
      return types & (t_integer | t_number);
    case element_type::UINT64:
    case element_type::DOUBLE:
      return types & t_number;
  }
  return false;
}

bool enum_match(const std::vector<scalar>& values, const element& e, element_type t) noexcept {
  for (const auto& v : values) {
    switch (v.kind) {
      case scalar::null:
        if (t == element_type::NULL_VALUE) {
          return true;
        }
        break;
      case scalar::boolean:
        if (t == element_type::BOOL && e.get_bool().value_unsafe() == v.b) {
          return true;
        }
        break;
      case scalar::number: {
        double d;
        if (as_number(e, t, d) && d == v.d) {
          return true;
        }
        break;
      }
      case scalar::string:
        if (t == element_type::STRING && e.get_string().value_unsafe() == v.s) {
          return true;
        }
        break;
    }
  }
  return false;
}

// One evaluator for both uses: Collect = false answers valid/invalid and stops at the first failure
// (no allocation); Collect = true records valijson-style (pointer, description) errors, visiting
// what valijson visits when it collects results (every constraint of a value; allOf stops at its
// first failing branch; anyOf/oneOf/if keep their branch errors only when they fail).
struct collector {
  std::string pointer;
  std::vector<fast_schema::error>* out;
  void push(std::string description) { out->push_back({pointer, std::move(description)}); }
};

template <bool Collect>
bool eval(const fast_schema::node& n, const element& e, collector* col);

#define CLICKSTREAM_FAIL(description) \
  do {                                \
    if constexpr (Collect) {          \
      col->push(description);         \
      ok = false;                     \
    } else {                          \
      return false;                   \
    }                                 \
  } while (0)

std::string limit_text(double d) {
  return std::to_string(d);
}  // as valijson prints limits

// Validates `child` against member `name` (Collect: with the pointer extended by the name).
template <bool Collect>
bool eval_member(const fast_schema::node& child, const element& value, std::string_view name,
                 collector* col) {
  if constexpr (Collect) {
    const std::size_t len = col->pointer.size();
    append_pointer_token(col->pointer, name);
    const bool r = eval<true>(child, value, col);
    col->pointer.resize(len);
    return r;
  } else {
    (void)name;
    return eval<false>(child, value, col);
  }
}

// The valid-or-not answer for an object in one pass over its members (each member's name looked up
// once among the declared properties) instead of a scan of the members per required name and per
// property. Same answer as eval_object<false>: a member whose name was already seen (a duplicate)
// is neither validated again nor counted as matched, as there.
bool eval_object_one_pass(const fast_schema::node& n, const simdjson::dom::object& o) {
  std::uint64_t seen = 0;  // bit i: properties[i] present
  std::size_t matched = 0, size = 0;
  for (auto it = o.begin(); it != o.end(); ++it) {
    ++size;
    std::size_t i = 0;
    for (; i < n.properties.size(); ++i) {
      if (it.key_equals(n.properties[i].first)) break;
    }
    if (i < n.properties.size()) {
      const std::uint64_t bit = std::uint64_t{1} << i;
      if ((seen & bit) == 0) {
        seen |= bit;
        ++matched;
        if (!eval<false>(*n.properties[i].second, it.value(), nullptr)) return false;
      }
      continue;
    }
    if (n.additional_false) return false;
    if (n.additional != nullptr && !eval<false>(*n.additional, it.value(), nullptr)) return false;
  }
  if (n.additional_false && matched != size) return false;  // a duplicate of a declared name
  for (std::size_t r = 0; r < n.required.size(); ++r) {
    const int index = n.required_property[r];
    if (index >= 0) {
      if ((seen >> index & 1) == 0) return false;
      continue;
    }
    bool found = false;
    for (auto it = o.begin(); it != o.end() && !found; ++it) found = it.key_equals(n.required[r]);
    if (!found) return false;
  }
  if (n.min_props >= 0 && size < static_cast<std::size_t>(n.min_props)) return false;
  if (n.max_props >= 0 && size > static_cast<std::size_t>(n.max_props)) return false;
  return true;
}

template <bool Collect>
bool eval_object(const fast_schema::node& n, const simdjson::dom::object& o, collector* col) {
  if constexpr (!Collect) {
    if (n.has_properties && n.properties.size() <= 64) return eval_object_one_pass(n, o);
  }
  bool ok = true;
  for (const auto& name : n.required) {
    bool found = false;
    for (auto it = o.begin(); it != o.end(); ++it) {
      if (it.key_equals(name)) {
        found = true;
        break;
      }
    }
    if (!found) {
      CLICKSTREAM_FAIL("Missing required property '" + name + "'.");
    }
  }
  if (n.min_props >= 0 && o.size() < static_cast<std::size_t>(n.min_props)) {
    CLICKSTREAM_FAIL("Object should have no fewer than " + std::to_string(n.min_props) +
                     " properties.");
  }
  if (n.max_props >= 0 && o.size() > static_cast<std::size_t>(n.max_props)) {
    CLICKSTREAM_FAIL("Object should have no more than " + std::to_string(n.max_props) +
                     " properties.");
  }
  if (!n.has_properties) {
    return ok;
  }
  std::size_t matched = 0;  // distinct schema properties present (valijson's propertiesMatched)
  for (const auto& [name, child] : n.properties) {
    for (auto it = o.begin(); it != o.end(); ++it) {
      if (it.key_equals(name)) {
        ++matched;
        if (!eval_member<Collect>(*child, it.value(), name, col)) {
          CLICKSTREAM_FAIL("Failed to validate against schema associated with property name '" +
                           name + "'.");
        }
        break;  // valijson validates the first member with that name
      }
    }
  }
  auto known = [&](const simdjson::dom::object::iterator& it) {
    for (const auto& p : n.properties) {
      if (it.key_equals(p.first)) {
        return true;
      }
    }
    return false;
  };
  if (n.additional_false) {
    if (matched != o.size()) {
      if constexpr (Collect) {
        std::string unwanted;
        for (auto it = o.begin(); it != o.end(); ++it) {
          if (!known(it)) {
            unwanted = std::string(it.key());
            break;
          }
        }
        CLICKSTREAM_FAIL(
            "Object contains a property that could not be validated using 'properties' or "
            "'additionalProperties' constraints: '" +
            unwanted + "'.");
      } else {
        return false;
      }
    }
  } else if (n.additional != nullptr) {
    for (auto it = o.begin(); it != o.end(); ++it) {
      if (!known(it) && !eval_member<Collect>(*n.additional, it.value(), it.key(), col)) {
        CLICKSTREAM_FAIL("Failed to validate against additional properties schema");
      }
    }
  }
  return ok;
}

template <bool Collect>
bool eval(const fast_schema::node& n, const element& e, collector* col) {
  if (n.always_invalid) {
    return false;  // valijson reports nothing for a false schema
  }
  bool ok = true;
  const element_type t = e.type();
  if (n.types != 0 && !matches_type(n.types, t)) {
    CLICKSTREAM_FAIL("Value type not permitted by 'type' constraint.");
  }
  if (n.has_enum && !enum_match(n.enum_values, e, t)) {
    CLICKSTREAM_FAIL(n.enum_is_const ? "Failed to match expected value set by 'const' constraint."
                                     : "Failed to match against any enum values.");
  }
  switch (t) {
    case element_type::OBJECT:
      if (!eval_object<Collect>(n, e.get_object().value_unsafe(), col)) {
        if constexpr (!Collect) {
          return false;
        }
        ok = false;
      }
      break;
    case element_type::STRING: {
      const std::string_view s = e.get_string().value_unsafe();
      if (n.min_length >= 0 || n.max_length >= 0) {
        const std::uint64_t len = u8_length(s);
        if (n.min_length >= 0 && len < static_cast<std::uint64_t>(n.min_length)) {
          CLICKSTREAM_FAIL("String should be no fewer than " + std::to_string(n.min_length) +
                           " characters in length.");
        }
        if (n.max_length >= 0 && len > static_cast<std::uint64_t>(n.max_length)) {
          CLICKSTREAM_FAIL("String should be no more than " + std::to_string(n.max_length) +
                           " characters in length.");
        }
      }
      bool matched = true;
      if (n.pattern) {
        matched = n.pattern->search(s);
      } else if (n.slow_pattern) {
        try {
          matched = std::regex_search(s.begin(), s.end(), *n.slow_pattern);
        } catch (...) {
          matched = false;
        }
      }
      if (!matched) {
        CLICKSTREAM_FAIL("Failed to match regex specified by 'pattern' constraint.");
      }
      break;
    }
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE: {
      double d = 0;
      as_number(e, t, d);
      if (n.has_min && d < n.min) {
        CLICKSTREAM_FAIL("Expected number greater than or equal to " + limit_text(n.min));
      }
      if (n.has_max && d > n.max) {
        CLICKSTREAM_FAIL("Expected number less than or equal to " + limit_text(n.max));
      }
      if (n.has_xmin && d <= n.xmin) {
        CLICKSTREAM_FAIL("Expected number greater than " + limit_text(n.xmin));
      }
      if (n.has_xmax && d >= n.xmax) {
        CLICKSTREAM_FAIL("Expected number less than " + limit_text(n.xmax));
      }
      break;
    }
    case element_type::ARRAY: {
      const auto a = e.get_array().value_unsafe();
      const std::size_t size = a.size();
      if (n.min_items >= 0 && size < static_cast<std::size_t>(n.min_items)) {
        CLICKSTREAM_FAIL("Array should contain no fewer than " + std::to_string(n.min_items) +
                         " elements.");
      }
      if (n.max_items >= 0 && size > static_cast<std::size_t>(n.max_items)) {
        CLICKSTREAM_FAIL("Array should contain no more than " + std::to_string(n.max_items) +
                         " elements.");
      }
      if (n.items != nullptr) {
        std::size_t index = 0;
        for (const element x : a) {
          bool item_ok;
          if constexpr (Collect) {
            item_ok = eval_member<true>(*n.items, x, std::to_string(index), col);
          } else {
            item_ok = eval<false>(*n.items, x, col);
          }
          if (!item_ok) {
            CLICKSTREAM_FAIL("Failed to validate item #" + std::to_string(index) + " in array.");
          }
          ++index;
        }
      }
      break;
    }
    default:
      break;
  }
  for (std::size_t i = 0; i < n.all_of.size(); ++i) {
    if (!eval<Collect>(*n.all_of[i], e, col)) {
      CLICKSTREAM_FAIL("Failed to validate against child schema #" + std::to_string(i) + ".");
      break;  // valijson's allOf stops at its first failing branch
    }
  }
  if (!n.any_of.empty()) {
    if constexpr (Collect) {
      std::vector<fast_schema::error> branch_errors;
      collector branch{col->pointer, &branch_errors};
      bool any = false;
      for (std::size_t i = 0; i < n.any_of.size() && !any; ++i) {
        if (eval<true>(*n.any_of[i], e, &branch)) {
          any = true;
        } else {
          branch.push("Failed to validate against child schema #" + std::to_string(i) + ".");
        }
      }
      if (!any) {
        for (auto& x : branch_errors) {
          col->out->push_back(std::move(x));
        }
        CLICKSTREAM_FAIL("Failed to validate against any schemas allowed by anyOf constraint.");
      }
    } else {
      bool any = false;
      for (const auto* c : n.any_of) {
        if (eval<false>(*c, e, col)) {
          any = true;
          break;
        }
      }
      if (!any) {
        return false;
      }
    }
  }
  if (!n.one_of.empty()) {
    if constexpr (Collect) {
      std::vector<fast_schema::error> branch_errors;
      collector branch{col->pointer, &branch_errors};
      int count = 0;
      for (std::size_t i = 0; i < n.one_of.size(); ++i) {
        if (eval<true>(*n.one_of[i], e, &branch)) {
          ++count;
        } else {
          branch.push("Failed to validate against child schema #" + std::to_string(i) + ".");
        }
      }
      if (count == 0) {
        for (auto& x : branch_errors) {
          col->out->push_back(std::move(x));
        }
        CLICKSTREAM_FAIL(
            "Failed to validate against any child schemas allowed by oneOf constraint.");
      } else if (count > 1) {
        CLICKSTREAM_FAIL("Failed to validate against exactly one child schema.");
      }
    } else {
      int count = 0;
      for (const auto* c : n.one_of) {
        if (eval<false>(*c, e, col) && ++count > 1) {
          return false;
        }
      }
      if (count != 1) {
        return false;
      }
    }
  }
  if (n.not_ != nullptr && eval<false>(*n.not_, e, nullptr)) {
    CLICKSTREAM_FAIL("Target should not validate against schema specified in 'not' constraint.");
  }
  if (n.if_ != nullptr) {
    const fast_schema::node* branch = eval<false>(*n.if_, e, nullptr) ? n.then_ : n.else_;
    if (branch != nullptr) {
      if constexpr (Collect) {
        std::vector<fast_schema::error> branch_errors;
        collector b{col->pointer, &branch_errors};
        if (!eval<true>(*branch, e, &b)) {
          for (auto& x : branch_errors) {
            col->out->push_back(std::move(x));
          }
          CLICKSTREAM_FAIL(
              "Failed to validate against a conditional schema set by if-then-else constraints.");
        }
      } else {
        if (!eval<false>(*branch, e, col)) {
          return false;
        }
      }
    }
  }
  return ok;
}

#undef CLICKSTREAM_FAIL

}  // namespace

bool fast_schema::valid(simdjson::dom::element e) const noexcept {
  return root_ != nullptr && eval<false>(*root_, e, nullptr);
}

bool fast_schema::collect(simdjson::dom::element e, std::vector<error>& errors) const {
  if (root_ == nullptr) {
    return false;
  }
  collector col{std::string(), &errors};
  return eval<true>(*root_, e, &col);
}

}  // namespace clickstream
