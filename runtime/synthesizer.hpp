// Synthetic clickstream events that follow the real public sample
// (../shared/data/sample-events.jsonl): the same 9 types in the same proportions, the same keys per
// type, ~72% anonymous visitors (placed_order always has a customer, sign_up_success never), shop
// pages /category/<n>, /products/<n>, /cart, /checkout and the home page, referrers on ~12% of page
// views, zone-less microsecond timestamps spread over a week, dotted-quad IPs and Faker-like user
// agents. A configurable share is made invalid, in one of several kinds, to exercise the invalid
// topic.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace clickstream {

enum class InvalidKind {
  none,
  missing_field,       // a required key (id, type, user-agent, ip, customer-id, timestamp) removed
  missing_type_field,  // a key its type needs (page, query, product, position) removed
  wrong_type,          // customer-id / id / product as a string
  bad_ip,              // not an IPv4/IPv6 address
  bad_timestamp,       // not YYYY-MM-DDTHH:MM:SS[.ffffff]
  unknown_type,        // type outside the 9 known ones
};
inline constexpr std::array<InvalidKind, 6> kInvalidKinds = {
    InvalidKind::missing_field, InvalidKind::missing_type_field, InvalidKind::wrong_type,
    InvalidKind::bad_ip,        InvalidKind::bad_timestamp,      InvalidKind::unknown_type};
std::string_view invalid_kind_name(InvalidKind k);

// The 9 types and their counts in the 1,178-event real sample.
struct TypeWeight {
  std::string_view type;
  unsigned count;
};
inline constexpr std::array<TypeWeight, 9> kSampleTypeCounts = {{
    {"page_view", 822},
    {"search", 173},
    {"add_product_to_cart", 64},
    {"visit_personal_recommendation", 39},
    {"visit_related_product", 30},
    {"remove_product_from_cart", 18},
    {"visit_recently_visited_product", 15},
    {"placed_order", 15},
    {"sign_up_success", 2},
}};

struct SyntheticEvent {
  std::string json;  // one line, no newline
  std::string type;  // the intended type (before an unknown_type corruption)
  InvalidKind invalid = InvalidKind::none;
  std::optional<std::int64_t> customer_id;  // of a valid event; nullopt when anonymous
  std::string day;                          // YYYY-MM-DD of the timestamp (valid events)
};

struct SynthesizerConfig {
  std::uint64_t seed = 42;
  double invalid_share = 0.02;
  double anonymous_share = 0.72;
  double referrer_share = 0.12;  // of page views
  // Timestamps fall in the `days` days ending on last_day (UTC, no zone), about half on the last
  // day as in the sample. Default: the week after the real sample, so the two never share a day.
  int last_year = 2022, last_month = 6, last_day = 7;
  int days = 7;
  std::int64_t customers = 4400;  // customer ids drawn from 1..customers
};

class Synthesizer {
 public:
  explicit Synthesizer(SynthesizerConfig config = {});
  SyntheticEvent next();

 private:
  std::uint64_t below(std::uint64_t n);  // uniform in [0, n)
  double unit();                         // uniform in [0, 1)
  std::string user_agent();
  std::string ip();
  std::string timestamp(std::string& day_out);
  std::string catch_phrase();
  std::string referrer();

  SynthesizerConfig config_;
  std::mt19937_64 rng_;
  unsigned type_total_ = 0;
};

struct SynthesisStats {
  std::uint64_t events = 0;
  std::uint64_t invalid = 0;
  std::array<std::uint64_t, kInvalidKinds.size()> invalid_by_kind{};
};
// Writes `count` events, one JSON object a line, to `path` (gzip when it ends in ".gz").
// Throws std::runtime_error with the path on failure.
SynthesisStats write_synthetic_dataset(const std::string& path, std::uint64_t count,
                                       const SynthesizerConfig& config);

}  // namespace clickstream
