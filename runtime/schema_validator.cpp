#include "runtime/schema_validator.hpp"

#include "runtime/fast_schema.hpp"
#include "runtime/simdjson_adapter.hpp"  // first: it enables valijson's exceptions

#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include <algorithm>
#include <cctype>
#include <regex>
#include <stdexcept>

namespace clickstream {

void append_pointer_token(std::string& out, std::string_view token) {
  out.push_back('/');
  for (const char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out.push_back(c);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// compiled_schema

namespace {

// valijson compiles `pattern` regexes lazily, during validation: check them all at compile time so
// a schema with a broken regex is refused up front instead of failing every event later.
void check_patterns(const nlohmann::json& node, const std::string& where) {
  if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string& key = it.key();
      if (key == "enum" || key == "const" || key == "default" || key == "examples") {
        continue;
      }
      if ((key == "pattern") && it.value().is_string()) {
        try {
          std::regex re(it.value().get<std::string>());
        } catch (const std::regex_error& e) {
          throw std::invalid_argument("invalid regular expression in 'pattern' at " + where +
                                      "/pattern: " + e.what());
        }
      } else if (key == "patternProperties" && it.value().is_object()) {
        for (auto p = it.value().begin(); p != it.value().end(); ++p) {
          try {
            std::regex re(p.key());
          } catch (const std::regex_error& e) {
            throw std::invalid_argument("invalid regular expression in 'patternProperties' at " +
                                        where + "/patternProperties: " + e.what());
          }
          check_patterns(p.value(), where + "/patternProperties/" + p.key());
        }
      } else {
        check_patterns(it.value(), where + "/" + key);
      }
    }
  } else if (node.is_array()) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      check_patterns(node[i], where + "/" + std::to_string(i));
    }
  }
}

}  // namespace

compiled_schema::compiled_schema() : schema_(std::make_unique<valijson::Schema>()) {}
compiled_schema::~compiled_schema() = default;

std::shared_ptr<const compiled_schema> compiled_schema::compile(std::string_view schema_json,
                                                                std::int32_t id,
                                                                std::int32_t version,
                                                                std::string subject) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(schema_json.begin(), schema_json.end());
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument("schema " + subject + " is not valid JSON: " + e.what());
  }
  if (!doc.is_object() && !doc.is_boolean()) {
    throw std::invalid_argument(
        "schema " + subject + " is not a JSON Schema: the document must be an object or a boolean");
  }
  std::shared_ptr<compiled_schema> out(new compiled_schema());
  try {
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter adapter(doc);
    parser.populateSchema(adapter, *out->schema_);
    check_patterns(doc, "#");
    out->fast_ = fast_schema::compile(doc, &out->fast_note_);
  } catch (const std::exception& e) {
    throw std::invalid_argument("schema " + subject +
                                " is not a valid JSON Schema (draft-07): " + e.what());
  }
  out->id_ = id;
  out->version_ = version;
  out->subject_ = std::move(subject);
  out->text_.assign(schema_json.data(), schema_json.size());
  return out;
}

// ---------------------------------------------------------------------------------------------
// mapping valijson's results to (pointer, keyword, message)

namespace {

struct keyword_rule {
  std::string_view prefix;   // start of valijson's description
  std::string_view keyword;  // JSON Schema keyword
  bool wrapper;              // only summarises errors of a child schema
  bool show_value;           // append the offending value to the message
};

// valijson 1.0's descriptions (validation_visitor.hpp), most specific prefix first.
constexpr keyword_rule keyword_rules[] = {
    {"Missing required property '", "required", false, false},
    {"Value type not permitted by 'type'", "type", false, true},
    {"Failed to match against any enum values", "enum", false, true},
    {"Failed to match expected value set by 'const'", "const", false, true},
    {"Target value and comparison value are not equal", "const", false, true},
    {"Failed to match regex specified by 'pattern'", "pattern", false, true},
    {"String should be no more than ", "maxLength", false, false},
    {"String should be no fewer than ", "minLength", false, true},
    {"String should be a valid ", "format", false, true},
    {"Expected number less than or equal to ", "maximum", false, true},
    {"Expected number less than ", "exclusiveMaximum", false, true},
    {"Expected number greater than or equal to ", "minimum", false, true},
    {"Expected number greater than ", "exclusiveMinimum", false, true},
    {"Value should be a multiple of ", "multipleOf", false, true},
    {"Value could not be converted", "multipleOf", false, true},
    {"Array should contain no more than ", "maxItems", false, false},
    {"Array should contain no fewer than ", "minItems", false, false},
    {"Array contains more items than allowed by items constraint", "items", false, false},
    {"Cannot validate item #", "additionalItems", false, false},
    {"Elements at indexes #", "uniqueItems", false, false},
    {"Failed to any values against subschema in 'contains'", "contains", false, false},
    {"Object should have no more than ", "maxProperties", false, false},
    {"Object should have no fewer than ", "minProperties", false, false},
    {"Object contains a property that could not be validated", "additionalProperties", false,
     false},
    {"Missing dependency '", "dependencies", false, false},
    {"Target should not validate against schema specified in 'not'", "not", false, false},
    {"Failed to validate against any schemas allowed by anyOf", "anyOf", false, false},
    {"Failed to validate against exactly one child schema", "oneOf", false, false},
    {"Failed to validate against any child schemas allowed by oneOf", "oneOf", false, false},
    // wrappers: reported only when nothing more precise was
    {"Failed to validate against schema associated with property name '", "properties", true,
     false},
    {"Failed to validate against schema associated with pattern '", "patternProperties", true,
     false},
    {"Failed to validate against additional properties schema", "additionalProperties", true,
     false},
    {"Failed to validate against a conditional schema set by if-then-else", "if", true, false},
    {"Failed to validate against child schema #", "allOf", true, false},
    {"Failed to validate item #", "items", true, false},
    {"Failed to validate against dependent schema", "dependencies", true, false},
};

const keyword_rule* find_rule(std::string_view description) {
  for (const auto& r : keyword_rules) {
    if (description.substr(0, r.prefix.size()) == r.prefix) {
      return &r;
    }
  }
  return nullptr;
}

// valijson's context is {"<root>", "[event]", "[ip]"}; each later element is "[" + name + "]".
std::string to_pointer(const std::vector<std::string>& context) {
  std::string p;
  for (std::size_t i = 1; i < context.size(); ++i) {
    std::string_view t = context[i];
    if (t.size() >= 2 && t.front() == '[' && t.back() == ']') {
      t = t.substr(1, t.size() - 2);
    }
    append_pointer_token(p, t);
  }
  return p;
}

// The value at `pointer`, as compact JSON of at most ~80 bytes (cut on a UTF-8 boundary).
std::string describe_value(simdjson::dom::element event, const std::string& pointer) {
  simdjson::dom::element v = event;
  if (!pointer.empty() && event.at_pointer(pointer).get(v) != simdjson::SUCCESS) {
    return {};
  }
  std::string s = simdjson::minify(v);
  constexpr std::size_t max_len = 80;
  if (s.size() > max_len) {
    std::size_t cut = max_len;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) {
      --cut;
    }
    s.resize(cut);
    s += "...";
  }
  return s;
}

// valijson prints limits with std::to_string(double): "0.000000" -> "0", "2.500000" -> "2.5".
void tidy_numbers(std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    out.push_back(s[i]);
    if (s[i] == '.' && i > 0 && std::isdigit(static_cast<unsigned char>(s[i - 1])) &&
        i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
      std::size_t j = i + 1;
      while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) {
        ++j;
      }
      std::string frac = s.substr(i + 1, j - i - 1);
      while (!frac.empty() && frac.back() == '0') {
        frac.pop_back();
      }
      if (frac.empty()) {
        out.pop_back();  // the '.'
      } else {
        out += frac;
      }
      i = j - 1;
    }
  }
  s.swap(out);
}

std::string_view strip_period(std::string_view s) {
  while (!s.empty() && (s.back() == '.' || s.back() == ' ')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// event_validator

event_validator::event_validator(std::shared_ptr<const compiled_schema> schema)
    : schema_(std::move(schema)), validator_(std::make_unique<valijson::Validator>()) {
  if (!schema_) {
    throw std::invalid_argument("event_validator needs a compiled schema");
  }
}

event_validator::~event_validator() = default;
event_validator::event_validator(event_validator&&) noexcept = default;
event_validator& event_validator::operator=(event_validator&&) noexcept = default;

void event_validator::set_schema(std::shared_ptr<const compiled_schema> schema) {
  if (!schema) {
    throw std::invalid_argument("event_validator needs a compiled schema");
  }
  schema_ = std::move(schema);
}

namespace {

// Turns valijson-style (pointer, description) pairs into validation_errors: keyword from the
// description, offending value appended, wrappers kept only when nothing more precise was reported.
class error_mapper {
 public:
  error_mapper(simdjson::dom::element event, std::vector<validation_error>& errors)
      : event_(event), errors_(errors), first_(errors.size()) {}

  void add(std::string pointer, std::string_view description) {
    const keyword_rule* rule = find_rule(description);
    validation_error out;
    out.pointer = std::move(pointer);
    out.keyword = rule ? std::string(rule->keyword) : std::string("schema");
    out.message = std::string(strip_period(description));
    if (rule &&
        (rule->keyword.find("imum") != std::string_view::npos || rule->keyword == "multipleOf")) {
      tidy_numbers(out.message);
    }
    if (rule && rule->show_value) {
      const std::string value = describe_value(event_, out.pointer);
      if (!value.empty()) {
        out.message += "; got " + value;
      }
    }
    if (rule && rule->wrapper) {
      wrappers_.push_back(std::move(out));
    } else {
      errors_.push_back(std::move(out));
    }
  }

  void finish() {
    if (errors_.size() == first_) {
      for (auto& w : wrappers_) {
        errors_.push_back(std::move(w));
      }
    }
    if (errors_.size() == first_) {
      errors_.push_back({"", "schema", "event does not match the schema"});
    }
  }

 private:
  simdjson::dom::element event_;
  std::vector<validation_error>& errors_;
  std::size_t first_;
  std::vector<validation_error> wrappers_;
};

}  // namespace

namespace {

// Finds a member name that appears twice in one object, anywhere in `value` (depth-first, first
// object first). On a find, sets `name` to the name and, with WithPointer, `pointer` to the
// object's RFC 6901 pointer (the common case, no duplicate, runs without building pointers).
template <bool WithPointer>
bool find_duplicate_key(simdjson::dom::element value, std::string& pointer, std::string_view& name,
                        std::vector<std::string_view>& scratch) {
  simdjson::dom::array arr;
  if (value.get_array().get(arr) == simdjson::SUCCESS) {
    std::size_t i = 0;
    for (auto child : arr) {
      const std::size_t at = pointer.size();
      if constexpr (WithPointer) {
        pointer += '/';
        pointer += std::to_string(i);
      }
      ++i;
      if (find_duplicate_key<WithPointer>(child, pointer, name, scratch)) return true;
      if constexpr (WithPointer) pointer.resize(at);
    }
    return false;
  }
  simdjson::dom::object obj;
  if (value.get_object().get(obj) != simdjson::SUCCESS) return false;
  const std::size_t n = obj.size();
  if (n > 1) {
    if (n <= 16) {  // the usual event: a few pairwise comparisons, no allocation
      std::string_view keys[16];
      std::size_t k = 0;
      for (auto field : obj) {
        for (std::size_t j = 0; j < k; ++j)
          if (keys[j] == field.key) {
            name = field.key;
            return true;
          }
        keys[k++] = field.key;
      }
    } else {  // many members: sort, so that a 20,000-member object costs n log n, not n^2
      const std::size_t base = scratch.size();
      for (auto field : obj) scratch.push_back(field.key);
      std::sort(scratch.begin() + static_cast<std::ptrdiff_t>(base), scratch.end());
      const auto dup =
          std::adjacent_find(scratch.begin() + static_cast<std::ptrdiff_t>(base), scratch.end());
      const bool found = dup != scratch.end();
      if (found) name = *dup;
      scratch.resize(base);
      if (found) return true;
    }
  }
  for (auto field : obj) {
    const std::size_t at = pointer.size();
    if constexpr (WithPointer) append_pointer_token(pointer, field.key);  // with its leading '/'
    if (find_duplicate_key<WithPointer>(field.value, pointer, name, scratch)) return true;
    if constexpr (WithPointer) pointer.resize(at);
  }
  return false;
}

}  // namespace

bool event_validator::validate(simdjson::dom::element event,
                               std::vector<validation_error>& errors) {
  // A member name given twice is refused before the schema is looked at: the validator (simdjson's
  // lookup) sees the first value, while most JSON readers downstream keep the last one, so a later
  // duplicate could carry anything past the schema into the raw topic.
  {
    thread_local std::vector<std::string_view> scratch;
    std::string pointer;
    std::string_view name;
    if (find_duplicate_key<false>(event, pointer, name, scratch) &&
        find_duplicate_key<true>(event, pointer, name, scratch)) {
      std::string message = "member name \"";
      std::size_t cut = std::min<std::size_t>(name.size(), 200);  // whole UTF-8 sequences only
      while (cut < name.size() && cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80)
        --cut;
      message.append(name.substr(0, cut));
      message += "\" appears more than once in the same object";
      errors.push_back(validation_error{std::move(pointer), "duplicate_key", std::move(message)});
      return false;
    }
  }
  if (fast_path_ && schema_->fast() != nullptr) {
    const fast_schema& fast = *schema_->fast();
    if (fast.valid(event)) {
      return true;
    }
    // Invalid: the fast path reports what valijson would, without valijson's cost.
    std::vector<fast_schema::error> found;
    try {
      fast.collect(event, found);
    } catch (const std::exception&) {
      return validate_with_valijson(event, errors);
    }
    error_mapper mapper(event, errors);
    for (auto& f : found) {
      mapper.add(std::move(f.pointer), f.description);
    }
    mapper.finish();
    return false;
  }
  try {
    // Without the fast path: valijson stopping at the first failing constraint, collecting nothing.
    const valijson::adapters::SimdjsonAdapter target(event);
    if (validator_->validate(schema_->schema(), target, nullptr)) {
      return true;
    }
  } catch (const std::exception&) {
    // reported by the full run below
  }
  return validate_with_valijson(event, errors);
}

bool event_validator::validate_with_valijson(simdjson::dom::element event,
                                             std::vector<validation_error>& errors) {
  const valijson::adapters::SimdjsonAdapter target(event);
  try {
    valijson::ValidationResults results;
    if (validator_->validate(schema_->schema(), target, &results) && results.numErrors() == 0) {
      return true;
    }
    error_mapper mapper(event, errors);
    for (const auto& e : results) {
      mapper.add(to_pointer(e.context), e.description);
    }
    mapper.finish();
  } catch (const std::exception& e) {
    errors.push_back({"", "schema", std::string("event could not be validated: ") + e.what()});
  }
  return false;
}

}  // namespace clickstream
