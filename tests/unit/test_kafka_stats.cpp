#include <catch2/catch.hpp>

#include <string>

#include "runtime/kafka_stats.hpp"

using namespace clickstream;

namespace {

// The shape of librdkafka's statistics (STATISTICS.md), trimmed to the fields read plus a few
// around them; histograms in microseconds.
std::string histogram(long long cnt, long long p50, long long p99) {
  return R"({"min":1,"max":90000,"avg":3000,"sum":1,"stddev":5,"p50":)" + std::to_string(p50) +
         R"(,"p75":1,"p90":1,"p95":1,"p99":)" + std::to_string(p99) +
         R"(,"p99_99":1,"outofrange":0,"hdrsize":11376,"cnt":)" + std::to_string(cnt) + "}";
}

std::string broker(const std::string& name, int nodeid, const std::string& int_latency,
                   const std::string& outbuf, const std::string& rtt) {
  return "\"" + name + R"(":{"name":")" + name + R"(","nodeid":)" + std::to_string(nodeid) +
         R"(,"state":"UP","outbuf_cnt":0,"waitresp_cnt":2,"int_latency":)" + int_latency +
         R"(,"outbuf_latency":)" + outbuf + R"(,"rtt":)" + rtt + R"(,"throttle":)" +
         histogram(0, 0, 0) + R"(,"toppars":{}})";
}

std::string document(const std::string& brokers) {
  return R"({"name":"clickstream-pipeline#producer-1","type":"producer","ts":1,"msg_cnt":12,)"
         R"("brokers":{)" +
         brokers + R"(},"topics":{}})";
}

}  // namespace

TEST_CASE("kafka stats: the quantiles of a broker, in seconds; bootstrap entries left out",
          "[kafka_stats]") {
  std::string error;
  auto s = parse_kafka_stats(
      document(broker("localhost:9092/bootstrap", -1, histogram(9, 999000, 999000),
                      histogram(9, 999000, 999000), histogram(9, 999000, 999000)) +
               "," +
               broker("localhost:9092/1", 1, histogram(4000, 5100, 19500), histogram(800, 20, 900),
                      histogram(900, 700, 7000))),
      error);
  REQUIRE(s);
  CHECK(error.empty());
  CHECK(s->brokers == 1);
  CHECK(s->queue.count == 4000);
  CHECK(s->queue.p50_s == Approx(0.0051));
  CHECK(s->queue.p99_s == Approx(0.0195));
  CHECK(s->outbuf.count == 800);
  CHECK(s->outbuf.p99_s == Approx(0.0009));
  CHECK(s->rtt.p50_s == Approx(0.0007));
  CHECK(s->rtt.p99_s == Approx(0.007));
}

TEST_CASE("kafka stats: with several brokers the slowest one's quantiles, counts summed",
          "[kafka_stats]") {
  std::string error;
  auto s = parse_kafka_stats(document(broker("a:9092/1", 1, histogram(10, 1000, 2000),
                                             histogram(10, 1, 2), histogram(10, 3000, 4000)) +
                                      "," +
                                      broker("b:9092/2", 2, histogram(30, 500, 8000),
                                             histogram(0, 0, 0), histogram(30, 2000, 9000))),
                             error);
  REQUIRE(s);
  CHECK(s->brokers == 2);
  CHECK(s->queue.count == 40);
  CHECK(s->queue.p50_s == Approx(0.001));
  CHECK(s->queue.p99_s == Approx(0.008));
  CHECK(s->outbuf.count == 10);  // a histogram without observations adds nothing
  CHECK(s->outbuf.p99_s == Approx(0.000002));
  CHECK(s->rtt.p50_s == Approx(0.003));
  CHECK(s->rtt.p99_s == Approx(0.009));
}

TEST_CASE("kafka stats: an interval without requests has no observations", "[kafka_stats]") {
  std::string error;
  auto s = parse_kafka_stats(document(broker("localhost:9092/1", 1, histogram(0, 0, 0),
                                             histogram(0, 0, 0), histogram(0, 0, 0))),
                             error);
  REQUIRE(s);
  CHECK(s->brokers == 1);
  CHECK(s->queue.count == 0);
  CHECK(s->rtt.count == 0);
  CHECK(s->rtt.p99_s == 0);
}

TEST_CASE("kafka stats: what is not a statistics document is refused with a reason",
          "[kafka_stats]") {
  std::string error;
  CHECK_FALSE(parse_kafka_stats("{\"brokers\":", error));
  CHECK(error.rfind("statistics are not JSON: ", 0) == 0);
  error.clear();
  CHECK_FALSE(parse_kafka_stats(R"({"name":"x","topics":{}})", error));
  CHECK(error == "statistics without a \"brokers\" object");
  error.clear();
  auto empty = parse_kafka_stats(R"({"brokers":{}})", error);
  REQUIRE(empty);  // no broker known yet: nothing to report, not an error
  CHECK(empty->brokers == 0);
  CHECK(empty->queue.count == 0);
}
