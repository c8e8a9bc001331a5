#include "runtime/batch_parser.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>

namespace clickstream {

std::string_view to_string(batch_error e) noexcept {
  switch (e) {
    case batch_error::none:
      return "none";
    case batch_error::empty_body:
      return "empty_body";
    case batch_error::invalid_utf8:
      return "invalid_utf8";
    case batch_error::not_json:
      return "not_json";
    case batch_error::not_array:
      return "not_array";
    case batch_error::too_deep:
      return "too_deep";
    case batch_error::too_many_events:
      return "too_many_events";
    case batch_error::too_large:
      return "too_large";
  }
  return "unknown";
}

std::size_t first_invalid_utf8(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    // ASCII fast path, 8 bytes at a time.
    if (i + 8 <= n) {
      std::uint64_t w;
      std::memcpy(&w, p + i, 8);
      if ((w & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return i;
    }
    if (i + len > n) {
      return i;
    }
    for (std::size_t k = 1; k < len; ++k) {
      const unsigned char cc = p[i + k];
      if ((cc & 0xC0) != 0x80) {
        return i;
      }
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, UTF-16 surrogates and code points above U+10FFFF are not valid UTF-8.
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

namespace {

constexpr bool is_ws(char c) noexcept {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

// SAX handler that accepts everything and remembers where nlohmann's parser gave up: used only on
// the error path, to tell the client where its body stops being JSON.
struct error_locator {
  std::size_t position = std::string::npos;
  std::string detail;
  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(std::int64_t) { return true; }
  bool number_unsigned(std::uint64_t) { return true; }
  bool number_float(double, const std::string&) { return true; }
  bool string(std::string&) { return true; }
  bool binary(std::vector<std::uint8_t>&) { return true; }
  bool start_object(std::size_t) { return true; }
  bool key(std::string&) { return true; }
  bool end_object() { return true; }
  bool start_array(std::size_t) { return true; }
  bool end_array() { return true; }
  bool parse_error(std::size_t pos, const std::string&, const nlohmann::detail::exception& ex) {
    position = pos;
    detail = ex.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 9: syntax error while ..."
    const auto colon = detail.find(": ");
    if (colon != std::string::npos) {
      detail.erase(0, colon + 2);
    }
    return false;
  }
};

// Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence.
void truncate_utf8(std::string& s, std::size_t max) {
  if (s.size() <= max) {
    return;
  }
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  s.resize(cut);
  s += "...";
}

// Replaces every byte that is not part of valid UTF-8 with U+FFFD. nlohmann's "last read: '...'"
// quotes the bytes it stopped on, which can end inside a multi-byte sequence; the message goes
// into JSON documents (the HTTP answer, the invalid-topic record) that must stay valid UTF-8.
std::string scrub_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (;;) {
    const std::size_t bad = first_invalid_utf8(s);
    if (bad == std::string_view::npos) {
      out.append(s);
      return out;
    }
    out.append(s.substr(0, bad));
    out += "\xEF\xBF\xBD";
    s.remove_prefix(bad + 1);
  }
}

std::string not_json_message(std::string_view body, simdjson::error_code code) {
  std::string m = "body is not valid JSON";
  error_locator loc;
  nlohmann::json::sax_parse(body.begin(), body.end(), &loc);
  if (loc.position != std::string::npos) {
    // nlohmann counts the byte it stopped on from 1.
    m += " near byte " + std::to_string(loc.position > 0 ? loc.position - 1 : 0);
  }
  m += ": ";
  m += simdjson::error_message(code);
  if (!loc.detail.empty()) {
    loc.detail = scrub_utf8(loc.detail);
    truncate_utf8(loc.detail, 160);  // "last read: '...'" can quote a whole long token
    m += " (" + loc.detail + ")";
  }
  return m;
}

std::string_view type_name(simdjson::dom::element_type t) noexcept {
  switch (t) {
    case simdjson::dom::element_type::OBJECT:
      return "an object";
    case simdjson::dom::element_type::ARRAY:
      return "an array";
    case simdjson::dom::element_type::STRING:
      return "a string";
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE:
      return "a number";
    case simdjson::dom::element_type::BOOL:
      return "a boolean";
    case simdjson::dom::element_type::NULL_VALUE:
      return "null";
  }
  return "a value";
}

// Skips a JSON string starting at the opening quote s[i]; returns the index after the closing
// quote. The body was accepted by simdjson, so the string is known to be closed.
std::size_t skip_string(const char* s, std::size_t n, std::size_t i) noexcept {
  ++i;
  for (;;) {
    const void* q = std::memchr(s + i, '"', n - i);
    if (q == nullptr) {
      return n;  // unreachable for validated input
    }
    std::size_t j = static_cast<std::size_t>(static_cast<const char*>(q) - s);
    // The quote is escaped when preceded by an odd number of backslashes.
    std::size_t k = j;
    while (k > i && s[k - 1] == '\\') {
      --k;
    }
    if (((j - k) & 1U) == 0) {
      return j + 1;
    }
    i = j + 1;
  }
}

// Returns the index one past the end of the JSON value starting at s[i] (validated input).
std::size_t skip_value(const char* s, std::size_t n, std::size_t i) noexcept {
  const char c = s[i];
  if (c == '"') {
    return skip_string(s, n, i);
  }
  if (c == '{' || c == '[') {
    std::size_t depth = 0;
    while (i < n) {
      const char d = s[i];
      if (d == '"') {
        i = skip_string(s, n, i);
        continue;
      }
      if (d == '{' || d == '[') {
        ++depth;
      } else if (d == '}' || d == ']') {
        if (--depth == 0) {
          return i + 1;
        }
      }
      ++i;
    }
    return n;
  }
  // number, true, false, null
  while (i < n && s[i] != ',' && s[i] != ']' && s[i] != '}' && !is_ws(s[i])) {
    ++i;
  }
  return i;
}

}  // namespace

batch_parser::batch_parser(batch_limits limits) : limits_(limits), parser_(limits.max_body_bytes) {}

batch_error batch_parser::parse(std::string_view body, std::vector<event_span>& events,
                                std::string& message) {
  events.clear();
  message.clear();
  if (body.size() > limits_.max_body_bytes) {
    message = "body has " + std::to_string(body.size()) + " bytes, more than the limit of " +
              std::to_string(limits_.max_body_bytes);
    return batch_error::too_large;
  }
  std::size_t first = 0;
  while (first < body.size() && is_ws(body[first])) {
    ++first;
  }
  if (first == body.size()) {
    message = "body is empty; expected a JSON array of events";
    return batch_error::empty_body;
  }

  // Give back the memory of an earlier big body before parsing a small one.
  if (parser_.capacity() > limits_.retain_capacity && body.size() <= limits_.retain_capacity) {
    parser_ = simdjson::dom::parser(limits_.max_body_bytes);
  }
  if (parser_.max_depth() != limits_.max_depth || parser_.capacity() < body.size()) {
    // at least 64 KiB: avoid regrowing for every slightly bigger body
    constexpr std::size_t min_capacity = std::size_t{64} * 1024;
    const std::size_t cap =
        std::max({body.size(), parser_.capacity(), std::min(min_capacity, limits_.max_body_bytes)});
    if (auto err = parser_.allocate(cap, limits_.max_depth)) {
      message = std::string("cannot allocate parser buffers: ") + simdjson::error_message(err);
      return batch_error::too_large;
    }
  }

  simdjson::dom::element root;
  const auto code = parser_.parse(body.data(), body.size(), true).get(root);
  if (code != simdjson::SUCCESS) {
    switch (code) {
      case simdjson::UTF8_ERROR: {
        const std::size_t at = first_invalid_utf8(body);
        message = "body is not valid UTF-8";
        if (at != std::string_view::npos) {
          message += ": invalid byte sequence at byte " + std::to_string(at);
        }
        return batch_error::invalid_utf8;
      }
      case simdjson::DEPTH_ERROR:
        message = "body nests values deeper than the limit of " +
                  std::to_string(limits_.max_depth) + " levels";
        return batch_error::too_deep;
      case simdjson::EMPTY:
        message = "body is empty; expected a JSON array of events";
        return batch_error::empty_body;
      case simdjson::CAPACITY:
        message = "body is too large for the parser";
        return batch_error::too_large;
      default: {
        // simdjson checks UTF-8 while it indexes the document, but a structural error found first
        // hides it: name the encoding problem, it is the more useful one.
        const std::size_t bad = first_invalid_utf8(body);
        if (bad != std::string_view::npos) {
          message = "body is not valid UTF-8: invalid byte sequence at byte " + std::to_string(bad);
          return batch_error::invalid_utf8;
        }
        message = not_json_message(body, code);
        return batch_error::not_json;
      }
    }
  }

  simdjson::dom::array arr;
  if (root.get_array().get(arr) != simdjson::SUCCESS) {
    message = "body must be a JSON array of events, got ";
    message += type_name(root.type());
    return batch_error::not_array;
  }
  const std::size_t count = arr.size();
  if (count > limits_.max_events) {
    message = "batch has " + std::to_string(count) + " events, more than the limit of " +
              std::to_string(limits_.max_events);
    return batch_error::too_many_events;
  }
  events.reserve(count);

  // Split the (validated) body into the byte ranges of the top-level elements.
  const char* s = body.data();
  const std::size_t n = body.size();
  std::size_t i = first + 1;  // after '['
  auto it = arr.begin();
  const auto end = arr.end();
  for (;;) {
    while (i < n && is_ws(s[i])) {
      ++i;
    }
    if (i >= n || s[i] == ']') {
      break;
    }
    const std::size_t start = i;
    i = skip_value(s, n, i);
    if (it == end) {
      break;
    }
    events.push_back(event_span{std::string_view(s + start, i - start), *it});
    ++it;
    while (i < n && is_ws(s[i])) {
      ++i;
    }
    if (i < n && s[i] == ',') {
      ++i;
    }
  }
  if (events.size() != count) {
    // Cannot happen for a body simdjson accepted; refuse rather than misattribute bytes.
    events.clear();
    message = "body could not be split into its array elements";
    return batch_error::not_json;
  }
  return batch_error::none;
}

}  // namespace clickstream
