"""What every taxonomy source shares: reading a declared CSV file with exact error messages,
checksums, and the label and title helpers.

Files are read with :mod:`csv` rather than pandas so line numbers are exact and nothing is
silently coerced; a missing or malformed file stops the build with one message that names the
file, the line and what was expected.
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from indexer.taxonomy.records import InputFile

csv.field_size_limit(10_000_000)


class DataError(Exception):
    """A data file is missing or malformed; the message is meant for the person building."""


#: Every input file of every source: path in the data directory, required columns, what it is.
INPUTS_FILE = Path(__file__).with_name("inputs.json")


@cache
def _declared() -> dict[str, dict]:
    return json.loads(INPUTS_FILE.read_text(encoding="utf-8"))


def declared_input(key: str) -> InputFile:
    """The input file ``key`` as declared in ``inputs.json`` (the one table of data-directory files)."""
    d = _declared()[key]
    return InputFile(key, d["path"], tuple(d["columns"]), d["what"], d.get("required", True))


def file_checksum(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def missing(data_dir: Path, spec: InputFile) -> DataError:
    return DataError(
        f"Bestand ontbreekt: {Path(data_dir) / spec.path}\n"
        f"Verwacht: {spec.what}, met kolommen {', '.join(spec.columns)}.\n"
        f"Zet de officiële download op die plaats in de datamap (CMATCH_DATA={data_dir}); zie README."
    )


def read_rows(data_dir: Path, spec: InputFile) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line_number, row)`` for an input file, checking its header first."""
    path = spec.at(data_dir)
    if not path.exists():
        if spec.required:
            raise missing(data_dir, spec)
        return
    try:
        raw = gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")
        with raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
            reader = csv.reader(text)
            try:
                header = next(reader)
            except StopIteration:
                raise DataError(f"{path}: het bestand is leeg; verwacht een kopregel met {', '.join(spec.columns)}.")
            header = [h.lstrip("\ufeff").strip() for h in header]
            absent = [c for c in spec.columns if c not in header]
            if absent:
                raise DataError(
                    f"{path}, regel 1: kolom(men) {', '.join(absent)} ontbreken in de kopregel.\n"
                    f"Verwacht: {spec.what}, met kolommen {', '.join(spec.columns)}; gevonden: {', '.join(header)}."
                )
            while True:
                line = reader.line_num + 1  # first physical line of the record (fields may span lines)
                try:
                    row = next(reader)
                except StopIteration:
                    break
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                if len(row) != len(header):
                    raise DataError(
                        f"{path}, regel {line}: {len(row)} velden in plaats van {len(header)} "
                        f"(kolommen: {', '.join(header)})."
                    )
                yield line, dict(zip(header, row))
    except (UnicodeDecodeError, gzip.BadGzipFile, EOFError, OSError, csv.Error) as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(f"{path}: kan het bestand niet lezen als {'gzip-' if path.suffix == '.gz' else ''}CSV in UTF-8 ({exc}).") from exc


def bad_value(data_dir: Path, spec: InputFile, line: int, message: str) -> DataError:
    """A :class:`DataError` naming the file and line of a bad value."""
    return DataError(f"{spec.at(data_dir)}, regel {line}: {message}")


def require(spec: InputFile, data_dir: Path, line: int, value: str, what: str, pattern: str | None = None) -> str:
    """``value`` stripped, or a :class:`DataError` when it is empty or does not match ``pattern``."""
    value = value.strip()
    if not value or (pattern and not re.match(pattern, value)):
        raise bad_value(data_dir, spec, line, f"ongeldige waarde {value!r} voor {what}.")
    return value


def split_labels(value: str) -> list[str]:
    """ESCO exports separate altLabels with newlines; the derived Dutch file with ' | '."""
    parts = re.split(r"\n|\s\|\s", value or "")
    seen: dict[str, None] = {}
    for p in parts:
        p = p.strip()
        if p:
            seen.setdefault(p, None)
    return list(seen)


_GENDER_SUFFIX = re.compile(r"\s*\((?:h/f/x|h/f|m/v/x|m/v|m/f/x|f/h/x)\)\s*$", re.I)


def clean_title(value: str) -> str:
    """Drop the ``(h/f/x)`` style suffix that Competent puts on French titles."""
    return _GENDER_SUFFIX.sub("", value).strip()


def normalise_title(value: str) -> str:
    """Key for comparing occupation titles: lower case, no accents, punctuation or suffixes."""
    value = clean_title(value).lower()
    value = unicodedata.normalize("NFKD", value)
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    value = re.sub(r"[^a-z0-9]+", " ", value)
    return value.strip()
