#include "runtime/records.hpp"

#include <array>
#include <charconv>
#include <cstring>
#include <random>

#include "runtime/batch_parser.hpp"

namespace clickstream {

// ---------------------------------------------------------------------------------------------
// Confluent wire format

void write_confluent_header(char* out5, std::int32_t schema_id) noexcept {
  const auto id = static_cast<std::uint32_t>(schema_id);
  out5[0] = 0x00;
  out5[1] = static_cast<char>((id >> 24) & 0xFF);
  out5[2] = static_cast<char>((id >> 16) & 0xFF);
  out5[3] = static_cast<char>((id >> 8) & 0xFF);
  out5[4] = static_cast<char>(id & 0xFF);
}

void append_confluent_value(std::string& out, std::int32_t schema_id, std::string_view json) {
  const std::size_t at = out.size();
  out.resize(at + confluent_header_size + json.size());
  write_confluent_header(&out[at], schema_id);
  if (!json.empty()) {
    std::memcpy(&out[at + confluent_header_size], json.data(), json.size());
  }
}

std::string confluent_value(std::int32_t schema_id, std::string_view json) {
  std::string out;
  append_confluent_value(out, schema_id, json);
  return out;
}

std::optional<confluent_view> parse_confluent_value(std::string_view value) noexcept {
  if (value.size() < confluent_header_size || value[0] != '\0') {
    return std::nullopt;
  }
  const auto b = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(value[i]));
  };
  const std::uint32_t id = (b(1) << 24) | (b(2) << 16) | (b(3) << 8) | b(4);
  return confluent_view{static_cast<std::int32_t>(id), value.substr(confluent_header_size)};
}

// ---------------------------------------------------------------------------------------------
// Visitor key

std::uint64_t fnv1a64(std::string_view data, std::uint64_t hash) noexcept {
  for (const char c : data) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

void visitor_key(simdjson::dom::element event, std::string& out) {
  out.clear();
  simdjson::dom::object body;
  if (event["event"].get_object().get(body) != simdjson::SUCCESS) {
    return;
  }
  simdjson::dom::element customer;
  if (body["customer-id"].get(customer) == simdjson::SUCCESS) {
    char buf[24];
    if (customer.type() == simdjson::dom::element_type::INT64) {
      const std::int64_t v = customer.get_int64().value_unsafe();
      if (v >= 0) {
        const auto r = std::to_chars(buf, buf + sizeof buf, v);
        out.assign(buf, r.ptr);
        return;
      }
    } else if (customer.type() == simdjson::dom::element_type::UINT64) {
      const auto r = std::to_chars(buf, buf + sizeof buf, customer.get_uint64().value_unsafe());
      out.assign(buf, r.ptr);
      return;
    }
  }
  std::string_view ip, ua;
  if (body["ip"].get_string().get(ip) != simdjson::SUCCESS ||
      body["user-agent"].get_string().get(ua) != simdjson::SUCCESS) {
    return;
  }
  std::uint64_t h = fnv1a64(ip);
  h = fnv1a64("\n", h);
  h = fnv1a64(ua, h);
  static constexpr char hex[] = "0123456789abcdef";
  out.resize(5 + 16);
  std::memcpy(&out[0], "anon-", 5);
  for (int i = 15; i >= 0; --i) {
    out[5 + static_cast<std::size_t>(i)] = hex[h & 0xF];
    h >>= 4;
  }
}

std::string visitor_key(simdjson::dom::element event) {
  std::string out;
  visitor_key(event, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// JSON text

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

// true for bytes that need escaping inside a JSON string
constexpr bool needs_escape(unsigned char c) noexcept {
  return c < 0x20 || c == '"' || c == '\\';
}

void append_escaped(std::string& out, std::string_view s) {
  const char* p = s.data();
  const char* const end = p + s.size();
  while (p < end) {
    const char* run = p;
    while (p < end && !needs_escape(static_cast<unsigned char>(*p))) {
      ++p;
    }
    out.append(run, static_cast<std::size_t>(p - run));
    if (p == end) {
      break;
    }
    const auto c = static_cast<unsigned char>(*p++);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default: {
        const char u[6] = {'\\', 'u', '0', '0', hex_digits[c >> 4], hex_digits[c & 0xF]};
        out.append(u, 6);
      }
    }
  }
}

}  // namespace

std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  append_escaped(out, s);
  return out;
}

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  append_escaped(out, s);
  out.push_back('"');
}

void append_base64(std::string& out, std::string_view data) {
  static constexpr char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  const std::size_t n = data.size();
  out.reserve(out.size() + (n + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const std::uint32_t v = (std::uint32_t(p[i]) << 16) | (std::uint32_t(p[i + 1]) << 8) | p[i + 2];
    out.push_back(tbl[(v >> 18) & 63]);
    out.push_back(tbl[(v >> 12) & 63]);
    out.push_back(tbl[(v >> 6) & 63]);
    out.push_back(tbl[v & 63]);
  }
  if (n - i == 1) {
    const std::uint32_t v = std::uint32_t(p[i]) << 16;
    out.push_back(tbl[(v >> 18) & 63]);
    out.push_back(tbl[(v >> 12) & 63]);
    out += "==";
  } else if (n - i == 2) {
    const std::uint32_t v = (std::uint32_t(p[i]) << 16) | (std::uint32_t(p[i + 1]) << 8);
    out.push_back(tbl[(v >> 18) & 63]);
    out.push_back(tbl[(v >> 12) & 63]);
    out.push_back(tbl[(v >> 6) & 63]);
    out.push_back('=');
  }
}

// ---------------------------------------------------------------------------------------------
// Invalid-topic record

namespace {

// Bytes `s` takes once escaped by append_escaped.
std::size_t escaped_size(std::string_view s) noexcept {
  std::size_t n = s.size();
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u == '"' || u == '\\' || u == '\n' || u == '\r' || u == '\t' || u == '\b' || u == '\f')
      n += 1;
    else if (u < 0x20)
      n += 5;
  }
  return n;
}

// The longest prefix of the UTF-8 text `s` whose escaped form fits in `budget` bytes, cut between
// two UTF-8 sequences.
std::string_view utf8_prefix_within(std::string_view s, std::size_t budget) noexcept {
  std::size_t used = 0, i = 0;
  for (; i < s.size(); ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    const std::size_t w =
        (u == '"' || u == '\\' || u == '\n' || u == '\r' || u == '\t' || u == '\b' || u == '\f')
            ? 2
            : (u < 0x20 ? 6 : 1);
    if (used + w > budget) break;
    used += w;
  }
  while (i > 0 && i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
  return s.substr(0, i);
}

}  // namespace

void append_invalid_record(std::string& out, std::string_view original,
                           const std::vector<validation_error>& errors,
                           const invalid_record_info& info) {
  const std::size_t start = out.size();
  const bool utf8 = is_valid_utf8(original);
  // Everything but the original: the errors (escaped, bounded by their own sizes) and about 400
  // bytes of member names, ids and times.
  std::size_t rest = 400 + info.reason.size() + info.correlation_id.size() +
                     info.received_at.size() + info.subject.size();
  for (const auto& e : errors)
    rest += 40 + escaped_size(e.pointer) + escaped_size(e.keyword) + escaped_size(e.message);
  const std::size_t encoded = utf8 ? escaped_size(original) : (original.size() + 2) / 3 * 4;
  std::string_view kept = original;
  const bool truncated = rest + encoded > info.max_bytes;
  if (truncated) {
    const std::size_t budget = info.max_bytes > rest ? info.max_bytes - rest : 0;
    kept = utf8 ? utf8_prefix_within(original, budget) : original.substr(0, budget / 4 * 3);
  }
  out.reserve(start + (truncated ? info.max_bytes : rest + encoded));
  out += "{\"original\":";
  if (utf8) {
    append_json_string(out, kept);
  } else {
    out.push_back('"');
    append_base64(out, kept);
    out.push_back('"');
  }
  out += ",\"original_encoding\":";
  out += utf8 ? "\"utf8\"" : "\"base64\"";
  if (truncated) {
    out += ",\"original_truncated\":true,\"original_bytes\":";
    out += std::to_string(original.size());
  }
  out += ",\"errors\":[";
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (i) {
      out.push_back(',');
    }
    out += "{\"pointer\":";
    append_json_string(out, errors[i].pointer);
    out += ",\"keyword\":";
    append_json_string(out, errors[i].keyword);
    out += ",\"message\":";
    append_json_string(out, errors[i].message);
    out.push_back('}');
  }
  out += "],\"reason\":";
  append_json_string(out, info.reason);
  out += ",\"correlation_id\":";
  append_json_string(out, info.correlation_id);
  out += ",\"received_at\":";
  append_json_string(out, info.received_at);
  out += ",\"schema\":{\"subject\":";
  if (info.subject.empty()) {
    out += "null";
  } else {
    append_json_string(out, info.subject);
  }
  out += ",\"version\":";
  out += info.schema_version < 0 ? std::string("null") : std::to_string(info.schema_version);
  out += ",\"id\":";
  out += info.schema_id < 0 ? std::string("null") : std::to_string(info.schema_id);
  out += "},\"event_index\":";
  out += info.event_index < 0 ? std::string("null") : std::to_string(info.event_index);
  out.push_back('}');
}

std::string invalid_record(std::string_view original, const std::vector<validation_error>& errors,
                           const invalid_record_info& info) {
  std::string out;
  append_invalid_record(out, original, errors, info);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Correlation ids

namespace {

std::mt19937_64& thread_rng() {
  thread_local std::mt19937_64 rng = [] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }();
  return rng;
}

}  // namespace

void new_correlation_id(std::string& out) {
  auto& rng = thread_rng();
  std::uint64_t hi = rng();
  std::uint64_t lo = rng();
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // variant 10xx
  unsigned char b[16];
  for (int i = 0; i < 8; ++i) {
    b[i] = static_cast<unsigned char>(hi >> (56 - 8 * i));
    b[8 + i] = static_cast<unsigned char>(lo >> (56 - 8 * i));
  }
  out.resize(36);
  std::size_t o = 0;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) {
      out[o++] = '-';
    }
    out[o++] = hex_digits[b[i] >> 4];
    out[o++] = hex_digits[b[i] & 0xF];
  }
}

std::string new_correlation_id() {
  std::string out;
  new_correlation_id(out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Time

std::int64_t to_unix_micros(std::chrono::system_clock::time_point t) noexcept {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

void append_rfc3339_utc(std::string& out, std::chrono::system_clock::time_point t) {
  const std::int64_t us = to_unix_micros(t);
  std::int64_t secs = us / 1000000;
  std::int64_t frac = us % 1000000;
  if (frac < 0) {
    frac += 1000000;
    --secs;
  }
  std::int64_t days = secs / 86400;
  std::int64_t sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    --days;
  }
  // civil_from_days (H. Hinnant), proleptic Gregorian calendar.
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = yoe + era * 400;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) {
    ++y;
  }

  char buf[32];
  auto put = [&](std::size_t at, std::int64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) {
      buf[at + static_cast<std::size_t>(i)] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
  };
  if (y < 0 || y > 9999) {
    y = y < 0 ? 0 : 9999;  // RFC 3339 has 4-digit years
  }
  put(0, y, 4);
  buf[4] = '-';
  put(5, m, 2);
  buf[7] = '-';
  put(8, d, 2);
  buf[10] = 'T';
  put(11, sod / 3600, 2);
  buf[13] = ':';
  put(14, (sod / 60) % 60, 2);
  buf[16] = ':';
  put(17, sod % 60, 2);
  buf[19] = '.';
  put(20, frac, 6);
  buf[26] = 'Z';
  out.append(buf, 27);
}

std::string format_rfc3339_utc(std::chrono::system_clock::time_point t) {
  std::string out;
  out.reserve(27);
  append_rfc3339_utc(out, t);
  return out;
}

}  // namespace clickstream
