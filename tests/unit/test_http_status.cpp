#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "runtime/http_status.hpp"

using namespace clickstream;
using nlohmann::json;

TEST_CASE("content types", "[http]") {
  CHECK(is_json_content_type("application/json"));
  CHECK(is_json_content_type("application/json; charset=utf-8"));
  CHECK(is_json_content_type("Application/JSON;charset=UTF-8"));
  CHECK(is_json_content_type("application/json; charset=\"utf-8\""));
  CHECK_FALSE(is_json_content_type("application/json; charset=latin1"));
  CHECK_FALSE(is_json_content_type("text/plain"));
  CHECK_FALSE(is_json_content_type(""));
  CHECK_FALSE(is_json_content_type("application/jsonp"));
  CHECK_FALSE(is_json_content_type("application/x-www-form-urlencoded"));
}

TEST_CASE("prechecks run before the body is read, in order 415 413 503 429", "[http]") {
  precheck_input in;
  in.content_type = "application/json";
  in.content_length = 100;
  in.max_body_bytes = 1000;
  CHECK_FALSE(precheck_collect(in).has_value());

  auto wrong = in;
  wrong.content_type = "text/plain";
  wrong.slot_acquired = false;
  auto a = precheck_collect(wrong);
  REQUIRE(a);
  CHECK(a->status == 415);
  CHECK(json::parse(a->body)["error"] == "unsupported_media_type");

  auto big = in;
  big.content_length = 20'000'000;
  big.schema_loaded = false;
  a = precheck_collect(big);
  REQUIRE(a);
  CHECK(a->status == 413);
  CHECK(a->close_connection);

  auto chunked = in;
  chunked.content_length.reset();
  CHECK_FALSE(precheck_collect(chunked).has_value());

  auto not_ready = in;
  not_ready.schema_loaded = false;
  a = precheck_collect(not_ready);
  REQUIRE(a);
  CHECK(a->status == 503);
  CHECK(a->retry_after_s == 1);

  auto kafka_down = in;
  kafka_down.kafka_reachable = false;
  kafka_down.slot_acquired = false;
  a = precheck_collect(kafka_down);
  REQUIRE(a);
  CHECK(a->status == 503);
  CHECK(json::parse(a->body)["error"] == "kafka_unavailable");

  auto busy = in;
  busy.slot_acquired = false;
  busy.retry_after_s = 2;
  a = precheck_collect(busy);
  REQUIRE(a);
  CHECK(a->status == 429);
  CHECK(a->retry_after_s == 2);
}

TEST_CASE("200 only when every record is acknowledged", "[http]") {
  collect_result r;
  r.correlation_id = "abc";
  r.accepted = 3;
  r.rejected = 1;
  auto a = collect_answer(r, 1);
  CHECK(a.status == 200);
  CHECK(a.retry_after_s == 0);
  auto body = json::parse(a.body);
  CHECK(body == json{{"correlation_id", "abc"}, {"accepted", 3}, {"rejected", 1}});

  for (auto s : {delivery_status::queue_full, delivery_status::unavailable, delivery_status::failed,
                 delivery_status::timeout, delivery_status::internal, delivery_status::not_ready}) {
    r.status = s;
    a = collect_answer(r, 5);
    CHECK(a.status == 503);
    CHECK(a.retry_after_s == 5);
    body = json::parse(a.body);
    CHECK(body["error"] == std::string{to_string(s)});
    CHECK(body["correlation_id"] == "abc");
  }
}

TEST_CASE("requests failing as a whole: 400/413 and whether the body was stored", "[http]") {
  collect_result r;
  r.correlation_id = "c1";
  r.request_error = "not_json";
  r.request_error_message = "body is not JSON: \"x\"";
  auto a = collect_answer(r, 1);
  CHECK(a.status == 400);
  auto body = json::parse(a.body);
  CHECK(body["error"] == "not_json");
  CHECK(body["stored"] == true);
  CHECK(body["message"] == "body is not JSON: \"x\"");

  r.status = delivery_status::unavailable;
  r.detail = "Local: Message timed out";
  a = collect_answer(r, 1);
  CHECK(a.status == 400);
  body = json::parse(a.body);
  CHECK(body["stored"] == false);
  CHECK(body["store_error"].get<std::string>().find("timed out") != std::string::npos);

  CHECK(status_for_request_error("too_large") == 413);
  CHECK(status_for_request_error("too_deep") == 400);
  CHECK(status_for_request_error("invalid_utf8") == 400);
}

TEST_CASE("answers escape what they quote", "[http]") {
  auto a = json_error(400, "x", std::string{"a\"b\\c\n\x01"});
  auto body = json::parse(a.body);
  CHECK(body["message"] == std::string{"a\"b\\c\n\x01"});
}
