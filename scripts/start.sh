#!/usr/bin/env bash
# Builds the page with the shipped model and serves it at http://localhost:4173/ (COOP/COEP headers on,
# so WASM threads work). Installs npm packages from the lock file first when needed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npx vite build
echo "Open http://localhost:4173/"
exec npx vite preview --port "${PORT:-4173}" --strictPort
