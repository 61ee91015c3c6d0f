#!/bin/bash
# Where a GPU step's time goes, standalone (it sets up what run.sh would: the Vulkan loader, node, the .wasm):
#   OUT_DIR=/tmp/gpu-bench-out JOB_BUDGET_S=420 bash profile-run.sh
#   1. the op census with GPU time per kernel (timestamp queries) for one uncaptured U-Net b2 call, NHWC and NCHW
#   2. a 20-step guided generation with and without the sampler on the GPU (gpu-resident.mjs), checked against
#      WASM, on the page's JSEP build and on onnxruntime's native WebGPU EP (ORT_BUILD=webgpu)
#   3. the page's pipeline (page-bench.mjs, graph capture, the sampler on the GPU) on JSEP NHWC, on the native
#      EP, then on WASM with every core (PAGES="NHWC NCHW ep wasm" adds JSEP NCHW)
# Writes $OUT_DIR/census-{NHWC,NCHW}.log, gpu-resident-{jsep,ep}.log and page-{NHWC,ep,wasm}.json/.log.
# Each piece has its own limit (CENSUS_LIMIT, RESIDENT_LIMIT, PAGE_LIMIT, seconds), cut to what is left of
# JOB_BUDGET_S, so one that hangs leaves time to the rest. As root it installs gl/*.deb into / (a disposable
# machine or container); SKIP_SYSTEM=1 where the driver's Vulkan setup is complete.
OUT_DIR=${OUT_DIR:-/tmp/gpu-bench-out}
mkdir -p "$OUT_DIR" && OUT_DIR=$(cd "$OUT_DIR" && pwd) || exit 1
cd "$(dirname "$0")" || exit 1
JOB_BUDGET_S=${JOB_BUDGET_S:-420}
# limit WANTED: WANTED seconds, or what is left of the budget (less a margin to write the results) if less
limit() { local left=$(( JOB_BUDGET_S - SECONDS - 5 )); [ "$1" -lt "$left" ] && echo "$1" || echo $(( left > 1 ? left : 1 )); }
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
  BENCH_MODELS_DIR=models timeout -k 5 "$(limit "${CENSUS_LIMIT:-60}")" ./node --import ./ort-jsep-register.mjs census.mjs \
    --layout=$L --profile="${PROFILE_CALLS:-20}" > "$OUT_DIR/census-$L.log" 2>&1
  echo "census $L exit $?"; grep -A12 'GPU time per call' "$OUT_DIR/census-$L.log"; grep 'per call:\|max |' "$OUT_DIR/census-$L.log"
done
# the page's pipeline with and without the sampler on the GPU (scripts/webgpu/gpu-resident-bench.ts), checked against it on WASM
for B in jsep ep; do
  if [ "$B" = ep ]; then BUILD=webgpu; else BUILD=; fi
  ORT_BUILD=$BUILD BENCH_MODELS_DIR=models timeout -k 5 "$(limit "${RESIDENT_LIMIT:-60}")" ./node --import ./ort-jsep-register.mjs gpu-resident.mjs \
    --steps=20 --reps="${RESIDENT_REPS:-10}" > "$OUT_DIR/gpu-resident-$B.log" 2>&1
  echo "gpu-resident $B exit $?"; grep -v 'W:onnxruntime' "$OUT_DIR/gpu-resident-$B.log" | tail -n 5
done
PLAN=${PLAN:-'{"calls":30,"runs":6,"steps":[20],"extraRuns":0}'}
# the same pipeline on WASM with every core (onnxruntime-web's Node build, no hook): the reference, same run
for L in ${PAGES:-NHWC ep wasm}; do
  BUILD=
  if [ "$L" = wasm ]; then RT=(--runtime=wasm --threads="$(nproc)"); HOOK=()
  elif [ "$L" = ep ]; then BUILD=webgpu; RT=(--runtime=webgpu --threads=1); HOOK=(--import ./ort-jsep-register.mjs)
  else RT=(--runtime=webgpu --threads=1 --layout=$L); HOOK=(--import ./ort-jsep-register.mjs); fi
  ORT_BUILD=$BUILD BENCH_MODELS_DIR=models timeout -k 5 "$(limit "${PAGE_LIMIT:-60}")" ./node --expose-gc "${HOOK[@]}" page-bench.mjs \
    "${RT[@]}" --plan="$PLAN" > "$OUT_DIR/page-$L.json" 2> "$OUT_DIR/page-$L.log"
  echo "page $L exit $?"; tail -n 4 "$OUT_DIR/page-$L.log"
  [ -s "$OUT_DIR/page-$L.json" ] && python3 -c 'import json,sys; d=json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]); print(sys.argv[2], {k: round(d[k]["median"], 2) for k in ("unetBatch1", "unetBatch2", "textBatch2", "otherPerStep")}, "gen", {k: round(v["median"], 1) for k, v in d["endToEnd"].items()}, d.get("gpu"), d["load"]["note"][-160:])' "$OUT_DIR/page-$L.json" $L
done
echo "profile-run.sh done after $SECONDS s of a ${JOB_BUDGET_S} s budget; results in $OUT_DIR"
