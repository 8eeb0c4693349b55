#!/usr/bin/env bash
# Build the BPMN modeller/viewer and the chart bundles into web/static/vendor/ (served offline, never committed).
# Installs exactly what package-lock.json pins (npm ci; npm install only when there is no lock yet), without
# running package install scripts, then bundles with esbuild. Does nothing when the outputs are newer than the
# lock, package.json and every source under frontend/. FORCE=1 rebuilds anyway.
set -euo pipefail
cd "$(dirname "$0")/.."

out=web/static/vendor/manifest.json
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "WARNING: node/npm not found; the process modeller pages need web/static/vendor/ (install Node 20 and rerun" \
       "scripts/build-frontend.sh)" >&2
  exit 0
fi

inputs=(package.json frontend scripts/build-frontend.sh)
[ -f package-lock.json ] && inputs+=(package-lock.json)
if [ "${FORCE:-0}" != 1 ] && [ -f "$out" ] && [ -d node_modules ] \
   && [ -z "$(find "${inputs[@]}" -newer "$out" -print -quit)" ]; then
  echo "front end up to date ($out)"
  exit 0
fi

npm_flags=(--ignore-scripts --no-audit --no-fund --loglevel=error)
if [ ! -f package-lock.json ]; then
  npm install "${npm_flags[@]}"
elif [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci "${npm_flags[@]}"
fi
node frontend/build.mjs
