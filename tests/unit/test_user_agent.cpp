// User-agent classification: a table of real User-Agents from the sample (Faker-generated) and
// well-known bots and HTTP clients, with the expected classes.
#include <catch2/catch.hpp>

#include "tests/unit/shared_data.hpp"

#include <fstream>
#include <string>

#include <simdjson.h>

#include "runtime/user_agent.hpp"

using namespace clickstream;

namespace {

struct ua_case {
  const char* ua;
  const char* browser;
  const char* browser_version;
  const char* os;
  const char* os_version;
  device_class device;
  bool bot;
};

const ua_case kCases[] = {
    // From ../shared/data/sample-events.jsonl
    {"Mozilla/5.0 (iPhone; CPU iPhone OS 14_2 like Mac OS X) AppleWebKit/532.0 (KHTML, like Gecko) "
     "FxiOS/14.7g5052.0 Mobile/28A193 Safari/532.0",
     "Firefox iOS", "14.7g5052.0", "iOS", "14.2", device_class::mobile, false},
    {"Mozilla/5.0 (iPod; U; CPU iPhone OS 4_3 like Mac OS X; br-FR) AppleWebKit/533.34.2 (KHTML, "
     "like Gecko) Version/4.0.5 Mobile/8B111 Safari/6533.34.2",
     "Mobile Safari", "4.0.5", "iOS", "4.3", device_class::mobile, false},
    {"Mozilla/5.0 (Macintosh; U; Intel Mac OS X 10 9_9 rv:5.0; mk-MK) AppleWebKit/534.22.3 (KHTML, "
     "like Gecko) Version/5.1 Safari/534.22.3",
     "Safari", "5.1", "Mac OS X", "10.9.9", device_class::desktop, false},
    {"Mozilla/5.0 (iPhone; CPU iPhone OS 5_1_1 like Mac OS X) AppleWebKit/535.2 (KHTML, like "
     "Gecko) "
     "CriOS/32.0.850.0 Mobile/39A486 Safari/535.2",
     "Chrome iOS", "32.0.850.0", "iOS", "5.1.1", device_class::mobile, false},
    {"Mozilla/5.0 (iPad; CPU iPad OS 3_1_3 like Mac OS X) AppleWebKit/533.0 (KHTML, like Gecko) "
     "FxiOS/16.2j6316.0 Mobile/60I472 Safari/533.0",
     "Firefox iOS", "16.2j6316.0", "iOS", "3.1.3", device_class::tablet, false},
    {"Mozilla/5.0 (iPad; CPU iPad OS 12_4_8 like Mac OS X) AppleWebKit/532.2 (KHTML, like Gecko) "
     "CriOS/49.0.866.0 Mobile/24M940 Safari/532.2",
     "Chrome iOS", "49.0.866.0", "iOS", "12.4.8", device_class::tablet, false},
    {"Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 5.01; Trident/5.0)", "IE", "9.0", "Windows",
     "2000", device_class::desktop, false},
    {"Mozilla/5.0 (compatible; MSIE 9.0; Windows 98; Win 9x 4.90; Trident/4.1)", "IE", "9.0",
     "Windows", "ME", device_class::desktop, false},
    {"Mozilla/5.0 (compatible; MSIE 7.0; Windows CE; Trident/3.0)", "IE", "7.0", "Windows CE", "",
     device_class::mobile, false},
    {"Mozilla/5.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/3.1)", "IE", "8.0", "Windows", "7",
     device_class::desktop, false},
    {"Opera/9.47.(X11; Linux x86_64; mai-IN) Presto/2.9.179 Version/10.00", "Opera", "9.47",
     "Linux", "", device_class::desktop, false},
    {"Opera/8.90.(Windows NT 6.2; mag-IN) Presto/2.9.167 Version/12.00", "Opera", "8.90", "Windows",
     "8", device_class::desktop, false},
    {"Opera/8.98.(Windows CE; ckb-IQ) Presto/2.9.181 Version/10.00", "Opera", "8.98", "Windows CE",
     "", device_class::mobile, false},
    {"Mozilla/5.0 (Macintosh; PPC Mac OS X 10 11_1; rv:1.9.6.20) Gecko/2011-02-17 04:20:01 "
     "Firefox/3.8",
     "Firefox", "3.8", "Mac OS X", "10.11.1", device_class::desktop, false},
    {"Mozilla/5.0 (X11; Linux x86_64; rv:1.9.6.20) Gecko/2019-09-06 09:51:12 Firefox/3.6.2",
     "Firefox", "3.6.2", "Linux", "", device_class::desktop, false},
    {"Mozilla/5.0 (Windows NT 10.0; hr-HR; rv:1.9.0.20) Gecko/2019-06-25 04:46:18 Firefox/9.0",
     "Firefox", "9.0", "Windows", "10", device_class::desktop, false},
    {"Mozilla/5.0 (Android 4.2; Mobile; rv:13.0) Gecko/13.0 Firefox/13.0", "Firefox Mobile", "13.0",
     "Android", "4.2", device_class::mobile, false},
    {"Mozilla/5.0 (Linux; Android 2.2) AppleWebKit/536.2 (KHTML, like Gecko) Chrome/46.0.817.0 "
     "Safari/536.2",
     "Chrome", "46.0.817.0", "Android", "2.2", device_class::tablet, false},
    {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/532.1 (KHTML, like Gecko) Chrome/38.0.832.0 "
     "Safari/532.1",
     "Chrome", "38.0.832.0", "Linux", "", device_class::desktop, false},
    {"Mozilla/5.0 (Windows 98) AppleWebKit/535.2 (KHTML, like Gecko) Chrome/62.0.850.0 "
     "Safari/535.2",
     "Chrome", "62.0.850.0", "Windows", "98", device_class::desktop, false},
    {"Mozilla/5.0 (Windows; U; Windows NT 4.0) AppleWebKit/531.2.7 (KHTML, like Gecko) Version/5.1 "
     "Safari/531.2.7",
     "Safari", "5.1", "Windows", "NT 4.0", device_class::desktop, false},
    {"Mozilla/5.0 (Macintosh; U; Intel Mac OS X 10 8_2) AppleWebKit/536.2 (KHTML, like Gecko) "
     "Chrome/51.0.892.0 Safari/536.2",
     "Chrome", "51.0.892.0", "Mac OS X", "10.8.2", device_class::desktop, false},
    // Current real browsers
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
     "Edge", "120.0.2210.91", "Windows", "10", device_class::desktop, false},
    {"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
     "Mobile Safari/537.36",
     "Chrome Mobile", "120.0.0.0", "Android", "10", device_class::mobile, false},
    {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1",
     "Mobile Safari", "17.1.2", "iOS", "17.1.2", device_class::mobile, false},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.1 Safari/605.1.15",
     "Safari", "17.1", "Mac OS X", "10.15.7", device_class::desktop, false},
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/119.0.0.0 Safari/537.36 OPR/105.0.0.0",
     "Opera", "105.0.0.0", "Windows", "10", device_class::desktop, false},
    {"Opera/9.80 (Windows NT 6.1; U; en) Presto/2.10.289 Version/12.02", "Opera", "12.02",
     "Windows", "7", device_class::desktop, false},
    {"Mozilla/5.0 (Windows NT 6.1; Trident/7.0; rv:11.0) like Gecko", "IE", "11.0", "Windows", "7",
     device_class::desktop, false},
    // Bots and HTTP clients
    {"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Googlebot", "2.1",
     "Other", "", device_class::bot, true},
    {"Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like "
     "Gecko) Chrome/120.0.6099.71 Mobile Safari/537.36 (compatible; Googlebot/2.1; "
     "+http://www.google.com/bot.html)",
     "Googlebot", "2.1", "Android", "6.0.1", device_class::bot, true},
    {"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "bingbot", "2.0",
     "Other", "", device_class::bot, true},
    {"Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", "YandexBot", "3.0",
     "Other", "", device_class::bot, true},
    {"curl/7.88.1", "curl", "7.88.1", "Other", "", device_class::bot, true},
    {"python-requests/2.31.0", "python-requests", "2.31.0", "Other", "", device_class::bot, true},
    {"Wget/1.21.3", "Wget", "1.21.3", "Other", "", device_class::bot, true},
    {"facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
     "facebookexternalhit", "1.1", "Other", "", device_class::bot, true},
    {"Mozilla/5.0 (compatible; SomeNewCrawler/0.1)", "Other Bot", "", "Other", "",
     device_class::bot, true},
    // Degenerate input
    {"", "Other", "", "Other", "", device_class::desktop, false},
    {"totally unknown agent", "Other", "", "Other", "", device_class::desktop, false},
};

}  // namespace

TEST_CASE("user agents: table of real and well-known agents", "[user_agent]") {
  for (const auto& c : kCases) {
    INFO("UA: " << c.ua);
    const auto info = parse_user_agent(c.ua);
    CHECK(info.browser_family == c.browser);
    CHECK(info.browser_version == c.browser_version);
    CHECK(info.os_family == c.os);
    CHECK(info.os_version.view() == c.os_version);
    CHECK(info.device == c.device);
    CHECK(info.bot == c.bot);
  }
}

TEST_CASE("user agents: every agent of the real sample is classified", "[user_agent]") {
  std::ifstream in(clickstream::test::shared_data_file("sample-events.jsonl"));
  if (!in) {
    WARN("sample not found; skipped");
    return;
  }
  simdjson::dom::parser parser;
  std::string line;
  int events = 0, mobile = 0, tablet = 0, desktop = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto doc = parser.parse(line);
    std::string_view ua = doc["event"]["user-agent"].get_string();
    const auto info = parse_user_agent(ua);
    INFO("UA: " << ua);
    ++events;
    // Faker's agents are all browsers on a known OS: no "Other", no bot.
    CHECK(info.browser_family != "Other");
    CHECK_FALSE(info.browser_version.empty());
    CHECK(info.os_family != "Other");
    CHECK_FALSE(info.bot);
    mobile += info.device == device_class::mobile;
    tablet += info.device == device_class::tablet;
    desktop += info.device == device_class::desktop;
  }
  CHECK(events == 1178);
  CHECK(mobile > 0);
  CHECK(tablet > 0);
  CHECK(desktop > mobile + tablet);
}

TEST_CASE("user agents: find_icase", "[user_agent]") {
  CHECK(find_icase("Mozilla GoogleBot/2", "googlebot") == 8);
  CHECK(find_icase("abc", "abcd") == std::string_view::npos);
  CHECK(find_icase("abc", "") == 0);
  CHECK(find_icase("xxBoT", "bot") == 2);
}

TEST_CASE("user agents: long versions are truncated, never overflow", "[user_agent]") {
  const std::string ua = "Mozilla/5.0 (iPhone; CPU iPhone OS " + std::string(200, '1') + " like)";
  const auto info = parse_user_agent(ua);
  CHECK(info.os_family == "iOS");
  CHECK(info.os_version.view().size() == short_text::capacity);
}
