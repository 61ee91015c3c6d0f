#!/usr/bin/env bash
# Every test, in layers: types, TypeScript unit + parity tests (vitest), training tests incl. the CPU
# smoke pipeline (pytest), then the built page in real Chromium (Playwright, WASM and WebGPU projects).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

step() { printf '\n== %s\n' "$*"; }
step "typecheck"
npx tsc --noEmit -p tsconfig.json
step "unit and parity tests (vitest)"
npx vitest run
step "training tests (pytest, CPU)"
/usr/bin/python3 -m pytest -q training/tests
step "end-to-end tests (Playwright, Debian Chromium)"
npx playwright test
