#!/bin/bash
# Packs a job folder for a machine with a GPU (a cloud VM, a workstation): the job's script and exactly the
# files it reads, copied from this checkout under their own paths, plus a run.sh that runs the script there
# with the results folder and the time budget as parameters. Copy the folder (or its tarball) to the machine,
# run it, copy the results folder back.
#   bash scripts/gpu-job/pack.sh [--tar] DEST ENTRY [PATH...]
#     DEST    the job folder to write (relative to where you are); it must not exist or be empty. --tar also
#             writes DEST.tar.gz
#     ENTRY   the job's script (bash), relative to the repository root; packed with the rest
#     PATH    the files and folders the job reads, relative to the repository root (git-ignored ones too:
#             a built dataset, a bundle)
#   JOB_MAX_MIB=N   fail (exit 1) when the folder is over N MiB: what the GPU machine's transfer or disk allows
# On the GPU machine:
#   OUT_DIR=/path/for/results JOB_BUDGET_S=SECONDS bash DEST/run.sh [ARGS...]
# run.sh runs ENTRY with ARGS from the folder (so its repository-relative paths hold), with OUT_DIR (default
# DEST/out, created) and JOB_BUDGET_S exported for it; with JOB_BUDGET_S set, ENTRY is stopped after that many
# seconds. DEST/job-files.txt lists what was packed, from which commit.
set -euo pipefail
die() { echo "pack.sh: $*" >&2; exit 2; }
TAR=
if [ "${1:-}" = --tar ]; then TAR=1; shift; fi
[ $# -ge 2 ] || die "usage: bash scripts/gpu-job/pack.sh [--tar] DEST ENTRY [PATH...]   (ENTRY, PATH relative to the repository root)"
DEST=$(realpath -m -- "$1")   # relative to where it is called from
shift
cd "$(dirname "$0")/../.."
ROOT=$PWD
[ -f "$1" ] || die "the job's script $1 is not a file"
# Each path as it will sit in the folder: relative to the root, normalised, inside the repository.
PATHS=()
for p in "$@"; do
  [ -e "$p" ] || die "$p does not exist"
  abs=$(realpath -s -- "$p")
  case $abs in "$ROOT"/*) ;; *) die "$p is not inside the repository" ;; esac
  case $DEST/ in "$abs"/*) die "$p holds the job folder $DEST itself" ;; esac
  PATHS+=("${abs#"$ROOT"/}")
done
ENTRY=${PATHS[0]}
case $ENTRY in run.sh | job-files.txt) die "the job's script cannot be called $ENTRY (pack.sh writes that file)" ;; esac
if [ -e "$DEST" ] && [ -n "$(ls -A "$DEST")" ]; then die "$DEST exists and is not empty (remove it first)"; fi
if [ "${DEST#"$ROOT"/}" != "$DEST" ] && ! git check-ignore -q "${DEST#"$ROOT"/}/"; then
  die "$DEST is inside the checkout and not git-ignored (add it to .gitignore, or write it elsewhere)"
fi

mkdir -p "$DEST"
# --parents keeps each path's place under the root; -L copies what symlinks point at (a job folder stands alone)
cp -rL --parents -- "${PATHS[@]}" "$DEST/"
{
  echo "# packed by scripts/gpu-job/pack.sh from $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- "${PATHS[@]}" 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "# entry: $ENTRY"
  (cd "$DEST" && find . -type f ! -name job-files.txt ! -name run.sh -printf '%s\t%P\n' | sort -k2)
} >"$DEST/job-files.txt"
cat >"$DEST/run.sh" <<RUN
#!/bin/bash
# Runs this job folder's script, $ENTRY (packed by scripts/gpu-job/pack.sh; what came is in job-files.txt):
#   OUT_DIR=/path/for/results JOB_BUDGET_S=SECONDS bash run.sh [ARGS...]
cd "\$(dirname "\$0")" || exit 1
export OUT_DIR=\${OUT_DIR:-\$PWD/out}
mkdir -p "\$OUT_DIR" && OUT_DIR=\$(cd "\$OUT_DIR" && pwd) || exit 1
if [ -n "\${JOB_BUDGET_S:-}" ]; then
  export JOB_BUDGET_S
  exec timeout -k 10 "\$JOB_BUDGET_S" bash $(printf '%q' "$ENTRY") "\$@"
fi
exec bash $(printf '%q' "$ENTRY") "\$@"
RUN
chmod +x "$DEST/run.sh"

mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
for p in "${PATHS[@]}"; do printf '  %-12s %s\n' "$(mib "$(du -sbL -- "$p" | cut -f1)")" "$p"; done
SIZE=$(du -sb "$DEST" | cut -f1)
echo "job folder $DEST: $(mib "$SIZE"), $(($(wc -l <"$DEST/job-files.txt") - 2)) files"
if [ -n "${JOB_MAX_MIB:-}" ] && [ "$SIZE" -gt $((JOB_MAX_MIB * 1048576)) ]; then
  echo "pack.sh: $DEST is over JOB_MAX_MIB=$JOB_MAX_MIB" >&2
  exit 1
fi
if [ -n "$TAR" ]; then
  tar -czf "$DEST.tar.gz" -C "$(dirname "$DEST")" "$(basename "$DEST")"
  echo "tarball $DEST.tar.gz: $(mib "$(stat -c %s "$DEST.tar.gz")")"
fi
echo "on the GPU machine: OUT_DIR=/path/for/results JOB_BUDGET_S=SECONDS bash $(basename "$DEST")/run.sh; then copy OUT_DIR back"
