#!/usr/bin/env bash
# One call on a lent GPU machine (PyTorch 2.x, CUDA), sized for its limits (10 minutes a call, 8 files
# of < 16 MiB back from $OUT): held-out-style CLIP -> CLIP -> U-Net (resumed from the shipped weights)
# -> fp16 shards into $OUT -> every evaluation metric at full size -> report.tar.gz into $OUT.
#
#   run (device tool), carrying training/build/dataset.npz, dataset.json and glove.npz:
#     MINUTES=5.0 bash training/gpu_run.sh        # FRESH_CLIP=1: a new CLIP and vocabulary (the U-Net must
#                                                 # then relearn its conditioning); else CLIP resumes too
#   then here:
#     /usr/bin/python3 training/pack_checkpoint.py unpack <files_at> training/runs/gpu
#     tar xzf <files_at>/report.tar.gz -C training/runs/gpu
#     (export, card, fixtures: training/README.md, "Train on a GPU")
set -uo pipefail
export PYTHONUNBUFFERED=1
: "${OUT:?set OUT to the folder that comes back}"
MINUTES=${MINUTES:-5.0}
HOLDOUT=${HOLDOUT:-twemoji}
CONFIG=${CONFIG:-training/configs/gpu.json}
PRESET=${PRESET:-full}
DATA=${DATA:-training/build}
if [ -z "${PY:-}" ]; then  # the first interpreter that has torch
  for c in python3 python /usr/bin/python3; do
    if command -v "$c" >/dev/null && "$c" -c "import torch" 2>/dev/null; then PY=$(command -v "$c"); break; fi
  done
fi
: "${PY:?no python with torch found}"
RUN=${RUN:-/tmp/run}
mkdir -p "$RUN"
LOG="$RUN/train.log"
{
  date -u
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || true
  "$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.get_device_name() if torch.cuda.is_available() else 'NO CUDA')"
} 2>&1 | tee "$LOG"
NGPU=$("$PY" -c "import torch; print(torch.cuda.device_count())")
if [ "${NGPU:-0}" -gt 1 ]; then
  LAUNCH=(torchrun --standalone --nproc_per_node "$NGPU")
else
  LAUNCH=("$PY")
fi
# the held-out-style CLIP measurement runs beside the main CLIP on the same GPU (both are small) and is
# done before the U-Net starts, so the U-Net's throughput figure is its own
"$PY" training/train.py --config "$CONFIG" --data "$DATA" --out "$RUN" --stage holdout --holdout-style "$HOLDOUT" \
  > "$RUN/holdout.log" 2>&1 &
HOLD_PID=$!
"${LAUNCH[@]}" training/train.py --config "$CONFIG" --data "$DATA" --out "$RUN" --resume training/checkpoints \
  ${FRESH_CLIP:+--fresh-clip} --minutes "$MINUTES" 2>&1 | tee -a "$LOG"
wait $HOLD_PID; echo "holdout exit $?" | tee -a "$LOG"
cat "$RUN/holdout.log" >> "$LOG"
"$PY" training/pack_checkpoint.py pack "$RUN" "$OUT" 2>&1 | tee -a "$LOG"
timeout "${EVAL_SECONDS:-120}" "$PY" training/evaluate.py measure --preset "$PRESET" --data "$DATA" --checkpoints "$RUN" --out "$RUN/metrics.json" \
  --grid "$RUN/samples-grid.png" --holdout "$RUN/clip-holdout.json" > "$RUN/eval.log" 2>&1
echo "evaluate exit $?" | tee -a "$LOG"
tail -n 60 "$RUN/eval.log"
cd "$RUN" && tar czf "$OUT/report.tar.gz" --ignore-failed-read train.log log.jsonl clip-holdout.json metrics.json \
  samples-grid.png eval.log 2>/dev/null
ls -la "$OUT"
