#!/usr/bin/env bash
# clickstream .deb postinst (installed as DEBIAN/postinst by CMake, see CMakeLists.txt).
# A fresh install does not enable or start the service: edit /etc/default/clickstream first,
# then `systemctl enable --now clickstream-pipeline` (docs/deploy.md). An upgrade restarts the
# service if it was running, so the new binary takes over (graceful: SIGTERM drains first).
set -euo pipefail

unit=clickstream-pipeline.service

if [[ "${1:-}" == configure && -d /run/systemd/system ]]; then
  systemctl daemon-reload || true
  if [[ -n "${2:-}" ]] && systemctl is-active --quiet "$unit"; then
    echo "clickstream: restarting $unit (upgrade from $2)"
    systemctl restart "$unit" || echo "clickstream: restart failed, see journalctl -u $unit" >&2
  fi
fi
exit 0
