#!/usr/bin/env bash
# clickstream .deb postrm: after removal systemd forgets the unit; a purge also removes the
# "enabled" symlink (a plain remove keeps it, so a reinstall comes back enabled).
set -euo pipefail

unit=clickstream-pipeline.service

case "${1:-}" in
  purge)
    rm -f "/etc/systemd/system/multi-user.target.wants/$unit"
    ;;
esac
if [[ "${1:-}" == remove || "${1:-}" == purge ]] && [[ -d /run/systemd/system ]]; then
  systemctl daemon-reload || true
fi
exit 0
