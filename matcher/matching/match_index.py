"""The match engine's built index, and how a write reaches it by re-encoding one row.

A :class:`MatchIndex` holds every stored vacancy and portfolio encoded
(:mod:`matcher.matching.encoding`), plus, per row, the content checksum of the document it was
encoded from. :meth:`MatchIndex.updated` compares those with the store's checksums
(:meth:`~indexer.storage.protocol.VacancyRepository.checksums`), encodes only the records added
or changed since, drops the deleted ones and shares everything else with the old index, which is
never modified (an engine still answering from it is unaffected). On the demo store (20,000
vacancies, 5,000 portfolios) one write then costs about 0.1 s of background work instead of the
7-9 s of encoding every row (issue 13: "no rebuild in the request path").

Checksums are read **before** the records: a write that races an update leaves a row either
encoded from the document whose checksum it records, or recording an older checksum than the
store's, so the next update encodes it again. Any earlier index of the same store, including a
snapshot on disk, is therefore a valid starting point for its current state.
"""
from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from functools import cached_property

import scipy.sparse as sp

from matcher.matching.encoding import PortfolioSide, VacancySide, encode_portfolios, encode_vacancies, spliced
from matcher.matching.factors import EncodeContext
from matcher.matching.near import MatchTaxonomy, NearTable, Vocab
from matcher.matching.occupations import OccupationSpace

log = logging.getLogger(__name__)

KINDS = ("vacancies", "portfolios")
#: Above this share of changed rows an update encodes everything again (it would cost as much).
MAX_CHANGED_SHARE = 0.5

Checks = dict[str, dict[str, str | None]]   # kind -> row id -> checksum it was encoded from (None: unknown)


def stored_checksums(repo) -> Checks | None:
    """The store's checksums of both kinds, or None for a repository that cannot give them."""
    read = getattr(repo, "checksums", None)
    return {kind: read(kind) for kind in KINDS} if read is not None else None


@dataclass
class MatchIndex:
    vocab: Vocab
    occ: OccupationSpace
    ctx: EncodeContext
    vac: VacancySide
    port: PortfolioSide
    checks: Checks

    @classmethod
    def build(cls, repo, tax: MatchTaxonomy, vectors, near: NearTable) -> "MatchIndex":
        """Encode every stored record."""
        stored = stored_checksums(repo) or {kind: {} for kind in KINDS}    # before the records: see above
        vocab = Vocab(sorted(tax.competence_labels))
        occ = OccupationSpace(tax, vocab)
        ctx = EncodeContext(tax, occ, vectors=vectors)
        vacancies, portfolios = list(repo.iter_vacancies()), list(repo.iter_portfolios())
        vac = encode_vacancies(vacancies, ctx, vocab)
        port = encode_portfolios(portfolios, ctx, vocab, near)
        vac.pad(len(vocab))
        port.pad(len(vocab))
        checks = {"vacancies": {v.id: stored["vacancies"].get(v.id) for v in vacancies},
                  "portfolios": {p.id: stored["portfolios"].get(p.id) for p in portfolios}}
        return cls(vocab, occ, ctx, vac, port, checks)

    def updated(self, repo, tax: MatchTaxonomy, vectors, near: NearTable) -> "MatchIndex | None":
        """This index brought up to the store's content: ``self`` when nothing changed, a new
        index sharing the unchanged rows (and, for a kind without changes, its checksum map
        itself), or None when a full build is due (no checksums, or more than
        :data:`MAX_CHANGED_SHARE` of the rows changed)."""
        stored = stored_checksums(repo)
        if stored is None:
            return None
        changed, dropped = {}, {}
        for kind in KINDS:
            mine, now = self.checks[kind], stored[kind]
            changed[kind] = [i for i, c in now.items() if c is None or mine.get(i) != c]
            dropped[kind] = {i for i in mine if i not in now}
        n_changes = sum(len(changed[k]) + len(dropped[k]) for k in KINDS)
        if n_changes == 0:
            return self
        if n_changes > MAX_CHANGED_SHARE * max(1, sum(len(stored[k]) for k in KINDS)):
            return None
        vocab = self.vocab.copy()     # copies: queries on the old index keep adding to its own
        ctx = EncodeContext(tax, self.occ, list(self.ctx.languages), vectors)
        encoders = {"vacancies": (repo.get_vacancies, lambda xs: encode_vacancies(xs, ctx, vocab)),
                    "portfolios": (repo.get_portfolios, lambda xs: encode_portfolios(xs, ctx, vocab, near))}
        sides, checks, encoded = {"vacancies": self.vac, "portfolios": self.port}, {}, 0
        for kind in KINDS:                      # vacancies first, as in a build
            gone = dropped[kind] | set(changed[kind])
            if not gone:    # shared as it is: a shallow copy (padding leaves the old one alone), the same checks
                sides[kind], checks[kind] = dataclasses.replace(sides[kind]), self.checks[kind]
                continue
            read, encode = encoders[kind]
            fresh = read(changed[kind])
            sides[kind] = spliced(sides[kind], gone, encode(fresh))
            checks[kind] = {i: c for i, c in self.checks[kind].items() if i not in gone}
            checks[kind].update((x.id, stored[kind].get(x.id)) for x in fresh)
            encoded += len(fresh)
        for side in sides.values():
            side.pad(len(vocab))
        log.debug("matchindex bijgewerkt: %d rijen opnieuw, %d weg", encoded,
                  len(dropped["vacancies"]) + len(dropped["portfolios"]))
        index = MatchIndex(vocab, self.occ, ctx, sides["vacancies"], sides["portfolios"], checks)
        # a derived part whose source the update left as it was is the old one, not computed again
        index.__dict__.update({name: self.__dict__[name] for name, source in _DERIVED.items()
                               if name in self.__dict__ and source(index) is source(self)})
        return index

    # -------------------------------------------------------------- derived (not in snapshots)
    @cached_property
    def vacancies_by_competence(self) -> sp.csc_matrix:
        """Vacancy weights by column: which vacancies ask a competence (gap openings)."""
        return self.vac.weights.tocsc()

    @cached_property
    def portfolios_by_competence(self) -> sp.csc_matrix:
        """Portfolio credits by column: who holds a competence (candidate coverage)."""
        return self.port.credits.tocsc()

    @cached_property
    def vacancy_row(self) -> dict[str, int]:
        return {vid: i for i, vid in enumerate(self.vac.ids)}

    def prepared(self) -> "MatchIndex":
        """This index with its derived parts computed (in the building thread, not in a request)."""
        for name in _DERIVED:
            getattr(self, name)
        return self

    # -------------------------------------------------------------- snapshots
    def __getstate__(self) -> dict:
        state = {k: v for k, v in self.__dict__.items() if k not in _DERIVED}
        state["ctx"] = list(self.ctx.languages)     # the taxonomy and vectors are the engine's
        return state

    def attach(self, tax: MatchTaxonomy, vectors) -> None:
        """After loading a snapshot: give it the engine's taxonomy and vectors back."""
        self.occ.tax = tax
        self.ctx = EncodeContext(tax, self.occ, self.ctx, vectors)


#: the derived (cached) parts and what each is computed from
_DERIVED = {"vacancies_by_competence": lambda index: index.vac.weights,
            "portfolios_by_competence": lambda index: index.port.credits,
            "vacancy_row": lambda index: index.vac.ids}
