#!/bin/bash
# Builds the GPU benchmark's job folder: everything the timing run of the shipped models needs on a machine
# with an NVIDIA GPU (a cloud VM, a workstation; x86-64 Linux, no Node, no network needed there).
#   bash scripts/gpu-job/gpu-bench.sh [DEST]      # DEST, from the repository root: gpu-bench-bundle/ (git-ignored)
# Then copy DEST to the GPU machine, run one of its jobs there, and copy OUT_DIR back:
#   OUT_DIR=/tmp/gpu-bench-out JOB_BUDGET_S=480 bash gpu-bench-bundle/job.sh           # the benchmark (~4-6 min)
#   OUT_DIR=/tmp/gpu-bench-out JOB_BUDGET_S=420 bash gpu-bench-bundle/profile-run.sh   # where a step's time goes
# The folder's base is the shared GPU bench (GPU_BENCH_TOOL, default ../shared/gpu-bench beside the checkout:
# bench.mjs, run.sh, make-bundle.sh): node, onnxruntime-web at the lock-file version, webgpu@0.6.2, the
# Vulkan loader's .debs, public/models checked against manifest.json, big files as .xz (~58 MiB). It is built
# once; what this script adds is rebuilt on every call:
#   page-bench.mjs    scripts/bench/bench-node.ts bundled by esbuild: `npm run bench`'s webgpu-node row (the
#                     page's pipeline and the worker's sessions.ts, graph capture included, on Dawn)
#   census.mjs        scripts/webgpu/webgpu-census.ts: kernels per U-Net call, GPU time per kernel
#   gpu-resident.mjs  scripts/webgpu/gpu-resident-bench.ts: the sampler on the GPU, with and without it
#   ort-jsep-*.mjs, models/tokenizer.json, and scripts/gpu-job/gpu-bench/*.sh (job.sh, page-run.sh,
#   profile-run.sh, gpu-env.sh)
# The checkout's node_modules stays here: the three .mjs files need only the folder's onnxruntime-web and
# webgpu (scripts/gpu-job/gpu-bench-bundle.test.ts checks that).
set -euo pipefail
cd "$(dirname "$0")/../.."
DEST=${1:-gpu-bench-bundle}
TOOL=${GPU_BENCH_TOOL:-../shared/gpu-bench}
ABS=$(realpath -m "$DEST")
if [ "${ABS#"$PWD"/}" != "$ABS" ] && ! git check-ignore -q "${ABS#"$PWD"/}/"; then
  echo "gpu-bench.sh: $DEST is inside the checkout and not git-ignored: add it to .gitignore (the folder is never committed)" >&2
  exit 1
fi
if [ ! -f "$DEST/run.sh" ]; then
  [ -f "$TOOL/make-bundle.sh" ] || { echo "gpu-bench.sh: no $TOOL/make-bundle.sh (the shared GPU bench); set GPU_BENCH_TOOL to its folder" >&2; exit 1; }
  rm -rf "$DEST"
  bash "$TOOL/make-bundle.sh" "$DEST" public/models
fi
# Each script as one file; onnxruntime-web (the hook maps it to the page's ort.min.mjs) and webgpu come from
# the folder's node_modules.
for pair in bench/bench-node.ts:page-bench.mjs webgpu/webgpu-census.ts:census.mjs webgpu/gpu-resident-bench.ts:gpu-resident.mjs; do
  node_modules/.bin/esbuild "scripts/${pair%%:*}" --bundle --platform=node --format=esm --target=node20 --log-level=warning \
    --external:webgpu --external:onnxruntime-web --external:onnxruntime-node --outfile="$DEST/${pair##*:}"
done
cp scripts/webgpu/ort-jsep-register.mjs scripts/webgpu/ort-jsep-hooks.mjs scripts/gpu-job/gpu-bench/*.sh "$DEST/"
cp public/models/tokenizer.json "$DEST/models/" # the page's loader reads it too (the shared bench does not)
SIZE=$(du -sb "$DEST" | cut -f1)
cat <<DONE

Job folder: $ABS ($(awk -v b="$SIZE" 'BEGIN { printf "%.1f MiB", b / 1048576 }'), its big files xz-compressed already)
Copy it to the GPU machine (scp -r, rsync, or a tarball: tar -cf $(basename "$ABS").tar -C $(dirname "$ABS") $(basename "$ABS")), then there:
  OUT_DIR=/tmp/gpu-bench-out JOB_BUDGET_S=480 bash $(basename "$DEST")/job.sh
      shared bench (run.sh: WASM with every core, JSEP, JSEP + graph capture, the native WebGPU EP), then the page's
      pipeline (page-run.sh). Back: OUT_DIR's bench.log (SUMMARY and GPU-loop tables), bench.json, page-bench.json
      (U-Net b1/b2 medians, 20-step generations, dispatches per call in "gpu") and their logs.
  OUT_DIR=/tmp/gpu-bench-out JOB_BUDGET_S=420 bash $(basename "$DEST")/profile-run.sh
      GPU time per kernel, the sampler on the GPU on both builds, the page's pipeline on JSEP, the native EP and WASM.
As root both install the Vulkan loader's .debs into / (a disposable machine); SKIP_SYSTEM=1 where the driver's
Vulkan setup is complete.
DONE
