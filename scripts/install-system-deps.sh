#!/usr/bin/env bash
# Install the Debian packages the product needs when they are missing: the CJK font WeasyPrint embeds,
# poppler (pdftotext for checks), and chromium + chromedriver for the browser tests.
set -euo pipefail
need=()
for pkg in fonts-noto-cjk poppler-utils chromium chromium-driver libpango-1.0-0 libpangoft2-1.0-0; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing Debian packages: ${need[*]} (run as root or install them yourself)" >&2
    exit 1
  fi
  echo "installing Debian packages: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
