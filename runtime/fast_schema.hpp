// A fast accept/reject check for the JSON Schema subset the event schemas use, evaluated directly
// on simdjson's DOM without allocating. It answers exactly what valijson answers (same type rules,
// same quirks: integers are int64, string lengths count UTF-8 code points up to a NUL, duplicate
// keys count in object sizes) and is used as valijson's fast path: events it accepts are valid;
// events it rejects are validated again by valijson to get the detailed errors.
//
// Supported keywords: type, enum and const (scalar values), required, properties,
// additionalProperties, minimum, maximum, exclusiveMinimum, exclusiveMaximum (numbers), minLength,
// maxLength, pattern, items (one schema), minItems, maxItems, minProperties, maxProperties, allOf,
// anyOf, oneOf, not, if/then/else, boolean schemas; annotations ($schema, $id, title, description,
// default, examples, $comment, readOnly, writeOnly, definitions, ...) are ignored. Any other
// keyword
// ($ref, format, patternProperties, dependencies, multipleOf, ...) makes compile() refuse the
// schema, and valijson alone is used.
#pragma once

#include <simdjson.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "runtime/byte_regex.hpp"

namespace clickstream {

class fast_schema {
 public:
  // nullptr (and the reason in `why_not`) when the schema uses keywords outside the subset.
  static std::shared_ptr<const fast_schema> compile(const nlohmann::json& schema,
                                                    std::string* why_not = nullptr);

  // Thread-safe (immutable) except for patterns outside byte_regex's subset, which use std::regex:
  // those are matched under no lock but std::regex matching is const and thread-safe.
  bool valid(simdjson::dom::element e) const noexcept;

  // For invalid events: the errors valijson would report, as (RFC 6901 pointer, valijson's own
  // description text), so they map to keywords and messages like valijson's. Returns valid().
  struct error {
    std::string pointer;
    std::string description;
  };
  bool collect(simdjson::dom::element e, std::vector<error>& errors) const;

  struct node;
  ~fast_schema();

 private:
  fast_schema() = default;
  std::vector<std::unique_ptr<node>> nodes_;
  const node* root_ = nullptr;
  friend struct fast_schema_builder;
};

}  // namespace clickstream
