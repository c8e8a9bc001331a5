#include <catch2/catch.hpp>

#include <httplib.h>

#include <thread>

#include "runtime/registry_client.hpp"

using namespace clickstream;

TEST_CASE("registry URL credentials: Basic auth, never in logs", "[registry]") {
  auto p = split_url("https://KEY:s%40cret@reg.example:443/api");
  REQUIRE(p);
  CHECK(p->scheme_host_port == "https://reg.example:443");
  CHECK(p->base_path == "/api");
  CHECK(p->user == "KEY");
  CHECK(p->password == "s@cret");
  CHECK(redact_url("https://KEY:s%40cret@reg.example:443/api") ==
        "https://***@reg.example:443/api");
  CHECK(redact_url("http://localhost:8085/apis/ccompat/v7") ==
        "http://localhost:8085/apis/ccompat/v7");
  CHECK(redact_url("http://host/path@x") == "http://host/path@x");  // '@' in the path only
  p = split_url("http://host/path@x");
  REQUIRE(p);
  CHECK(p->user.empty());
  CHECK(p->base_path == "/path@x");

  // The credentials reach the registry as Basic auth.
  httplib::Server registry;
  std::string auth;
  registry.Get(".*", [&](const httplib::Request& req, httplib::Response& res) {
    auth = req.get_header_value("Authorization");
    res.status = 404;
  });
  int port = registry.bind_to_any_port("127.0.0.1");
  std::thread t{[&] { registry.listen_after_bind(); }};
  registry_client client{"http://user:pw@127.0.0.1:" + std::to_string(port) + "/api", 2000};
  std::string error;
  CHECK_FALSE(client.fetch_latest("s", error));
  registry.stop();
  t.join();
  CHECK(auth == "Basic dXNlcjpwdw==");  // user:pw
  CHECK(error.find("pw") == std::string::npos);
}

TEST_CASE("registry base URLs split into host and path", "[registry]") {
  auto p = split_url("http://localhost:8085/apis/ccompat/v7");
  REQUIRE(p);
  CHECK(p->scheme_host_port == "http://localhost:8085");
  CHECK(p->base_path == "/apis/ccompat/v7");
  p = split_url("https://reg.example/");
  REQUIRE(p);
  CHECK(p->scheme_host_port == "https://reg.example");
  CHECK(p->base_path.empty());
  CHECK_FALSE(split_url("localhost:8085"));
  CHECK_FALSE(split_url("ftp://x/y"));
  CHECK_FALSE(split_url("http:///path"));
  CHECK(encode_path_segment("acme.clickstream.raw.events-value") ==
        "acme.clickstream.raw.events-value");
  CHECK(encode_path_segment("a/b c") == "a%2Fb%20c");
}

TEST_CASE("the latest-version answer is parsed", "[registry]") {
  std::string err;
  auto s =
      parse_latest_version(R"({"subject":"acme.clickstream.raw.events-value","version":3,"id":42,)"
                           R"("schema":"{\"type\":\"object\"}","schemaType":"JSON"})",
                           err);
  REQUIRE(s);
  CHECK(s->subject == "acme.clickstream.raw.events-value");
  CHECK(s->version == 3);
  CHECK(s->id == 42);
  CHECK(s->schema == R"({"type":"object"})");
  CHECK(s->schema_type == "JSON");

  CHECK_FALSE(parse_latest_version("not json", err));
  CHECK(err.find("not a JSON object") != std::string::npos);
  CHECK_FALSE(parse_latest_version(R"({"version":1,"schema":"{}","schemaType":"JSON"})", err));
  CHECK(err.find("'id'") != std::string::npos);
  CHECK_FALSE(parse_latest_version(R"({"id":1,"version":1,"schema":{},"schemaType":"JSON"})", err));
  CHECK(err.find("'schema'") != std::string::npos);
  // No schemaType means AVRO in Confluent's API: not what the service can validate with.
  CHECK_FALSE(parse_latest_version(R"({"id":1,"version":1,"schema":"{}"})", err));
  CHECK(err.find("AVRO") != std::string::npos);
}

TEST_CASE("the client fetches <url>/subjects/<subject>/versions/latest", "[registry]") {
  httplib::Server server;
  std::string seen_path;
  server.Get(".*", [&](const httplib::Request& req, httplib::Response& res) {
    seen_path = req.path;
    if (req.path == "/apis/ccompat/v7/subjects/s-value/versions/latest")
      res.set_content(
          R"({"subject":"s-value","version":2,"id":7,"schema":"{}","schemaType":"JSON"})",
          "application/json");
    else
      res.status = 404;
  });
  int port = server.bind_to_any_port("127.0.0.1");
  std::thread t{[&] { server.listen_after_bind(); }};
  registry_client client{"http://127.0.0.1:" + std::to_string(port) + "/apis/ccompat/v7", 2000};
  std::string err;
  auto s = client.fetch_latest("s-value", err);
  REQUIRE(s);
  CHECK(s->id == 7);
  CHECK(s->version == 2);
  CHECK_FALSE(client.fetch_latest("missing", err));
  CHECK(err.find("404") != std::string::npos);
  server.stop();
  t.join();

  // Nothing listens there any more: a clear error, no exception.
  CHECK_FALSE(client.fetch_latest("s-value", err));
  CHECK(err.find("failed") != std::string::npos);
}
