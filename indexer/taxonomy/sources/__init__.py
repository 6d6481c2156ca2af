"""The taxonomy sources, one module each, and reading them all into one :class:`Taxonomy`.

Each source module declares its input files and a ``SCHEME``
(:class:`indexer.taxonomy.records.Scheme`); :data:`SCHEMES` lists them in load order (a source
may use what an earlier one added: the shortage list links to Competent occupations).
:data:`INPUTS` is every declared file by key.
"""
from __future__ import annotations

from pathlib import Path

from indexer.taxonomy.records import InputFile, Scheme, Taxonomy
from indexer.taxonomy.sources import competent, esco, shortage
from indexer.taxonomy.sources.common import DataError, file_checksum, missing

SCHEMES: tuple[Scheme, ...] = (esco.SCHEME, competent.SCHEME, shortage.SCHEME)
INPUTS: dict[str, InputFile] = {f.key: f for scheme in SCHEMES for f in scheme.inputs}


def input_checksums(data_dir: Path) -> dict[str, str]:
    """sha256 of every present input file; the index and store manifests record these."""
    out: dict[str, str] = {}
    for spec in INPUTS.values():
        path = spec.at(data_dir)
        if path.exists():
            out[spec.path] = file_checksum(path)
        elif spec.required:
            raise missing(data_dir, spec)
    return out


def load_taxonomy(data_dir: Path, progress: bool = False) -> Taxonomy:
    """Read and cross-check every input; raises :class:`DataError` on the first problem."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise DataError(f"Datamap niet gevonden: {data_dir}. Zet CMATCH_DATA op de map met de ESCO- en Competent-bestanden (zie README).")
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=sum(len(s.steps) for s in SCHEMES), desc="Taxonomie laden", unit="stap")

    def step(name: str) -> None:
        if bar is not None:
            bar.set_postfix_str(name)
            bar.update(1)

    tax = Taxonomy()
    for scheme in SCHEMES:
        tax.versions[scheme.name] = scheme.load(data_dir, tax, step)
    if bar is not None:
        bar.close()
    tax.checksums = input_checksums(data_dir)
    return tax
