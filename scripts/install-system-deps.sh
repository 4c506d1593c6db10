#!/usr/bin/env bash
# Install the system programs the tests drive for real: Chromium, Nginx and OpenSSL; and npm,
# which fetches the SARIF schema the audit's output is checked against.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need+=(chromium)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v npm >/dev/null 2>&1 || need+=(npm)
[ ${#need[@]} -eq 0 ] && exit 0

echo "Installing system packages: ${need[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${need[@]}"
# Debian starts Nginx on port 80 when it is installed; the tests start their own.
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
  $sudo /usr/sbin/nginx -s stop 2>/dev/null || true
fi
