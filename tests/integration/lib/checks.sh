#!/usr/bin/env bash
# ok/FAIL reporting and free ports for the integration tests. Sourced; sets passed=0 failed=0.
#   check DESCRIPTION EXPECTED ACTUAL; finish (summary line, status 1 on a failure)

passed=0
failed=0
ok() {
  passed=$((passed + 1))
  printf 'ok   %s\n' "$*"
}
not_ok() {
  failed=$((failed + 1))
  printf 'FAIL %s\n' "$*"
}
check() { # check DESCRIPTION EXPECTED ACTUAL
  if [[ "$2" == "$3" ]]; then ok "$1"; else not_ok "$1: expected '$2', got '$3'"; fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

finish() { # the summary line; status 1 when a check failed
  printf '%s: %d passed, %d failed\n' "${0##*/}" "$passed" "$failed"
  ((failed == 0))
}
