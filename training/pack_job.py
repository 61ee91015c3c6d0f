"""Write the GPU job folder: everything training/gpu_run.sh reads, laid out as in the repository, and
nothing else (no page, no ONNX files), so it can be copied to any CUDA machine and run from its root.

  /usr/bin/python3 training/pack_job.py --out training/build/gpu-job        # prints every file and the total
  /usr/bin/python3 training/pack_job.py --out /tmp/job.tar --tar             # the same as one tar file

Contents: training/*.py, training/data/*.py, training/configs/*.json, training/eval_concepts.json,
training/gpu_run.sh (the code, < 1 MiB); the weights to resume from, as plain .pt files (clip.pt and
unet.pt from `decide.py --start`: the shipped model, rebuilt from public/models by shipped_weights.py, or a
run decide.py kept; judge.pt; sr_unet.pt once a GPU run has made one), so the GPU machine needs no onnx
package; the data (training/build: dataset.npz + dataset.json for the base model, sr_train.npz +
sr_heldout.npz + sr_dataset.json for the SR stage). --checkpoints and --data choose other folders (the
tests pack their smoke ones). Refuses a job over --limit-mib (default 64 MiB: keep the job small enough
to copy quickly).
"""
from __future__ import annotations

import argparse
import shutil
import tarfile
import tempfile
from pathlib import Path

import torch

from common import has_checkpoint, read_checkpoint
from decide import next_start

ROOT = Path(__file__).resolve().parents[1]
CODE = ["training/*.py", "training/data/*.py", "training/configs/*.json", "training/eval_concepts.json",
        "training/gpu_run.sh"]
WEIGHTS = ["clip.pt", "unet.pt", "judge.pt"]          # required
WEIGHTS_OPTIONAL = ["sr_unet.pt"]                    # the SR stage resumes when there is one
DATA = ["dataset.npz", "dataset.json", "sr_train.npz", "sr_heldout.npz", "sr_dataset.json"]


def rebuilt(checkpoints: Path, scratch: Path) -> Path:
    """A folder with `checkpoints`' weights as files: clip.pt / unet.pt written out where the folder holds
    only the shipped model's record (common.read_checkpoint rebuilds them from the ONNX files), the rest
    linked as they are."""
    for name in WEIGHTS + WEIGHTS_OPTIONAL:
        if (checkpoints / name).exists():
            (scratch / name).symlink_to((checkpoints / name).resolve())
        elif name in ("clip.pt", "unet.pt") and has_checkpoint(checkpoints / name):
            torch.save(read_checkpoint(checkpoints / name), scratch / name)
    return scratch


def job_files(checkpoints: Path, data: Path) -> list[tuple[Path, str]]:
    """(source, path inside the job) for every file the job needs; a missing required file is an error."""
    files = [(p, str(p.relative_to(ROOT))) for pattern in CODE for p in sorted(ROOT.glob(pattern))]
    missing = []
    for name in WEIGHTS + WEIGHTS_OPTIONAL:
        if (checkpoints / name).exists():
            files.append((checkpoints / name, f"training/checkpoints/{name}"))
        elif name in WEIGHTS:
            missing.append(str(checkpoints / name))
    for name in DATA:
        if (data / name).exists():
            files.append((data / name, f"training/build/{name}"))
        else:
            missing.append(str(data / name))
    if missing:
        raise SystemExit("pack_job: missing " + ", ".join(missing) + " (build the data: training/README.md)")
    return files


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True, help="job folder (replaced), or the .tar with --tar")
    ap.add_argument("--tar", action="store_true", help="write one uncompressed tar instead of a folder")
    ap.add_argument("--checkpoints", type=Path, default=None, help="where the weights come from (default: decide.py --start)")
    ap.add_argument("--data", type=Path, default=ROOT / "training" / "build")
    ap.add_argument("--limit-mib", type=float, default=64.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        pack(args, rebuilt(args.checkpoints or next_start(), Path(scratch)))


def pack(args: argparse.Namespace, checkpoints: Path) -> None:
    files = job_files(checkpoints, args.data)
    total = sum(src.stat().st_size for src, _ in files)  # stat follows the links to the real files
    if total > args.limit_mib * 2 ** 20:
        raise SystemExit(f"pack_job: {total / 2**20:.1f} MiB is over --limit-mib {args.limit_mib}")
    if args.tar:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(args.out, "w", dereference=True) as tar:  # the weights may be links (rebuilt)
            for src, rel in files:
                tar.add(src, arcname=rel)
    else:
        if args.out.exists():
            shutil.rmtree(args.out)
        for src, rel in files:
            (args.out / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, args.out / rel)
    code = sum(src.stat().st_size for src, rel in files if not rel.startswith(("training/checkpoints/", "training/build/")))
    for src, rel in files:
        if rel.startswith(("training/checkpoints/", "training/build/")):
            print(f"  {src.stat().st_size / 2**20:7.2f} MiB  {rel}")
    print(f"  {code / 2**20:7.2f} MiB  code ({sum(1 for _, r in files if r.endswith(('.py', '.json', '.sh')) and 'build/' not in r)} files)")
    written = args.out.stat().st_size if args.tar else total
    print(f"job: {written / 2**20:.1f} MiB in {len(files)} files -> {args.out} (limit {args.limit_mib:.0f} MiB)")


if __name__ == "__main__":
    main()
