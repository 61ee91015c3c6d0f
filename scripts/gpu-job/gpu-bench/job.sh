#!/bin/bash
# The GPU benchmark job: the shipped models on WebGPU against WASM, on the GPU machine, in one run:
#   OUT_DIR=/tmp/gpu-bench-out JOB_BUDGET_S=480 bash gpu-bench-bundle/job.sh
#   1. run.sh, the shared bench (bench.mjs): WASM with every core (wasm-Nt, the reference), the page's JSEP build
#      with its settings (webgpu), JSEP driven as a GPU loop with graph capture (webgpu-capture) and onnxruntime's
#      native WebGPU EP (webgpu-ep); BENCH_ARGS replaces that choice (its options: the bench's README)
#   2. page-run.sh: the page's own pipeline (page-bench.mjs), `npm run bench`'s webgpu-node row
# Results in OUT_DIR: bench.log (SUMMARY and GPU-loop tables), bench.json and run.log (1), page-bench.json and
# page-bench.log (2); a few hundred KB. JOB_BUDGET_S (seconds) bounds the whole job: page-run.sh keeps
# PAGE_LIMIT (150) of it, and the bench's watchdog gets its usual 200 s, or the rest less a minute for unpacking
# if that is less. ~4-6 minutes on an H200.
HERE=$(cd "$(dirname "$0")" && pwd)
OUT_DIR=${OUT_DIR:-/tmp/gpu-bench-out}
mkdir -p "$OUT_DIR" && OUT_DIR=$(cd "$OUT_DIR" && pwd) || exit 1
JOB_BUDGET_S=${JOB_BUDGET_S:-480}
PAGE_LIMIT=${PAGE_LIMIT:-150}
WATCHDOG=$(( JOB_BUDGET_S - PAGE_LIMIT - 60 ))
[ "$WATCHDOG" -gt 200 ] && WATCHDOG=200
[ "$WATCHDOG" -ge 60 ] || { echo "job.sh: JOB_BUDGET_S=$JOB_BUDGET_S leaves the bench under a minute after PAGE_LIMIT=$PAGE_LIMIT; raise it" >&2; exit 2; }
BENCH_ARGS=${BENCH_ARGS:---phases wasm-Nt,webgpu,webgpu-capture,webgpu-ep --iters 30 --gen-reps 2}
case " $BENCH_ARGS " in *" --watchdog "*) ;; *) BENCH_ARGS="$BENCH_ARGS --watchdog $WATCHDOG" ;; esac
OUT=$OUT_DIR BENCH_ARGS=$BENCH_ARGS bash "$HERE/run.sh"
echo "run.sh exit $?"
LEFT=$(( JOB_BUDGET_S - SECONDS - 5 ))
[ "$LEFT" -lt "$PAGE_LIMIT" ] && PAGE_LIMIT=$LEFT
[ "$PAGE_LIMIT" -gt 0 ] || { echo "job.sh: no budget left for page-run.sh" >&2; exit 1; }
OUT_DIR=$OUT_DIR PAGE_LIMIT=$PAGE_LIMIT bash "$HERE/page-run.sh"
RC=$?
echo "job.sh done after $SECONDS s of a $JOB_BUDGET_S s budget; results in $OUT_DIR"
exit $RC
