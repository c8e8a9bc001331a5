// JSON Schema (draft-07) validation of events parsed by simdjson, with valijson through an adapter
// over simdjson's DOM (runtime/simdjson_adapter.hpp): no second parse per event.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace valijson {
class Schema;
class Validator;
}  // namespace valijson

namespace clickstream {

class fast_schema;

struct validation_error {
  std::string pointer;  // RFC 6901 pointer into the event, e.g. "/event/ip" ("" = the event itself)
  std::string keyword;  // the JSON Schema keyword that failed, e.g. "pattern", "required", "type"
  std::string message;  // a human sentence
};

// A compiled schema: immutable, shared by pointer between validator actors; swapped when a new
// version arrives from the registry.
class compiled_schema {
 public:
  // Throws std::invalid_argument with a clear message if the text is not JSON or not a valid JSON
  // Schema (draft-07). Remote $refs are not fetched (they are refused).
  static std::shared_ptr<const compiled_schema> compile(std::string_view schema_json,
                                                        std::int32_t id, std::int32_t version,
                                                        std::string subject);

  std::int32_t id() const noexcept { return id_; }
  std::int32_t version() const noexcept { return version_; }
  const std::string& subject() const noexcept { return subject_; }
  const std::string& text() const noexcept { return text_; }  // the schema document as given
  const valijson::Schema& schema() const noexcept { return *schema_; }
  // The allocation-free accept check (runtime/fast_schema.hpp), or nullptr when the schema uses
  // keywords outside its subset; fast_path_note() then says which.
  const fast_schema* fast() const noexcept { return fast_.get(); }
  const std::string& fast_path_note() const noexcept { return fast_note_; }

  ~compiled_schema();
  compiled_schema(const compiled_schema&) = delete;
  compiled_schema& operator=(const compiled_schema&) = delete;

 private:
  compiled_schema();
  std::unique_ptr<valijson::Schema> schema_;
  std::shared_ptr<const fast_schema> fast_;
  std::string fast_note_;
  std::int32_t id_ = -1;
  std::int32_t version_ = -1;
  std::string subject_;
  std::string text_;
};

// One per actor: keeps one valijson Validator (which caches the compiled `pattern` regexes) and
// reuses it for every event. Not thread-safe.
class event_validator {
 public:
  explicit event_validator(std::shared_ptr<const compiled_schema> schema);
  ~event_validator();
  event_validator(event_validator&&) noexcept;
  event_validator& operator=(event_validator&&) noexcept;

  const compiled_schema& schema() const noexcept { return *schema_; }
  const std::shared_ptr<const compiled_schema>& schema_ptr() const noexcept { return schema_; }
  // Switch to another schema (e.g. a newer version); the regex cache is kept (keyed by pattern).
  void set_schema(std::shared_ptr<const compiled_schema> schema);

  // True if valid; otherwise appends errors (at least one) to `errors`.
  // With a fast path (compiled_schema::fast()), events are checked and their errors collected
  // there, reproducing valijson's verdicts and errors (tests/unit/test_fast_schema.cpp compares
  // them); otherwise, or with set_fast_path(false), valijson does both.
  bool validate(simdjson::dom::element event, std::vector<validation_error>& errors);

  // The fast path is on by default; off, every event goes through valijson (for comparison).
  void set_fast_path(bool on) noexcept { fast_path_ = on; }
  bool fast_path() const noexcept { return fast_path_; }

 private:
  bool validate_with_valijson(simdjson::dom::element event, std::vector<validation_error>& errors);
  std::shared_ptr<const compiled_schema> schema_;
  std::unique_ptr<valijson::Validator> validator_;
  bool fast_path_ = true;
};

// RFC 6901 escaping of one reference token ("~" -> "~0", "/" -> "~1"), appended to `out`.
void append_pointer_token(std::string& out, std::string_view token);

}  // namespace clickstream
