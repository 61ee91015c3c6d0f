#!/usr/bin/env bash
# The GPU job: both models train side by side on one card, then the weights come back, then as much
# evaluation as the budget leaves. Run it from the root of a job folder (training/pack_job.py writes one:
# code, the shipped weights, the data) or of a checkout with the data built, on a machine with PyTorch 2.x
# and CUDA:
#   OUT=/path/to/results bash training/gpu_run.sh
# In order:
#   1. beside each other, each launch-bound network in its own process on the one card:
#      - the base U-Net resumed from the shipped weights (training/checkpoints/unet.pt) against the shipped,
#        phrasing-distilled text encoder (clip.pt is copied, not retrained), for MINUTES_BASE (configs/gpu.json)
#      - the super-resolution stage (train_sr.py, configs/sr_gpu.json) for MINUTES_SR, resumed from
#        training/checkpoints/sr_unet.pt when there is one
#   2. unet.pt and sr_unet.pt as fp16 shards (< 15 MiB each) into OUT, before any measurement
#   3. within what is left of JOB_BUDGET_S: the base model's metrics (evaluate.py measure, the three unseen
#      phrasings under CLIP and the judge), then the SR stage's (evaluate_sr.py measure: the issue's bar and
#      a contact sheet)
#   4. report.tar.gz into OUT: logs, metrics, the contact sheet, the samples grid
# Budgets (environment): JOB_BUDGET_S (the whole job, default 570 s), MINUTES_BASE (4.5), MINUTES_SR (5.5),
# EVAL_SECONDS (the base evaluation's cap, 200). Others: CONFIG_BASE, CONFIG_SR, DATA (training/build),
# CHECKPOINTS (training/checkpoints), PRESET (evaluate.py's, full), EVAL_STEPS (sampling steps of both
# evaluations' base generations, 30 = the page's), SR_HELDOUT / SR_PROMPTS / SR_AUG_SWEEP (evaluate_sr.py sizes and
# the augmentation levels it compares, 0,50,100,200), PROFILE (PyTorch profiler over that many warmed-up base
# steps, train.py --profile: profile.txt), RUN (scratch).
# A CPU dry run with tiny budgets: training/tests/test_sr_job.py. Back home: training/README.md, "The GPU job".
set -uo pipefail
export PYTHONUNBUFFERED=1
: "${OUT:?set OUT to the folder that comes back}"
if [ -n "${MINUTES:-}${FRESH_CLIP:-}${BUDGET_S:-}" ]; then  # the old job's settings: say what they are now
  echo "gpu_run.sh: MINUTES, FRESH_CLIP and BUDGET_S are gone: MINUTES_BASE / MINUTES_SR / JOB_BUDGET_S set the budgets," \
    "and the text encoder is always the shipped one (KEEP_CLIP is what the job does)" >&2
  exit 2
fi
START=$(date +%s)
JOB_BUDGET_S=${JOB_BUDGET_S:-570}
MINUTES_BASE=${MINUTES_BASE:-4.5}
MINUTES_SR=${MINUTES_SR:-5.5}
EVAL_SECONDS=${EVAL_SECONDS:-200}
CONFIG_BASE=${CONFIG_BASE:-training/configs/gpu.json}
CONFIG_SR=${CONFIG_SR:-training/configs/sr_gpu.json}
DATA=${DATA:-training/build}
CHECKPOINTS=${CHECKPOINTS:-training/checkpoints}
PRESET=${PRESET:-full}
EVAL_STEPS=${EVAL_STEPS:-30}
SR_PROMPTS=${SR_PROMPTS:-100}
RUN=${RUN:-/tmp/run}
if [ -z "${PY:-}" ]; then  # the first interpreter that has torch
  for c in python3 python /usr/bin/python3; do
    if command -v "$c" >/dev/null && "$c" -c "import torch" 2>/dev/null; then PY=$(command -v "$c"); break; fi
  done
fi
: "${PY:?no python with torch found}"
mkdir -p "$RUN" "$OUT"
LOG="$RUN/train.log"
left() { echo $(( JOB_BUDGET_S - ($(date +%s) - START) )); }
{
  date -u
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null || echo "no nvidia-smi"
  "$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.get_device_name() if torch.cuda.is_available() else 'NO CUDA')"
  echo "budgets: job ${JOB_BUDGET_S}s, base ${MINUTES_BASE} min, sr ${MINUTES_SR} min, base evaluation <= ${EVAL_SECONDS}s"
} 2>&1 | tee "$LOG"
NGPU=$("$PY" -c "import torch; print(torch.cuda.device_count())")
if [ "${NGPU:-0}" -gt 1 ]; then LAUNCH=(torchrun --standalone --nproc_per_node "$NGPU"); else LAUNCH=("$PY"); fi

# 1. both trainings at once; a training that outlives what the job can give it is stopped (both save every
#    minute, so the last save comes back). 60 s stay for the shards and the report.
cp "$CHECKPOINTS/clip.pt" "$RUN/clip.pt" && echo "clip: kept $CHECKPOINTS/clip.pt (the shipped text encoder)" | tee -a "$LOG"
SR_RESUME=()
[ -f "$CHECKPOINTS/sr_unet.pt" ] && SR_RESUME=(--resume "$CHECKPOINTS")
TRAIN_S=$(( $(left) - 60 ))
timeout "$TRAIN_S" "${LAUNCH[@]}" training/train.py --config "$CONFIG_BASE" --data "$DATA" --out "$RUN" \
  --resume "$CHECKPOINTS" --stage unet --minutes "$MINUTES_BASE" --profile "${PROFILE:-0}" > "$RUN/base.log" 2>&1 &
BASE_PID=$!
timeout "$TRAIN_S" "$PY" training/train_sr.py --config "$CONFIG_SR" --data "$DATA" --out "$RUN" "${SR_RESUME[@]}" \
  --minutes "$MINUTES_SR" > "$RUN/sr.log" 2>&1 &
SR_PID=$!
wait $BASE_PID; echo "base exit $? after $(( $(date +%s) - START ))s" | tee -a "$LOG"
wait $SR_PID; echo "sr exit $? after $(( $(date +%s) - START ))s" | tee -a "$LOG"
grep -h "THROUGHPUT\|parameters\|done=True" "$RUN/base.log" "$RUN/sr.log" | tee -a "$LOG"

# 2. the weights come back first (the text encoder did not change, so clip.pt stays home)
PACK=()
for n in unet sr_unet; do [ -f "$RUN/$n.pt" ] && PACK+=("$n"); done
if [ ${#PACK[@]} -gt 0 ]; then "$PY" training/pack_checkpoint.py pack "$RUN" "$OUT" "${PACK[@]}" 2>&1 | tee -a "$LOG"; fi

# 3. measurements, each inside what is left of the budget (20 s stay for the report)
EVAL_S=$(( $(left) - 90 )); [ "$EVAL_S" -gt "$EVAL_SECONDS" ] && EVAL_S=$EVAL_SECONDS
if [ "$EVAL_S" -gt 15 ] && [ -f "$RUN/unet.pt" ]; then
  echo "evaluate (base): ${EVAL_S}s" | tee -a "$LOG"
  timeout "$EVAL_S" "$PY" training/evaluate.py measure --preset "$PRESET" --data "$DATA" --checkpoints "$RUN" \
    --steps "$EVAL_STEPS" --out "$RUN/metrics.json" --grid "$RUN/samples-grid.png" --judge "$CHECKPOINTS/judge.pt" \
    > "$RUN/eval.log" 2>&1
  echo "evaluate exit $?" | tee -a "$LOG"
fi
SR_EVAL_S=$(( $(left) - 20 ))
if [ "$SR_EVAL_S" -gt 15 ] && [ -f "$RUN/sr_unet.pt" ]; then
  echo "evaluate (sr): ${SR_EVAL_S}s" | tee -a "$LOG"
  timeout "$SR_EVAL_S" "$PY" training/evaluate_sr.py measure --sr "$RUN" --data "$DATA" --checkpoints "$RUN" \
    --judge "$CHECKPOINTS/judge.pt" --base-steps "$EVAL_STEPS" --prompts "$SR_PROMPTS" ${SR_HELDOUT:+--heldout "$SR_HELDOUT"} \
    --aug-sweep "${SR_AUG_SWEEP:-0,50,100,200}" \
    --out "$RUN/sr-metrics.json" --sheet "$RUN/sr-contact-sheet.png" > "$RUN/sr-eval.log" 2>&1
  echo "evaluate_sr exit $?" | tee -a "$LOG"
fi

# 4. the report
cat "$RUN/base.log" "$RUN/sr.log" >> "$LOG"
(cd "$RUN" && tar czf "$OUT/report.tar.gz" --ignore-failed-read train.log log.jsonl log-sr.jsonl metrics.json \
  samples-grid.png eval.log sr-metrics.json sr-contact-sheet.png sr-eval.log profile.txt 2>/dev/null)
ls -la "$OUT"
echo "total $(( $(date +%s) - START ))s (budget ${JOB_BUDGET_S}s)"
