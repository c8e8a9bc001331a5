#include <catch2/catch.hpp>

#include "runtime/process_stats.hpp"

using namespace clickstream;

TEST_CASE("/proc/self/stat is parsed, comm with spaces and parentheses", "[process]") {
  // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
  // cutime cstime priority nice threads itrealvalue starttime vsize rss ...
  std::string line =
      "1234 (clickstream (x) y) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 "
      "12345 104857600 2560 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
  auto s = parse_proc_stat(line, 100, 4096);
  REQUIRE(s);
  CHECK(s->cpu_seconds == Approx(3.0));
  CHECK(s->resident_bytes == Approx(2560.0 * 4096));
  CHECK(s->start_time_seconds == Approx(123.45));
  CHECK_FALSE(parse_proc_stat("garbage", 100, 4096));
  CHECK_FALSE(parse_proc_stat("1 (x) S 1 2", 100, 4096));
}

TEST_CASE("this process's stats are readable", "[process]") {
  auto s = read_process_stats();
  REQUIRE(s);
  CHECK(s->resident_bytes > 1e6);
  CHECK(s->cpu_seconds >= 0);
}
