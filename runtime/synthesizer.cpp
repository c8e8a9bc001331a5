#include "runtime/synthesizer.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace clickstream {

namespace {

using ojson = nlohmann::ordered_json;

constexpr std::array<std::string_view, 24> kLocales = {
    "en-US", "en-GB",  "de-DE",  "fr-FR", "es-ES", "it-IT", "nl-NL", "pl-PL",
    "pt-BR", "sv-SE",  "da-DK",  "fi-FI", "mk-MK", "br-FR", "nr-ZA", "ckb-IQ",
    "as-IN", "mhr-RU", "nds-DE", "ja-JP", "ko-KR", "zh-CN", "tr-TR", "cs-CZ"};
constexpr std::array<std::string_view, 8> kWindows = {
    "Windows NT 5.0", "Windows NT 5.01", "Windows NT 5.1", "Windows NT 6.0",
    "Windows NT 6.1", "Windows NT 6.2",  "Windows 98",     "Windows CE"};
constexpr std::array<std::string_view, 32> kSurnames = {
    "smith",     "gonzalez",  "schmidt",  "williams", "russell", "meyer",     "hall",    "downs",
    "dickerson", "maldonado", "mayer",    "campbell", "lopez",   "henderson", "chapman", "pena",
    "taylor",    "garcia",    "luna",     "grant",    "wilson",  "gonzales",  "brown",   "jones",
    "miller",    "davis",     "martinez", "anderson", "thomas",  "moore",     "jackson", "white"};
constexpr std::array<std::string_view, 5> kTlds = {".com", ".com", ".org", ".info", ".biz"};
constexpr std::array<std::string_view, 24> kAdjectives = {
    "Synchronized", "Universal",    "Synergistic", "Decentralized",   "Ameliorated", "Right-sized",
    "Focused",      "Configurable", "Implemented", "Balanced",        "Reactive",    "Streamlined",
    "Persistent",   "Optimized",    "Cloned",      "Vision-oriented", "Seamless",    "Integrated",
    "Robust",       "Distributed",  "Profound",    "Customizable",    "Open-source", "Monitored"};
constexpr std::array<std::string_view, 24> kMiddles = {
    "didactic",    "fault-tolerant", "full-range",    "uniform",     "bifurcated", "national",
    "responsive",  "human-resource", "4thgeneration", "local",       "asymmetric", "dedicated",
    "mobile",      "bottom-line",    "coherent",      "zero-defect", "static",     "global",
    "interactive", "scalable",       "tertiary",      "exuding",     "modular",    "regional"};
constexpr std::array<std::string_view, 24> kNouns = {
    "task-force", "system engine",  "strategy",          "leverage",       "paradigm",
    "attitude",   "complexity",     "open architecture", "infrastructure", "hub",
    "framework",  "moratorium",     "firmware",          "middleware",     "circuit",
    "approach",   "portal",         "database",          "toolset",        "workforce",
    "projection", "knowledge user", "alliance",          "benchmark"};
constexpr std::array<std::string_view, 6> kUnknownTypes = {
    "checkout_started", "page_vieww", "PAGE_VIEW", "add_to_wishlist", "", "click"};

std::string fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
std::string fmt(const char* f, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, f);
  int n = std::vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  return std::string(
      buf, n < 0 ? 0 : std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buf - 1));
}

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm) and back.
std::int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = static_cast<unsigned>((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}
void civil_from_days(std::int64_t z, int& y, int& m, int& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t yy = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = static_cast<int>(yy + (m <= 2));
}

}  // namespace

std::string_view invalid_kind_name(InvalidKind k) {
  switch (k) {
    case InvalidKind::none:
      return "none";
    case InvalidKind::missing_field:
      return "missing_field";
    case InvalidKind::missing_type_field:
      return "missing_type_field";
    case InvalidKind::wrong_type:
      return "wrong_type";
    case InvalidKind::bad_ip:
      return "bad_ip";
    case InvalidKind::bad_timestamp:
      return "bad_timestamp";
    case InvalidKind::unknown_type:
      return "unknown_type";
  }
  return "?";
}

Synthesizer::Synthesizer(SynthesizerConfig config) : config_(config), rng_(config.seed) {
  for (const auto& t : kSampleTypeCounts) type_total_ += t.count;
  if (config_.days < 1) config_.days = 1;
  if (config_.customers < 1) config_.customers = 1;
}

std::uint64_t Synthesizer::below(std::uint64_t n) {
  return n == 0 ? 0 : rng_() % n;
}

double Synthesizer::unit() {
  return static_cast<double>(rng_() >> 11) * 0x1.0p-53;
}

std::string Synthesizer::user_agent() {
  auto loc = [&] { return std::string(kLocales[below(kLocales.size())]); };
  auto webkit = [&] {
    return fmt("53%d.%d", static_cast<int>(below(7)), static_cast<int>(below(3)));
  };
  switch (below(10)) {
    case 0:
    case 1:
      return fmt("Mozilla/5.0 (compatible; MSIE %d.0; %s; Trident/%d.%d)",
                 static_cast<int>(5 + below(6)),
                 std::string(kWindows[below(kWindows.size())]).c_str(),
                 static_cast<int>(3 + below(4)), static_cast<int>(below(2)));
    case 2:
      return fmt(
          "Mozilla/5.0 (Macintosh; U; %s Mac OS X 10_%d_%d; rv:1.9.%d.20; %s) "
          "AppleWebKit/%s (KHTML, like Gecko) Version/%d.%d Safari/%s",
          below(2) ? "Intel" : "PPC", static_cast<int>(5 + below(11)), static_cast<int>(below(10)),
          static_cast<int>(2 + below(5)), loc().c_str(), webkit().c_str(),
          static_cast<int>(3 + below(3)), static_cast<int>(below(2)), webkit().c_str());
    case 3: {
      std::string wk = webkit();
      return fmt(
          "Mozilla/5.0 (X11; Linux %s) AppleWebKit/%s (KHTML, like Gecko) "
          "Chrome/%d.0.%d.0 Safari/%s",
          below(2) ? "x86_64" : "i686", wk.c_str(), static_cast<int>(13 + below(50)),
          static_cast<int>(800 + below(100)), wk.c_str());
    }
    case 4:
      return fmt(
          "Opera/9.%d.(%s; %s) Presto/2.9.%d Version/%d.00", static_cast<int>(10 + below(90)),
          below(2) ? "X11; Linux x86_64" : std::string(kWindows[below(kWindows.size())]).c_str(),
          loc().c_str(), static_cast<int>(160 + below(30)), static_cast<int>(10 + below(3)));
    case 5:
      return fmt(
          "Mozilla/5.0 (iPod; U; CPU iPhone OS %d_%d like Mac OS X; %s) AppleWebKit/%s "
          "(KHTML, like Gecko) Version/%d.0.5 Mobile/8B1%02d Safari/6%s",
          static_cast<int>(3 + below(2)), static_cast<int>(below(4)), loc().c_str(),
          webkit().c_str(), static_cast<int>(3 + below(2)), static_cast<int>(below(20)),
          webkit().c_str());
    case 6: {
      std::string wk = webkit();
      return fmt(
          "Mozilla/5.0 (%s; CPU %s OS %d_%d like Mac OS X) AppleWebKit/%s (KHTML, like "
          "Gecko) %s/%d.0.%d.0 Mobile/%d%c%03d Safari/%s",
          below(2) ? "iPhone" : "iPad", below(2) ? "iPhone" : "iPad",
          static_cast<int>(3 + below(12)), static_cast<int>(below(4)), wk.c_str(),
          below(2) ? "CriOS" : "FxiOS", static_cast<int>(13 + below(40)),
          static_cast<int>(800 + below(100)), static_cast<int>(10 + below(20)),
          static_cast<char>('A' + below(26)), static_cast<int>(below(1000)), wk.c_str());
    }
    case 7: {
      std::string wk = webkit();
      return fmt(
          "Mozilla/5.0 (Linux; Android %d.%d) AppleWebKit/%s (KHTML, like Gecko) "
          "Chrome/%d.0.%d.0 Safari/%s",
          static_cast<int>(2 + below(10)), static_cast<int>(below(4)), wk.c_str(),
          static_cast<int>(13 + below(50)), static_cast<int>(800 + below(100)), wk.c_str());
    }
    case 8: {
      std::string wk = webkit();
      return fmt("Mozilla/5.0 (%s) AppleWebKit/%s (KHTML, like Gecko) Chrome/%d.0.%d.0 Safari/%s",
                 std::string(kWindows[below(kWindows.size())]).c_str(), wk.c_str(),
                 static_cast<int>(13 + below(50)), static_cast<int>(800 + below(100)), wk.c_str());
    }
    default:
      return fmt(
          "Mozilla/5.0 (Windows; U; %s; %s; rv:1.9.%d.20) Gecko/20%02d-0%d-%02d Firefox/3.%d",
          std::string(kWindows[below(kWindows.size())]).c_str(), loc().c_str(),
          static_cast<int>(below(3)), static_cast<int>(10 + below(12)),
          static_cast<int>(1 + below(9)), static_cast<int>(1 + below(28)),
          static_cast<int>(5 + below(4)));
  }
}

std::string Synthesizer::ip() {
  return fmt("%d.%d.%d.%d", static_cast<int>(1 + below(223)), static_cast<int>(below(256)),
             static_cast<int>(below(256)), static_cast<int>(below(256)));
}

std::string Synthesizer::timestamp(std::string& day_out) {
  // About half on the last day, the rest spread over the earlier days with decreasing weight.
  int back = 0;
  while (back + 1 < config_.days && unit() < 0.5) ++back;
  std::int64_t z = days_from_civil(config_.last_year, config_.last_month, config_.last_day) - back;
  int y = 0, m = 0, d = 0;
  civil_from_days(z, y, m, d);
  day_out = fmt("%04d-%02d-%02d", y, m, d);
  // Shop hours weighted towards the morning like the sample, but any hour is possible.
  int hour = unit() < 0.8 ? static_cast<int>(3 + below(8)) : static_cast<int>(below(24));
  return fmt("%sT%02d:%02d:%02d.%06d", day_out.c_str(), hour, static_cast<int>(below(60)),
             static_cast<int>(below(60)), static_cast<int>(below(1000000)));
}

std::string Synthesizer::catch_phrase() {
  return std::string(kAdjectives[below(kAdjectives.size())]) + " " +
         std::string(kMiddles[below(kMiddles.size())]) + " " +
         std::string(kNouns[below(kNouns.size())]);
}

std::string Synthesizer::referrer() {
  if (unit() < 0.31) return "https://google.com";
  std::string host(kSurnames[below(6)]);  // a few frequent referrers, as in the sample
  if (unit() < 0.5) {
    host = std::string(kSurnames[below(kSurnames.size())]);
    if (unit() < 0.2) host += "-" + std::string(kSurnames[below(kSurnames.size())]);
  }
  return "https://" + host + std::string(kTlds[below(kTlds.size())]);
}

SyntheticEvent Synthesizer::next() {
  SyntheticEvent out;
  unsigned pick = static_cast<unsigned>(below(type_total_));
  for (const auto& t : kSampleTypeCounts) {
    if (pick < t.count) {
      out.type = std::string(t.type);
      break;
    }
    pick -= t.count;
  }
  ojson ev = ojson::object();
  ev["user-agent"] = user_agent();
  ev["ip"] = ip();
  bool anonymous = unit() < config_.anonymous_share;
  if (out.type == "placed_order") anonymous = false;
  if (out.type == "sign_up_success") anonymous = true;
  std::int64_t cid =
      1 + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(config_.customers)));
  if (anonymous) {
    ev["customer-id"] = nullptr;
  } else {
    ev["customer-id"] = cid;
  }
  std::string day;
  ev["timestamp"] = timestamp(day);
  const char* type_field = nullptr;
  if (out.type == "page_view") {
    double r = unit();
    std::string page = "https://xcc-webshop.com";
    if (r < 0.674) {
      page += "/category/" + std::to_string(1 + below(22));
    } else if (r < 0.921) {
      page += "/products/" + std::to_string(1 + below(3553));
    } else if (r < 0.972) {
      page += "/cart";
    } else if (r < 0.988) {
      page += "/checkout";
    }
    ev["page"] = page;
    if (unit() < config_.referrer_share) ev["referrer"] = referrer();
    type_field = "page";
  } else if (out.type == "search") {
    ev["query"] = catch_phrase();
    type_field = "query";
  } else if (out.type == "add_product_to_cart" || out.type == "remove_product_from_cart") {
    ev["product"] = 1 + below(3300);
    type_field = "product";
  } else if (out.type.rfind("visit_", 0) == 0) {
    ev["product"] = 1 + below(3300);
    ev["position"] = below(7);
    type_field = below(2) ? "product" : "position";
  }
  ojson root = ojson::object();
  root["id"] = 1 + below(700000);
  root["type"] = out.type;
  root["event"] = std::move(ev);

  if (config_.invalid_share > 0 && unit() < config_.invalid_share) {
    InvalidKind kind = kInvalidKinds[below(kInvalidKinds.size())];
    if (kind == InvalidKind::missing_type_field && type_field == nullptr) {
      kind = InvalidKind::missing_field;  // placed_order, sign_up_success: no type-specific key
    }
    ojson& e = root["event"];
    switch (kind) {
      case InvalidKind::missing_field: {
        static constexpr std::array<const char*, 6> keys = {"id", "type",        "user-agent",
                                                            "ip", "customer-id", "timestamp"};
        const char* k = keys[below(keys.size())];
        if (std::strcmp(k, "id") == 0 || std::strcmp(k, "type") == 0) {
          root.erase(k);
        } else {
          e.erase(k);
        }
        break;
      }
      case InvalidKind::missing_type_field:
        e.erase(type_field);
        break;
      case InvalidKind::wrong_type:
        switch (below(3)) {
          case 0:
            e["customer-id"] = std::to_string(cid);
            break;
          case 1:
            root["id"] = std::to_string(root["id"].get<std::uint64_t>());
            break;
          default:
            if (e.contains("product")) {
              e["product"] = std::to_string(e["product"].get<std::uint64_t>());
            } else {
              e["customer-id"] = static_cast<double>(cid) + 0.5;
            }
        }
        break;
      case InvalidKind::bad_ip: {
        static constexpr std::array<const char*, 4> ips = {"256.300.1.2", "not-an-ip", "10.0.0",
                                                           "1.2.3.4.5"};
        e["ip"] = ips[below(ips.size())];
        break;
      }
      case InvalidKind::bad_timestamp: {
        std::string ts = e["timestamp"].get<std::string>();
        switch (below(4)) {
          case 0:
            ts[10] = ' ';
            break;  // space instead of T
          case 1:
            ts = ts.substr(8, 2) + "/" + ts.substr(5, 2) + "/" + ts.substr(0, 4);
            break;
          case 2:
            ts.replace(5, 2, "13");
            break;  // month 13
          default:
            ts = "yesterday";
            break;
        }
        e["timestamp"] = ts;
        break;
      }
      case InvalidKind::unknown_type:
        root["type"] = std::string(kUnknownTypes[below(kUnknownTypes.size())]);
        break;
      case InvalidKind::none:
        break;
    }
    out.invalid = kind;
  } else {
    if (!anonymous) out.customer_id = cid;
    out.day = day;
  }
  out.json = root.dump();
  return out;
}

SynthesisStats write_synthetic_dataset(const std::string& path, std::uint64_t count,
                                       const SynthesizerConfig& config) {
  const bool gz = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
  std::FILE* plain = nullptr;
  gzFile zf = nullptr;
  if (gz) {
    zf = gzopen(path.c_str(), "wb6");
  } else {
    plain = std::fopen(path.c_str(), "wb");
  }
  if (plain == nullptr && zf == nullptr) {
    throw std::runtime_error("cannot create '" + path + "': " + std::strerror(errno));
  }
  Synthesizer synth(config);
  SynthesisStats stats;
  bool ok = true;
  for (std::uint64_t i = 0; i < count && ok; ++i) {
    SyntheticEvent ev = synth.next();
    ev.json.push_back('\n');
    if (gz) {
      ok = gzwrite(zf, ev.json.data(), static_cast<unsigned>(ev.json.size())) ==
           static_cast<int>(ev.json.size());
    } else {
      ok = std::fwrite(ev.json.data(), 1, ev.json.size(), plain) == ev.json.size();
    }
    ++stats.events;
    if (ev.invalid != InvalidKind::none) {
      ++stats.invalid;
      for (std::size_t k = 0; k < kInvalidKinds.size(); ++k) {
        if (kInvalidKinds[k] == ev.invalid) ++stats.invalid_by_kind[k];
      }
    }
  }
  if (gz) {
    ok = gzclose(zf) == Z_OK && ok;
  } else {
    ok = std::fclose(plain) == 0 && ok;
  }
  if (!ok) throw std::runtime_error("cannot write '" + path + "': " + std::strerror(errno));
  return stats;
}

}  // namespace clickstream
