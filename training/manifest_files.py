"""Size and SHA-256 of every file manifest.json names (the ONNX files, the tokenizer, the sample images).

The page and the CLI refuse a file whose size or SHA-256 differs from the manifest (src/model/integrity.ts),
and a name outside FILE_NAME (src/model/manifest.ts has the same pattern). export_onnx.py writes the
entries with `file_entry`; this command rewrites only those entries of an existing manifest from the files
on disk, e.g. after re-encoding the sample PNGs, and leaves every other field as it is:

  /usr/bin/python3 training/manifest_files.py --models public/models
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
from pathlib import Path

# A plain name, optionally inside one folder ("samples/rocket.png"): the page resolves it against the
# models URL, so anything looser ('..', '\\', ':', '//') could point it elsewhere.
FILE_NAME = re.compile(r"(?:[A-Za-z0-9][A-Za-z0-9._-]{0,127}/)?[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
# The page allocates a file's buffer from its manifest size; it refuses more than this (1 GiB).
MAX_FILE_BYTES = 2 ** 30
# Manifest keys whose value is one file entry.
MODEL_KEYS = ("tokenizer", "text_encoder", "unet", "image_encoder", "sr")  # "sr": optional (export_sr.py)


def file_entry(models: Path, name: str) -> dict:
    """{"file", "bytes", "sha256"} of models/name; refuses names and sizes the page would refuse."""
    if not FILE_NAME.fullmatch(name):
        raise ValueError(f"{name!r}: not a plain file name (letters, digits, '.', '_', '-', at most one folder)")
    data = (models / name).read_bytes()
    if not 0 < len(data) <= MAX_FILE_BYTES:
        raise ValueError(f"{name}: {len(data)} bytes, the page loads 1..{MAX_FILE_BYTES}")
    return {"file": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def with_file_entries(manifest: dict, models: Path) -> dict:
    """A copy of `manifest` whose file entries (models and samples) match the files in `models`."""
    out = json.loads(json.dumps(manifest))
    for key in MODEL_KEYS:
        if key in out:
            out[key].update(file_entry(models, out[key]["file"]))
    for sample in out.get("samples", []):
        sample.update(file_entry(models, sample["file"]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", type=Path, default=Path("public/models"), help="folder with manifest.json")
    args = ap.parse_args()
    path = args.models / "manifest.json"
    manifest = with_file_entries(json.loads(path.read_text("utf-8")), args.models)
    # Same layout as export_onnx.py and model_card.py write, so a rewrite changes only the file entries.
    path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", "utf-8")
    models = sum(key in manifest for key in MODEL_KEYS)
    print(f"{path}: wrote bytes and sha256 of {models} model files and {len(manifest.get('samples', []))} samples")


if __name__ == "__main__":
    main()
