#!/bin/bash
# What a device-machine call sends (the `run` tool: tracked files + untracked files git does not ignore +
# the paths named in `carry`, at most 64 MiB), and how to make a job's call fit.
#
#   bash scripts/device-travel.sh size [CARRY...]   # MiB that would travel with these carry paths; exit 1 if over
#   bash scripts/device-travel.sh slim JOB [CARRY...]
#                                                   # JOB = train | gpu-bench | job: takes the big tracked files that
#                                                   # job never reads out of the index (the files stay on disk) and
#                                                   # ignores them, so they do not travel; prints the new size
#   bash scripts/device-travel.sh restore           # puts them back in the index (run it right after the call)
#
# Why: the shipped ONNX models (26.8 MB) and the training checkpoints (26.9 MB) are both tracked, so the
# tree alone is ~57 MiB, and neither the training data (18 MiB carried) nor the gpu-bench bundle fits
# beside both. Training needs the checkpoints and not the ONNX files; the GPU benchmark (scripts/gpu-bench.sh)
# needs only its carried bundle. While slim is on, a pre-commit hook refuses commits (a commit then would
# record the files as deleted).
set -euo pipefail
cd "$(dirname "$0")/.."
LIMIT=$((64 * 1024 * 1024))
GIT_DIR=$(git rev-parse --git-dir)
STATE="$GIT_DIR/device-slim.list"
EXCLUDE="$GIT_DIR/info/exclude"
HOOK="$GIT_DIR/hooks/pre-commit"
MARK='# device-travel.sh slim (remove with: bash scripts/device-travel.sh restore)'

bytes_of_list() { xargs -0 -r stat -c %s -- 2>/dev/null | awk '{s += $1} END {print s + 0}'; }
travel_bytes() {
  local tracked untracked carried=0
  # Tracked: every path in the index that exists on disk (the work tree's content is what is copied).
  tracked=$(git ls-files -z | while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done | bytes_of_list)
  untracked=$(git ls-files -z --others --exclude-standard | bytes_of_list)
  for p in "$@"; do
    [ -e "$p" ] || { echo "carry path $p does not exist" >&2; exit 2; }
    carried=$((carried + $(du -sb -- "$p" | cut -f1)))
  done
  echo $((tracked + untracked + carried)) "$tracked" "$untracked" "$carried"
}
report() {
  read -r total tracked untracked carried < <(travel_bytes "$@")
  awk -v t="$total" -v a="$tracked" -v u="$untracked" -v c="$carried" -v l="$LIMIT" 'BEGIN {
    m = 1048576
    printf "travels: %.1f MiB (tracked %.1f, untracked not ignored %.1f, carried %.1f); limit %.0f MiB: %s\n",
      t / m, a / m, u / m, c / m, l / m, (t <= l ? "fits" : "TOO BIG")
  }'
  [ "$total" -le "$LIMIT" ]
}

# The big tracked files each job does not read.
drop_list() {
  case "$1" in
    # training/gpu_run.sh: training/*.py, training/checkpoints, the carried dataset. Not the exported models,
    # the page's test fixtures or the screenshots.
    train) git ls-files -z -- 'public/models/*.onnx' 'public/models/samples/*' 'public/models/samples-grid.png' 'src/fixtures/*' 'docs/*.png' ;;
    # gpu-bench-bundle/run.sh and page-run.sh read only the carried bundle (it has its own copy of the models).
    gpu-bench) git ls-files -z ;;
    # training/gpu_run.sh run inside its carried job folder (training/pack_job.py): no tracked file is read.
    job) git ls-files -z ;;
    *) echo "unknown job '$1' (train | gpu-bench | job)" >&2; exit 2 ;;
  esac
}

case "${1:-}" in
  size)
    shift
    report "$@"
    ;;
  slim)
    [ -n "${2:-}" ] || { echo "usage: $0 slim train|gpu-bench|job [CARRY...]" >&2; exit 2; }
    [ ! -e "$STATE" ] || { echo "slim is already on ($STATE); run: $0 restore" >&2; exit 1; }
    job=$2
    shift 2
    drop_list "$job" >"$STATE.tmp"
    mv "$STATE.tmp" "$STATE"
    # Out of the index (kept on disk), then ignored so they are not untracked-not-ignored either.
    xargs -0 -r git rm -q --cached -- <"$STATE"
    { echo "$MARK"; tr '\0' '\n' <"$STATE" | sed 's|^|/|'; echo "$MARK end"; } >>"$EXCLUDE"
    mkdir -p "$(dirname "$HOOK")"
    if [ ! -e "$HOOK" ]; then
      printf '#!/bin/sh\necho "device-travel.sh slim is on: run bash scripts/device-travel.sh restore before committing" >&2\nexit 1\n' >"$HOOK"
      chmod +x "$HOOK"
      echo "slim-hook" >"$STATE.hook"
    fi
    echo "slim for $job: $(tr -cd '\0' <"$STATE" | wc -c) files out of the index (on disk still)"
    report "$@"
    ;;
  restore)
    [ -e "$STATE" ] || { echo "slim is not on"; exit 0; }
    xargs -0 -r git reset -q -- <"$STATE"
    sed -i "/^$(printf '%s' "$MARK" | sed 's/[][\/.*^$]/\\&/g')\$/,/^$(printf '%s' "$MARK end" | sed 's/[][\/.*^$]/\\&/g')\$/d" "$EXCLUDE"
    if [ -e "$STATE.hook" ]; then rm -f "$HOOK" "$STATE.hook"; fi
    rm -f "$STATE"
    echo "restored"
    report
    ;;
  *)
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
