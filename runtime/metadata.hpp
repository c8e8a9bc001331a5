// The enricher's metadata object (BRIEF §4) and the enriched event: the original event's JSON
// object with a "metadata" member appended. Pure functions: no network, no clock (times are passed
// in).
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace clickstream {

struct metadata_context {
  std::string_view correlation_id;  // from the raw record's header
  // Collector receive time: the raw record's "received_at" header (RFC 3339 UTC text) when it looks
  // like one (digits, "-:.T+Z" only), else `received_at_us` (e.g. the record's timestamp)
  // formatted.
  std::string_view received_at;
  std::int64_t received_at_us = 0;  // microseconds since the epoch (UTC)
  std::int64_t processed_at_us = 0;
  // The writer schema that validated the raw event.
  std::string_view schema_subject;
  std::int32_t schema_id = 0;
  std::int32_t schema_version = 0;  // 0: unknown, written as null
  // Where the raw record was read.
  std::string_view source_topic;
  std::int32_t source_partition = 0;
  std::int64_t source_offset = 0;
};

struct enrichment_options {
  std::string shop_host = "xcc-webshop.com";  // referrers on it (or its subdomains) are internal
};

// The fields of one event the metadata is built from (views into the parsed document).
struct event_fields {
  std::string_view user_agent;
  std::string_view timestamp;
  std::string_view page;                    // "" when absent
  std::string_view referrer;                // "" when absent
  std::optional<std::int64_t> customer_id;  // nullopt for null (anonymous)
  std::int32_t event_day = 0;               // UTC day number of timestamp
};

// Reads the fields from a parsed event. False with a clear `error` when the event lacks what the
// metadata needs (object with "event" object, string user-agent and timestamp, valid timestamp,
// integer-or-null customer-id, string page/referrer when present, no "metadata" member already).
bool extract_event_fields(simdjson::dom::element event, event_fields& out, std::string& error);

// Appends the metadata JSON object ({"correlation_id": ...}) to `out`.
void append_metadata_json(std::string& out, const metadata_context& ctx, const event_fields& ev,
                          const enrichment_options& opts);

// Appends the enriched event to `out`: the original bytes of the JSON object `original` up to its
// closing brace, then `,"metadata":` + `metadata_json` + `}`. False (nothing appended) when
// `original` is not a JSON object text (first/last non-space bytes must be '{' and '}').
bool append_enriched_event(std::string& out, std::string_view original,
                           std::string_view metadata_json);

// RFC 3339 UTC with microseconds: "2026-11-25T17:40:00.123456Z" (core's append_rfc3339_utc).
void append_rfc3339_us(std::string& out, std::int64_t us_since_epoch);

// Appends `s` as a JSON string literal (core's append_json_string).
void append_json_text(std::string& out, std::string_view s);

}  // namespace clickstream
