#!/bin/bash
# The page's own pipeline on the GPU (page-bench.mjs: `npm run bench`'s webgpu-node row, graph capture and
# the sampler on the GPU included), after run.sh has unpacked node and the .wasm files and installed the
# Vulkan loader (job.sh runs both):
#   OUT_DIR=/tmp/gpu-bench-out [PAGE_LIMIT=150] [PLAN='{"calls":30,...}'] bash page-run.sh
# Writes $OUT_DIR/page-bench.json (the Measured JSON: U-Net b1/b2 medians, 20-step generations, dispatches
# per call in "gpu") and page-bench.log. PAGE_LIMIT: seconds before it is stopped.
OUT_DIR=${OUT_DIR:-/tmp/gpu-bench-out}
mkdir -p "$OUT_DIR" && OUT_DIR=$(cd "$OUT_DIR" && pwd) || exit 1
cd "$(dirname "$0")" || exit 1
. ./gpu-env.sh
PLAN=${PLAN:-'{"calls":30,"runs":10,"steps":[20],"extraRuns":0}'}
BENCH_MODELS_DIR=models timeout -k 5 "${PAGE_LIMIT:-150}" ./node --expose-gc --import ./ort-jsep-register.mjs page-bench.mjs \
  --runtime=webgpu --threads=1 --plan="$PLAN" >"$OUT_DIR/page-bench.json" 2> >(tee "$OUT_DIR/page-bench.log" >&2)
RC=$?
echo "page-bench exit $RC; result: $(tail -c 600 "$OUT_DIR/page-bench.json")"
exit $RC
