#include "runtime/metadata.hpp"

#include <charconv>
#include <chrono>

#include "runtime/event_day.hpp"
#include "runtime/page_url.hpp"
#include "runtime/records.hpp"
#include "runtime/referrer.hpp"
#include "runtime/user_agent.hpp"

namespace clickstream {

namespace {

template <class Int>
void append_int(std::string& out, Int v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

void append_text_or_null(std::string& out, std::string_view s) {
  if (s.empty()) {
    out.append("null");
  } else {
    append_json_text(out, s);
  }
}

bool looks_like_rfc3339(std::string_view s) noexcept {
  if (s.size() < 20 || s.size() > 40 || s[4] != '-' || s[10] != 'T') return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || c == '-' || c == ':' || c == '.' || c == 'T' || c == 'Z' ||
          c == '+')) {
      return false;
    }
  }
  return true;
}

bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

}  // namespace

void append_json_text(std::string& out, std::string_view s) {
  append_json_string(out, s);
}

void append_rfc3339_us(std::string& out, std::int64_t us) {
  append_rfc3339_utc(out, std::chrono::system_clock::time_point(
                              std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                  std::chrono::microseconds(us))));
}

bool extract_event_fields(simdjson::dom::element event, event_fields& out, std::string& error) {
  out = event_fields{};
  simdjson::dom::object root;
  if (event.get_object().get(root) != simdjson::SUCCESS) {
    error = "the event is not a JSON object";
    return false;
  }
  simdjson::dom::element ignored;
  if (root.at_key("metadata").get(ignored) == simdjson::SUCCESS) {
    error = "the event already has a \"metadata\" member; the enricher would overwrite it";
    return false;
  }
  simdjson::dom::object body;
  if (root.at_key("event").get_object().get(body) != simdjson::SUCCESS) {
    error = "/event: missing or not an object";
    return false;
  }
  if (body.at_key("user-agent").get_string().get(out.user_agent) != simdjson::SUCCESS) {
    error = "/event/user-agent: missing or not a string";
    return false;
  }
  if (body.at_key("timestamp").get_string().get(out.timestamp) != simdjson::SUCCESS) {
    error = "/event/timestamp: missing or not a string";
    return false;
  }
  const auto day = event_utc_day(out.timestamp);
  if (!day) {
    error = "/event/timestamp: not a date-time YYYY-MM-DDTHH:MM:SS[.ffffff]";
    return false;
  }
  out.event_day = *day;
  simdjson::dom::element customer;
  if (body.at_key("customer-id").get(customer) == simdjson::SUCCESS && !customer.is_null()) {
    std::int64_t id = 0;
    if (customer.get_int64().get(id) != simdjson::SUCCESS) {
      error = "/event/customer-id: not an integer or null";
      return false;
    }
    out.customer_id = id;
  }
  simdjson::dom::element field;
  if (body.at_key("page").get(field) == simdjson::SUCCESS &&
      field.get_string().get(out.page) != simdjson::SUCCESS) {
    error = "/event/page: not a string";
    return false;
  }
  if (body.at_key("referrer").get(field) == simdjson::SUCCESS && !field.is_null() &&
      field.get_string().get(out.referrer) != simdjson::SUCCESS) {
    error = "/event/referrer: not a string";
    return false;
  }
  return true;
}

void append_metadata_json(std::string& out, const metadata_context& ctx, const event_fields& ev,
                          const enrichment_options& opts) {
  out.append("{\"correlation_id\":");
  append_json_text(out, ctx.correlation_id);
  out.append(",\"received_at\":\"");
  if (looks_like_rfc3339(ctx.received_at)) {
    out.append(ctx.received_at);
  } else {
    append_rfc3339_us(out, ctx.received_at_us);
  }
  out.append("\",\"processed_at\":\"");
  append_rfc3339_us(out, ctx.processed_at_us);
  out.append("\",\"schema\":{\"subject\":");
  append_json_text(out, ctx.schema_subject);
  out.append(",\"id\":");
  append_int(out, ctx.schema_id);
  out.append(",\"version\":");
  if (ctx.schema_version > 0) {
    append_int(out, ctx.schema_version);
  } else {
    out.append("null");
  }
  out.append("},\"source\":{\"topic\":");
  append_json_text(out, ctx.source_topic);
  out.append(",\"partition\":");
  append_int(out, ctx.source_partition);
  out.append(",\"offset\":");
  append_int(out, ctx.source_offset);
  out.append("},\"event_date\":");
  const auto day = format_day(ev.event_day);
  out.append("\"");
  out.append(day.data(), day.size());
  out.append("\",\"customer\":{\"logged_in\":");
  out.append(ev.customer_id ? "true," : "false,");
  out.append("\"id\":");
  if (ev.customer_id) {
    append_int(out, *ev.customer_id);
  } else {
    out.append("null");
  }
  out.append("},");

  const user_agent_info ua = parse_user_agent(ev.user_agent);
  out.append("\"user_agent\":{\"browser_family\":");
  append_json_text(out, ua.browser_family);
  out.append(",\"browser_version\":");
  append_text_or_null(out, ua.browser_version);
  out.append(",\"os_family\":");
  append_json_text(out, ua.os_family);
  out.append(",\"os_version\":");
  append_text_or_null(out, ua.os_version.view());
  out.append(",\"device_class\":");
  append_json_text(out, to_string(ua.device));
  out.append(",\"is_bot\":");
  out.append(ua.bot ? "true" : "false");
  out.append("},");

  const page_info page = parse_page_url(ev.page);
  const referrer_info ref = classify_referrer(ev.referrer, page.host, opts.shop_host);
  out.append("\"referrer\":{\"class\":");
  append_json_text(out, to_string(ref.kind));
  out.append(",\"host\":");
  append_text_or_null(out, ref.host);
  out.append(",\"name\":");
  append_text_or_null(out, ref.name);
  out.append("},\"page\":");
  if (ev.page.empty()) {
    out.append("null");
  } else {
    out.append("{\"host\":");
    append_text_or_null(out, page.host);
    out.append(",\"path\":");
    append_text_or_null(out, page.valid ? page.path : std::string_view());
    out.append(",\"kind\":");
    append_json_text(out, to_string(page.kind));
    out.append(",\"category_id\":");
    if (page.category_id) {
      append_int(out, *page.category_id);
    } else {
      out.append("null");
    }
    out.append(",\"product_id\":");
    if (page.product_id) {
      append_int(out, *page.product_id);
    } else {
      out.append("null");
    }
    out.append("}");
  }
  out.append("}");
}

bool append_enriched_event(std::string& out, std::string_view original,
                           std::string_view metadata_json) {
  std::size_t first = 0;
  while (first < original.size() && is_space(original[first])) ++first;
  std::size_t last = original.size();
  while (last > first && is_space(original[last - 1])) --last;
  if (last - first < 2 || original[first] != '{' || original[last - 1] != '}') return false;
  std::size_t inner = first + 1;
  while (inner < last - 1 && is_space(original[inner])) ++inner;
  const bool empty = inner == last - 1;
  out.append(original.data() + first, last - 1 - first);
  if (!empty) out.push_back(',');
  out.append("\"metadata\":");
  out.append(metadata_json);
  out.push_back('}');
  return true;
}

}  // namespace clickstream
