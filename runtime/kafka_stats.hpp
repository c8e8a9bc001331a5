// librdkafka's statistics (statistics.interval.ms), reduced to what tells where a record's time
// goes between produce() and its acknowledgement. librdkafka emits a JSON document per interval;
// its latency histograms cover that interval only (they are reset after each emission).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace clickstream {

/// p50 and p99 of one of librdkafka's latency histograms, in seconds.
struct latency_quantiles {
  double p50_s = 0;
  double p99_s = 0;
  /// Observations in the interval (0: p50_s and p99_s are meaningless).
  long long count = 0;
};

/// The producer's view of its brokers over one statistics interval. With several brokers each
/// quantile is the largest among them (the slowest broker bounds a batch's answer).
struct kafka_client_stats {
  /// produce() until the record is written into a produce request (linger, batching, waiting
  /// for a request slot): librdkafka's `int_latency`.
  latency_quantiles queue;
  /// A produce request waiting in the connection's output buffer before it is sent:
  /// `outbuf_latency`.
  latency_quantiles outbuf;
  /// Request sent until its response arrived (the broker's time plus the network): `rtt`.
  latency_quantiles rtt;
  /// Brokers with a node id (the bootstrap entries are left out).
  int brokers = 0;
};

/// Parses one statistics document. nullopt with `error` set when it is not one.
std::optional<kafka_client_stats> parse_kafka_stats(std::string_view json, std::string& error);

}  // namespace clickstream
