"""Which model made a vector: the id that label indexes, the adapter and the fine-tune record.

Shared by all three, so a changed model (new weights, tokenizer or config) invalidates each
artefact made with the old one.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

#: Files of a model folder that describe it but do not change its output (a re-conversion
#: rewrites their timestamps), so they stay out of the fingerprint.
_NOT_MODEL_CONTENT = {"model_check.json", "PROVENANCE.json", "README.md", "FINETUNE.json"}


def model_fingerprint(model: str) -> str:
    """Identify a model: sha256 of what determines its output (weights, tokenizer, config) for a
    local folder, else its hub name."""
    path = Path(model)
    if path.is_dir():
        h = hashlib.sha256()
        for f in sorted(path.rglob("*")):
            if f.is_file() and f.suffix in (".json", ".safetensors", ".bin", ".txt", ".model"):
                if f.name in _NOT_MODEL_CONTENT:
                    continue
                h.update(f.relative_to(path).as_posix().encode())
                with open(f, "rb") as fh:
                    for chunk in iter(lambda: fh.read(1 << 20), b""):
                        h.update(chunk)
        return f"{path.name}@sha256:{h.hexdigest()[:16]}"
    return model
