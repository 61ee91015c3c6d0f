#!/bin/bash
# Prepares the GPU timing run of the shipped models for a session that has a device machine (H100/H200):
#   bash scripts/gpu-job/gpu-bench.sh            # builds gpu-bench-bundle/ (git-ignored) unless it is there, adds the
#                                        # page's own pipeline to it, prints the device call
# The bundle is ../shared/gpu-bench's (node, onnxruntime-web at the lock-file version, webgpu@0.6.2, the
# Vulkan loader, public/models checked against manifest.json, ~57 MiB). It times, on the same machine in
# one run: WASM with all cores (wasm-Nt, the reference), the page's JSEP build with its settings (webgpu:
# dispatches per call), JSEP driven as a GPU loop with and without graph capture (webgpu-capture), and the
# native WebGPU EP (webgpu-ep).
# Added here: page-bench.mjs, scripts/bench/bench-node.ts bundled by esbuild (the webgpu-node row of `npm run
# bench`: the page's pipeline.ts and the worker's sessions.ts, graph capture included, on Dawn), and
# page-run.sh, which runs it on the GPU after run.sh. node_modules and the checkout are too big to travel.
#
# What travels: the checkout's tracked files (~57 MiB: the ONNX models and the training checkpoints) plus
# the carried bundle are over the tool's 64 MiB, so the call is framed by scripts/device-travel.sh, which
# takes every tracked file out of the index for the call (the bundle has its own copy of the models).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUNDLE=gpu-bench-bundle
grep -qx "/$BUNDLE/" .gitignore || { echo "add /$BUNDLE/ to .gitignore first" >&2; exit 1; }
if [ ! -f "$BUNDLE/run.sh" ]; then
  rm -rf "$BUNDLE"
  bash ../shared/gpu-bench/make-bundle.sh "$BUNDLE" public/models
fi
# The page's pipeline, one file; onnxruntime-web (the hook maps it to the page's ort.min.mjs) and webgpu
# come from the bundle's node_modules.
node_modules/.bin/esbuild scripts/bench/bench-node.ts --bundle --platform=node --format=esm --target=node20 --log-level=warning \
  --external:webgpu --external:onnxruntime-web --external:onnxruntime-node --outfile="$BUNDLE/page-bench.mjs"
# For profile-run.sh: the op census with GPU time per kernel (scripts/webgpu/webgpu-census.ts --profile), and the
# sampler on the GPU through the page's loader and pipeline, with and without it (scripts/webgpu/gpu-resident-bench.ts).
for pair in webgpu-census.ts:census.mjs gpu-resident-bench.ts:gpu-resident.mjs; do
  node_modules/.bin/esbuild "scripts/webgpu/${pair%%:*}" --bundle --platform=node --format=esm --target=node20 --log-level=warning \
    --external:webgpu --external:onnxruntime-web --external:onnxruntime-node --outfile="$BUNDLE/${pair##*:}"
done
cp scripts/webgpu/ort-jsep-register.mjs scripts/webgpu/ort-jsep-hooks.mjs "$BUNDLE/"
cp public/models/tokenizer.json "$BUNDLE/models/" # the page's loader reads it too (the shared bench does not)
# Sourced by page-run.sh and profile-run.sh: the NVIDIA libraries and the Vulkan ICD, as run.sh finds them.
cat >"$BUNDLE/gpu-env.sh" <<'RUN'
export LD_LIBRARY_PATH=/usr/local/nvidia/lib64:/usr/local/nvidia/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -z "${VK_ICD_FILENAMES:-}" ]; then
  for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$icd" ]; then export VK_DRIVER_FILES=$icd; break; fi
  done
fi
RUN
cat >"$BUNDLE/page-run.sh" <<'RUN'
#!/bin/bash
# After run.sh (which unpacked node and the .wasm files and installed the Vulkan loader): the page's own
# pipeline on the GPU, `npm run bench`'s webgpu-node row. Writes $OUT/page-bench.log and page-bench.json.
OUT=${OUT:-/tmp/gpu-bench-out}
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd) || exit 1
cd "$(dirname "$0")" || exit 1
. ./gpu-env.sh
PLAN=${PLAN:-'{"calls":30,"runs":10,"steps":[20],"extraRuns":0}'}
BENCH_MODELS_DIR=models timeout -k 5 "${PAGE_LIMIT:-150}" ./node --expose-gc --import ./ort-jsep-register.mjs page-bench.mjs \
  --runtime=webgpu --threads=1 --plan="$PLAN" >"$OUT/page-bench.json" 2> >(tee "$OUT/page-bench.log" >&2)
RC=$?
echo "page-bench exit $RC; result: $(tail -c 600 "$OUT/page-bench.json")"
exit $RC
RUN
cat >"$BUNDLE/profile-run.sh" <<'RUN'
#!/bin/bash
# JSEP's two layouts on the GPU, standalone (sets up what run.sh would: the Vulkan loader, node, the .wasm):
#   1. the op census with GPU time per kernel (timestamp queries) for one uncaptured U-Net b2 call, NHWC and NCHW
#   2. a 20-step guided generation with and without the sampler on the GPU (gpu-resident.mjs), checked against
#      WASM, on the page's JSEP build and on onnxruntime's native WebGPU EP (ORT_BUILD=webgpu)
#   3. the page's pipeline (page-bench.mjs, graph capture, the sampler on the GPU) on JSEP NHWC, on the native
#      EP, then on WASM with every core (PAGES="NHWC NCHW ep wasm" adds JSEP NCHW)
# Writes $OUT/census-{NHWC,NCHW}.log, $OUT/gpu-resident-{jsep,ep}.log and $OUT/page-{NHWC,ep,wasm}.json/.log.
OUT=${OUT:-/tmp/gpu-bench-out}
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd) || exit 1
cd "$(dirname "$0")" || exit 1
if [ "$(id -u)" = 0 ] && [ -z "${SKIP_SYSTEM:-}" ]; then
  for f in gl/*.deb; do dpkg -x "$f" /; done
  [ -d /usr/local/nvidia/lib64 ] && printf '/usr/local/nvidia/lib64\n/usr/local/nvidia/lib\n' > /etc/ld.so.conf.d/zz-gpu-bench-nvidia.conf
  ldconfig
fi
. ./gpu-env.sh
find . -name '*.xz' | while read -r f; do
  [ -s "${f%.xz}" ] && [ "${f%.xz}" -nt "$f" ] && continue
  if command -v xz >/dev/null; then xz -dc "$f" > "${f%.xz}.part"
  else python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"), 1 << 20)' "$f" "${f%.xz}.part"; fi
  mv -f "${f%.xz}.part" "${f%.xz}"
done
chmod +x node
for L in NHWC NCHW; do
  BENCH_MODELS_DIR=models timeout -k 5 "${CENSUS_LIMIT:-60}" ./node --import ./ort-jsep-register.mjs census.mjs \
    --layout=$L --profile="${PROFILE_CALLS:-20}" > "$OUT/census-$L.log" 2>&1
  echo "census $L exit $?"; grep -A12 'GPU time per call' "$OUT/census-$L.log"; grep 'per call:\|max |' "$OUT/census-$L.log"
done
# the page's pipeline with and without the sampler on the GPU (scripts/webgpu/gpu-resident-bench.ts), checked against it on WASM
for B in jsep ep; do
  if [ "$B" = ep ]; then BUILD=webgpu; else BUILD=; fi
  ORT_BUILD=$BUILD BENCH_MODELS_DIR=models timeout -k 5 "${RESIDENT_LIMIT:-60}" ./node --import ./ort-jsep-register.mjs gpu-resident.mjs \
    --steps=20 --reps="${RESIDENT_REPS:-10}" > "$OUT/gpu-resident-$B.log" 2>&1
  echo "gpu-resident $B exit $?"; grep -v 'W:onnxruntime' "$OUT/gpu-resident-$B.log" | tail -n 5
done
PLAN=${PLAN:-'{"calls":30,"runs":6,"steps":[20],"extraRuns":0}'}
# the same pipeline on WASM with every core (onnxruntime-web's Node build, no hook): the reference, same run
for L in ${PAGES:-NHWC ep wasm}; do
  BUILD=
  if [ "$L" = wasm ]; then RT=(--runtime=wasm --threads="$(nproc)"); HOOK=()
  elif [ "$L" = ep ]; then BUILD=webgpu; RT=(--runtime=webgpu --threads=1); HOOK=(--import ./ort-jsep-register.mjs)
  else RT=(--runtime=webgpu --threads=1 --layout=$L); HOOK=(--import ./ort-jsep-register.mjs); fi
  ORT_BUILD=$BUILD BENCH_MODELS_DIR=models timeout -k 5 "${PAGE_LIMIT:-60}" ./node --expose-gc "${HOOK[@]}" page-bench.mjs \
    "${RT[@]}" --plan="$PLAN" > "$OUT/page-$L.json" 2> "$OUT/page-$L.log"
  echo "page $L exit $?"; tail -n 4 "$OUT/page-$L.log"
  python3 -c 'import json,sys; d=json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]); print(sys.argv[2], {k: round(d[k]["median"], 2) for k in ("unetBatch1", "unetBatch2", "textBatch2", "otherPerStep")}, "gen", {k: round(v["median"], 1) for k, v in d["endToEnd"].items()}, d.get("gpu"), d["load"]["note"][-160:])' "$OUT/page-$L.json" $L
done
RUN
cat <<CALL

Device session, in order (one call, ~4-6 min; timeout leaves room for one rerun in the 15-minute budget):
  1. here:   bash scripts/device-travel.sh slim gpu-bench $BUNDLE      (must print "fits")
  2. run(command='OUT=\$OUT BENCH_ARGS="--phases wasm-Nt,webgpu,webgpu-capture,webgpu-ep --iters 30 --gen-reps 2" bash $BUNDLE/run.sh; OUT=\$OUT bash $BUNDLE/page-run.sh',
         carry=["$BUNDLE"], timeout_s=480)
  3. here:   bash scripts/device-travel.sh restore                    (before any commit), then give_back()
Results: \$OUT/bench.log (SUMMARY and GPU-loop tables) and bench.json from the shared tool; \$OUT/page-bench.json
(the page's pipeline: U-Net b1/b2 medians, 20-step generations, dispatches per call in "gpu").
CALL
