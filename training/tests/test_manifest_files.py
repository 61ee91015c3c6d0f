"""manifest_files.py: rewrites only the file entries of a manifest from the files on disk, and refuses
names the page would refuse."""
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from manifest_files import file_entry, with_file_entries

ROOT = Path(__file__).resolve().parents[2]


def make_models(tmp_path: Path) -> dict:
    (tmp_path / "samples").mkdir()
    files = {"tokenizer.json": b'{"vocab": []}', "unet.onnx": b"unet bytes", "samples/cat.png": b"\x89PNG cat"}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    manifest = {"name": "m", "tokenizer": {"file": "tokenizer.json", "type": "word-fnv1a", "max_length": 16},
                "unet": {"file": "unet.onnx", "bytes": 1, "sha256": "0" * 64, "parameters": 7},
                "samples": [{"file": "samples/cat.png", "caption": "cat"}], "metrics": {"top1": 0.5}}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", "utf-8")
    return files


def test_cli_rewrites_sizes_and_hashes_and_keeps_other_fields(tmp_path):
    files = make_models(tmp_path)
    subprocess.run([sys.executable, str(ROOT / "training" / "manifest_files.py"), "--models", str(tmp_path)], check=True)
    m = json.loads((tmp_path / "manifest.json").read_text("utf-8"))
    for entry in (m["tokenizer"], m["unet"], m["samples"][0]):
        data = files[entry["file"]]
        assert entry["bytes"] == len(data) and entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert m["unet"]["parameters"] == 7 and m["tokenizer"]["max_length"] == 16
    assert m["samples"][0]["caption"] == "cat" and m["metrics"] == {"top1": 0.5}
    assert "image_encoder" not in m


@pytest.mark.parametrize("name", ["\\\\evil.example\\cat.png", "../unet.onnx", "/etc/passwd", "a/b/c.png",
                                  "https://evil.example/x", ".hidden", "samples//x.png", ""])
def test_refuses_names_the_page_refuses(tmp_path, name):
    make_models(tmp_path)
    with pytest.raises(ValueError, match="not a plain file name"):
        file_entry(tmp_path, name)


def test_refuses_an_empty_file(tmp_path):
    make_models(tmp_path)
    (tmp_path / "unet.onnx").write_bytes(b"")
    manifest = json.loads((tmp_path / "manifest.json").read_text("utf-8"))
    with pytest.raises(ValueError, match="unet.onnx: 0 bytes"):
        with_file_entries(manifest, tmp_path)
