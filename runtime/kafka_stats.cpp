#include "runtime/kafka_stats.hpp"

#include <simdjson.h>

#include <algorithm>

namespace clickstream {

namespace {

/// Folds the histogram `name` of one broker into `q` (largest quantile wins; counts add up).
/// librdkafka writes the histograms in microseconds.
void fold(const simdjson::dom::object& broker, const char* name, latency_quantiles& q) {
  simdjson::dom::object h;
  if (broker[name].get(h) != simdjson::SUCCESS) return;
  int64_t cnt = 0;
  int64_t p50 = 0;
  int64_t p99 = 0;
  if (h["cnt"].get(cnt) != simdjson::SUCCESS || cnt <= 0) return;
  if (h["p50"].get(p50) != simdjson::SUCCESS || h["p99"].get(p99) != simdjson::SUCCESS) return;
  q.count += cnt;
  q.p50_s = std::max(q.p50_s, static_cast<double>(p50) / 1e6);
  q.p99_s = std::max(q.p99_s, static_cast<double>(p99) / 1e6);
}

}  // namespace

std::optional<kafka_client_stats> parse_kafka_stats(std::string_view json, std::string& error) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto err = parser.parse(json.data(), json.size()).get(doc); err != simdjson::SUCCESS) {
    error = std::string{"statistics are not JSON: "} + simdjson::error_message(err);
    return std::nullopt;
  }
  simdjson::dom::object brokers;
  if (doc["brokers"].get(brokers) != simdjson::SUCCESS) {
    error = "statistics without a \"brokers\" object";
    return std::nullopt;
  }
  kafka_client_stats s;
  for (auto [name, value] : brokers) {
    simdjson::dom::object broker;
    int64_t nodeid = -1;
    if (value.get(broker) != simdjson::SUCCESS) continue;
    if (broker["nodeid"].get(nodeid) != simdjson::SUCCESS || nodeid < 0) continue;
    ++s.brokers;
    fold(broker, "int_latency", s.queue);
    fold(broker, "outbuf_latency", s.outbuf);
    fold(broker, "rtt", s.rtt);
  }
  return s;
}

}  // namespace clickstream
