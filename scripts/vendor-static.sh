#!/usr/bin/env bash
# Copy the front-end libraries from npm into web/static/vendor/ (committed; no CDN at run time).
# Usage: scripts/vendor-static.sh   (needs node + npm; versions are pinned by package-lock.json)
set -euo pipefail
cd "$(dirname "$0")/.."

npm ci --no-audit --no-fund

vendor=web/static/vendor
mkdir -p "$vendor"
cp node_modules/htmx.org/dist/htmx.min.js "$vendor/htmx.min.js"
cp node_modules/htmx-ext-sse/dist/sse.min.js "$vendor/htmx-ext-sse.min.js"
cp node_modules/htmx.org/LICENSE "$vendor/htmx.LICENSE"

{
  echo "Vendored by scripts/vendor-static.sh from npm; do not edit by hand."
  for pkg in htmx.org htmx-ext-sse; do
    node -p "const p=require('./node_modules/$pkg/package.json'); p.name + '@' + p.version"
  done
} > "$vendor/VERSIONS.txt"
echo "vendored into $vendor:"; cat "$vendor/VERSIONS.txt"
