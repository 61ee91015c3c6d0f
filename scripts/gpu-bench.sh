#!/bin/bash
# Prepares the GPU timing run of the shipped models for a session that has a device machine (H100/H200):
#   bash scripts/gpu-bench.sh            # builds gpu-bench-bundle/ (git-ignored) unless it is there, prints the run call
# The bundle is ../shared/gpu-bench's (node, onnxruntime-web at the lock-file version, webgpu@0.6.2, the
# Vulkan loader, public/models checked against manifest.json): ~57 MiB, under the 64 MiB carry limit.
# It times, on the same machine in one run: WASM with all cores (wasm-Nt, the reference), the page's JSEP
# build with its settings (webgpu: dispatches per call), JSEP driven as a GPU loop with and without graph
# capture (webgpu-capture: whether outputs follow new inputs without the bench re-issuing copies), and the
# native WebGPU EP (webgpu-ep). The webgpu-node row of `npm run bench` needs node_modules (too big to
# carry); its dispatch counts here equal the `webgpu` phase's there.
set -euo pipefail
cd "$(dirname "$0")/.."
BUNDLE=gpu-bench-bundle
grep -qx "/$BUNDLE/" .gitignore || { echo "add /$BUNDLE/ to .gitignore first" >&2; exit 1; }
if [ ! -f "$BUNDLE/run.sh" ]; then
  rm -rf "$BUNDLE"
  bash ../shared/gpu-bench/make-bundle.sh "$BUNDLE" public/models
fi
cat <<CALL

Device call (one, ~3-5 min; timeout leaves room for one rerun in the 15-minute budget):
  run(command='OUT=\$OUT BENCH_ARGS="--phases wasm-Nt,webgpu,webgpu-capture,webgpu-ep --iters 30 --gen-reps 2" bash $BUNDLE/run.sh',
      carry=["$BUNDLE"], timeout_s=420)
Results: \$OUT/bench.log (SUMMARY and GPU-loop tables), \$OUT/bench.json. Then give_back().
CALL
