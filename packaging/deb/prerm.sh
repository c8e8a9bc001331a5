#!/usr/bin/env bash
# clickstream .deb prerm: on removal, stop the service (it drains in-flight requests first).
# On upgrade nothing happens here: postinst restarts the service with the new binary.
set -euo pipefail

unit=clickstream-pipeline.service

if [[ "${1:-}" == remove && -d /run/systemd/system ]]; then
  systemctl stop "$unit" || true
fi
exit 0
