"""The durable, incremental vacancy index: the database is the source of truth, the index catches up.

Includes the crash test of issue 7: an importer of 10,000 vacancies is killed with SIGKILL in
the middle, restarted, and every vacancy is then in the database and in the FAISS index exactly
once — on SQLite always, on PostgreSQL when a server answers (always in CI).
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from eval.scale_data import CompetenceBags, batched
from indexer.storage.factory import open_url
from indexer.storage.vacancy_index import (ACTIVE_FILE, CompetenceVectors, IndexConfig, VacancyIndex,
                                           import_vacancies)
from indexer.domain import Portfolio, PortfolioCompetence, Vacancy, VacancyCompetence

from tests.test_store_backends import pg_url, repo_url, require_postgres  # noqa: F401 - fixtures

REPO_ROOT = Path(__file__).resolve().parent.parent
VECTORS = CompetenceVectors.hashed()


def v(i: int, comps: tuple[str, ...]) -> Vacancy:
    return Vacancy(id=f"V{i}", title=f"Vacature {i}", competences=[VacancyCompetence(c) for c in comps])


def person(comps: tuple[str, ...]) -> Portfolio:
    return Portfolio(id="P", competences=[PortfolioCompetence(c) for c in comps])


def assert_mirrors_db(index: VacancyIndex, repo) -> None:
    held = index.held_ids()
    dup = [k for k, n in Counter(held).items() if n > 1]
    assert not dup, f"duplicated in the index: {dup[:5]}"
    assert sorted(held) == repo.ids("vacancies")


@pytest.fixture()
def repo(repo_url):  # noqa: F811
    r = open_url(repo_url)
    yield r
    r.close()


def test_create_update_delete_are_incremental(repo, tmp_path):
    index = VacancyIndex.open(repo, tmp_path / "vi", VECTORS)
    faiss_object = index.index
    repo.upsert_vacancies([v(1, ("SK-1", "SK-2")), v(2, ("SK-3", "SK-4")), v(3, ("SK-5",))])
    assert index.refresh() == 3
    assert index.search_portfolio(person(("SK-3", "SK-4")), k=1)[0][0] == "V2"
    repo.upsert_vacancies([v(2, ("SK-5", "SK-6"))])            # update: V2 moves
    index.refresh()
    assert index.search_portfolio(person(("SK-3", "SK-4")), k=1)[0][0] != "V2"
    assert index.search_portfolio(person(("SK-5", "SK-6")), k=1)[0][0] == "V2"
    repo.delete_vacancies(["V1"])
    index.refresh()
    assert index.index is faiss_object                          # no rebuild, the same FAISS index
    assert index.ntotal == 2 and index.seq == repo.max_change_seq()
    assert_mirrors_db(index, repo)
    assert index.refresh() == 0                                 # nothing new: no work


def test_restart_loads_snapshot_and_replays_what_came_after(repo, tmp_path):
    root = tmp_path / "vi"
    index = VacancyIndex.open(repo, root, VECTORS)
    repo.upsert_vacancies([v(i, (f"SK-{i}", "SK-0")) for i in range(50)])
    index.catch_up()
    snap = index.snapshot()
    assert (root / ACTIVE_FILE).read_text().strip() == snap.name
    repo.upsert_vacancies([v(i, (f"SK-{i}",)) for i in range(40, 60)])   # after the snapshot
    repo.delete_vacancies(["V0", "V1"])
    again = VacancyIndex.open(repo, root, VECTORS)
    assert again.loaded_from == snap.name and again.snapshot_seq < again.seq == repo.max_change_seq()
    assert again.ntotal == 58
    assert_mirrors_db(again, repo)
    assert again.search_portfolio(person(("SK-55",)), k=1)[0][0] == "V55"


def test_replaying_changes_twice_changes_nothing(repo, tmp_path):
    index = VacancyIndex.open(repo, tmp_path / "vi", VECTORS)
    repo.upsert_vacancies([v(i, (f"SK-{i}",)) for i in range(20)])
    index.catch_up()
    index.seq = 0                                   # as if the last snapshot were much older
    index.catch_up()
    assert_mirrors_db(index, repo)


def test_broken_or_foreign_snapshots_are_not_used(repo, tmp_path):
    root = tmp_path / "vi"
    index = VacancyIndex.open(repo, root, VECTORS)
    repo.upsert_vacancies([v(i, (f"SK-{i}",)) for i in range(10)])
    index.catch_up()
    good = index.snapshot()
    repo.upsert_vacancies([v(i, (f"SK-{i}",)) for i in range(10, 20)])
    index.catch_up()
    newest = index.snapshot()
    # a crash in the middle of writing a snapshot leaves only a temporary folder behind
    (root / ".tmp-999999-1").mkdir()
    (root / ".tmp-999999-1" / "index.faiss").write_bytes(b"half")
    # the newest snapshot is damaged afterwards (disk): its files no longer match the manifest
    with open(newest / "index.faiss", "r+b") as fh:
        fh.truncate(100)
    again = VacancyIndex.open(repo, root, VECTORS)
    assert again.loaded_from == good.name
    assert_mirrors_db(again, repo)
    # vectors defined differently: the snapshot is not used, the index is rebuilt from the DB
    other = VacancyIndex.open(repo, root, CompetenceVectors(salt="other"))
    assert other.loaded_from is None
    assert_mirrors_db(other, repo)
    again.snapshot()
    assert not (root / ".tmp-999999-1").exists()    # leftovers of dead processes are cleaned


def test_snapshot_ahead_of_database_is_refused(tmp_path):
    """After a restore of an older backup the index must not keep vacancies the DB lost."""
    import shutil
    import sqlite3

    db, backup = tmp_path / "app.sqlite", tmp_path / "backup.sqlite"
    repo = open_url(f"sqlite:///{db}")
    repo.upsert_vacancies([v(i, (f"SK-{i}",)) for i in range(2)])
    with sqlite3.connect(backup) as dst:
        repo.con.backup(dst)
    repo.upsert_vacancies([v(i, (f"SK-{i}",)) for i in range(2, 5)])
    index = VacancyIndex.open(repo, tmp_path / "vi", VECTORS)
    index.snapshot()
    repo.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(backup, db)                      # the database went back in time
    repo = open_url(f"sqlite:///{db}")
    again = VacancyIndex.open(repo, tmp_path / "vi", VECTORS)
    assert again.loaded_from is None and again.ntotal == 2
    assert_mirrors_db(again, repo)


def test_switches_to_ivf_and_stays_exact_about_ids(repo, tmp_path):
    bags = CompetenceBags.synthetic(seed=3)
    cfg = IndexConfig(kind="auto", ivf_threshold=1500, nlist=32, nprobe=32)
    index = VacancyIndex.open(repo, tmp_path / "vi", VECTORS, cfg)
    import_vacancies(repo, index, batched(1, 2001, 500, bags.vacancies))
    assert index.kind == "ivf" and index.ntotal == 2000
    repo.upsert_vacancies([Vacancy(id=f"SYN-V-{i:07d}", title="x", competences=[VacancyCompetence("SK-SYN-1")])
                           for i in range(1, 100)])                       # updates
    repo.delete_vacancies([f"SYN-V-{i:07d}" for i in range(100, 300)])
    index.refresh()
    assert index.ntotal == 1800
    assert_mirrors_db(index, repo)
    snap = index.snapshot()
    again = VacancyIndex.open(repo, tmp_path / "vi", VECTORS, cfg)
    assert again.kind == "ivf" and again.loaded_from == snap.name
    assert_mirrors_db(again, repo)
    # with every list probed, IVF-SQ8 finds what the exact search finds
    q = VECTORS.portfolio(bags.portfolio(1))
    top = [i for i, _ in again.search(q, 10)[0]]
    exact = sorted(((float(VECTORS.vacancy(x) @ q), x.id) for x in repo.iter_vacancies()), reverse=True)[:10]
    assert len(set(top) & {i for _, i in exact}) >= 8


def test_reader_catching_up_during_concurrent_writes_misses_nothing(repo, tmp_path):
    """Writers commit while a reader catches up in a loop: no change is skipped or doubled."""
    index = VacancyIndex.open(repo, tmp_path / "vi", VECTORS)
    bags = CompetenceBags.synthetic(seed=5)

    def writer(t: int) -> None:
        for b in range(8):
            repo.upsert_vacancies(bags.vacancies(t * 10_000 + b * 25, t * 10_000 + b * 25 + 25))
            if b % 3 == 2:
                repo.delete_vacancies([f"SYN-V-{t * 10_000 + b * 25:07d}"])

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(3)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        index.catch_up(batch=7)
    for t in threads:
        t.join()
    index.catch_up()
    assert index.ntotal == 3 * (8 * 25 - 2)
    assert_mirrors_db(index, repo)


def child(argv: list[str]) -> None:
    """The other process of these tests (a fresh interpreter, see :func:`_child_cmd`).

    ``import STORE ROOT``: 10,000 synthetic vacancies through repository + index (idempotent by
    id; prints ``progress <records> <seq>`` after each batch, ``done {json}`` at the end).
    ``status STORE ROOT``: open the index (snapshot + catch-up), print its status as JSON.
    """
    cmd, store, root = argv
    repo = open_url(store)
    index = VacancyIndex.open(repo, root, VECTORS)
    if cmd == "status":
        held = index.held_ids()
        print(json.dumps({**index.status(), "held": len(held), "distinct": len(set(held))}))
        return
    bags = CompetenceBags.synthetic(seed=42)
    res = import_vacancies(repo, index, batched(1, 10_001, 200, bags.vacancies), snapshot_every=1500,
                           progress=lambda done, seq: print(f"progress {done} {seq}", flush=True))
    print("done " + json.dumps({**res, **index.status()}), flush=True)


def _child_cmd(*argv: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from tests.test_durable_index import child; child(sys.argv[1:])",
            *argv]


def _importer(store: str, root: Path) -> subprocess.Popen:
    return subprocess.Popen(_child_cmd("import", store, str(root)), cwd=REPO_ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _store_url(backend: str, tmp_path: Path, request) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'app.sqlite'}"
    return request.getfixturevalue("pg_url")


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_sigkill_in_the_middle_of_an_import_loses_and_duplicates_nothing(backend, tmp_path, request):
    store, root = _store_url(backend, tmp_path, request), tmp_path / "vindex"
    expected = [f"SYN-V-{i:07d}" for i in range(1, 10_001)]

    proc = _importer(store, root)
    threshold = random.randint(2500, 6000)
    for line in proc.stdout:                       # wait until a good part is in, then kill -9
        if line.startswith("progress") and int(line.split()[1]) >= threshold:
            time.sleep(random.uniform(0, 0.15))    # land anywhere: in a batch, a catch-up, a snapshot
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read()

    # Right after the crash: whatever the DB kept, the index (snapshot + catch-up) holds exactly that.
    repo = open_url(store)
    n_before = repo.count_vacancies()
    assert 0 < n_before < 10_000
    after_crash = VacancyIndex.open(repo, root, VECTORS)
    assert_mirrors_db(after_crash, repo)

    # Restart the import: idempotent by id, it completes what is missing.
    proc = _importer(store, root)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    done = json.loads(out.strip().splitlines()[-1].removeprefix("done "))
    assert done["inserted"] == 10_000 - n_before and done["inserted"] + done["unchanged"] == 10_000

    assert repo.count_vacancies() == 10_000
    assert repo.ids("vacancies") == expected                       # each id once (primary key), none missing
    restarted = VacancyIndex.open(repo, root, VECTORS)             # a fresh process's view
    assert restarted.loaded_from is not None
    held = restarted.held_ids()
    assert len(held) == 10_000 and sorted(held) == expected        # each vacancy exactly once in FAISS
    hits = restarted.search(VECTORS.vacancy(repo.get_vacancy("SYN-V-0000042")), 1)[0]
    assert hits[0][0] == "SYN-V-0000042"
    repo.close()


def test_two_processes_serve_the_same_data(repo_url, tmp_path):  # noqa: F811
    """A second process (snapshot + catch-up) sees exactly what this one wrote to the database."""
    repo = open_url(repo_url)
    root = tmp_path / "vi"
    index = VacancyIndex.open(repo, root, VECTORS)
    bags = CompetenceBags.synthetic(seed=11)
    import_vacancies(repo, index, batched(1, 301, 100, bags.vacancies), snapshot_every=100)
    repo.delete_vacancies(["SYN-V-0000007"])          # after the last snapshot: only in the DB
    out = subprocess.run(_child_cmd("status", repo_url, str(root)), cwd=REPO_ROOT, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    other = json.loads(out.stdout)
    assert other["count"] == other["held"] == other["distinct"] == 299
    assert other["seq"] == repo.max_change_seq() and other["loaded_from"]
    index.refresh()
    assert index.ntotal == 299
    repo.close()


def test_vectors_are_deterministic_and_normalised():
    a, b = CompetenceVectors.hashed(), CompetenceVectors.hashed()
    assert np.array_equal(a.vector("SK-1"), b.vector("SK-1")) and a.fingerprint == b.fingerprint
    x = a.vacancy(v(1, ("SK-1", "SK-2")))
    assert abs(float(np.linalg.norm(x)) - 1) < 1e-5
    assert float(a.vector("SK-1") @ a.vector("SK-2")) < 0.3


def test_an_unindexable_row_is_set_aside_and_blocks_nothing(repo, tmp_path):
    """A committed row the index cannot hold (here an id with a newline, written past every
    check) is set aside and reported; every later change is still applied."""
    index = VacancyIndex.open(repo, tmp_path / "vi", VECTORS)
    repo.upsert_vacancies([v(1, ("SK-1",))])
    ph = "?" if repo.backend == "sqlite" else "%s"
    doc = '{"id": "BAD\\nID", "title": "x"}'
    sql = f"INSERT INTO vacancies (id, doc, checksum, synthetic, updated_at) VALUES ({ph}, {ph}, 'c', {ph}, {ph})"
    if repo.backend == "sqlite":
        with repo.con:
            repo.con.execute(sql, ("BAD\nID", doc, 0, "2026-01-01"))
    else:
        repo.con.execute(sql, ("BAD\nID", doc, False, "2026-01-01"))
    repo.upsert_vacancies([v(2, ("SK-2",))])
    index.catch_up()
    assert "BAD\nID" in index.status()["set_aside"]
    assert sorted(index.held_ids()) == ["V1", "V2"]
    repo.upsert_vacancies([v(3, ("SK-3",))])
    index.catch_up()
    assert sorted(index.held_ids()) == ["V1", "V2", "V3"]
    index.snapshot()
    again = VacancyIndex.open(repo, tmp_path / "vi", VECTORS)
    assert sorted(again.held_ids()) == ["V1", "V2", "V3"]
