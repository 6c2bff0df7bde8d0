"""Formats: what a file is, from its first bytes, before anything reads it.

Owns format detection (by content first, then by name), compression, the text encoding,
the CSV delimiter and header, and the one-sentence errors for files that cannot be read
at all (missing, empty, binary, truncated, not a data file). `readers` then reads the
file as what it was found to be.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

TABULAR_FORMATS = ("csv", "parquet", "xlsx", "json")
GEO_FORMATS = ("geojson", "shapefile", "gpkg")
FORMATS = TABULAR_FORMATS + GEO_FORMATS
ENCODINGS = ("utf-8", "latin-1", "utf-16")
SNIFF_BYTES = 1 << 20

# first bytes -> what the file is, for files that cannot be a table of text
_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x7fELF", "a program (ELF executable)"),
    (b"MZ", "a Windows program"),
    (b"\xd0\xcf\x11\xe0", "an old-style Excel .xls workbook (save it as .xlsx or CSV)"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x28\xb5\x2f\xfd", "a zstd-compressed file"),
    (b"BZh", "a bzip2-compressed file"),
)


class ReadError(ValueError):
    """A file that cannot be read; the message is one sentence naming the file."""


@dataclass(frozen=True)
class ReadOptions:
    """How to read a file, when detection needs help (all optional; from a mapping's [read])."""

    format: str | None = None
    delimiter: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    layer: str | None = None
    crs: str | None = None


@dataclass
class Sniffed:
    """What the first bytes say about a file."""

    format: str
    compression: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    header: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def unreadable(path: Path, what: str) -> ReadError:
    return ReadError(f"{path.name}: {what}")


def first_bytes(path: Path, n: int = SNIFF_BYTES) -> bytes:
    with path.open("rb") as fh:
        return fh.read(n)


def gunzip_head(path: Path, n: int = SNIFF_BYTES) -> bytes:
    try:
        with gzip.open(path, "rb") as fh:
            return fh.read(n)
    except EOFError:
        raise unreadable(
            path, "is a truncated gzip file (it ends before its compressed data)"
        ) from None
    except OSError as exc:
        raise unreadable(path, f"is a corrupt gzip file ({exc})") from None


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n.lower() for n in zf.namelist()]
    except zipfile.BadZipFile:
        raise unreadable(path, "is a damaged or truncated zip archive") from None
    if "xl/workbook.xml" in names:
        return "xlsx"
    if any(n.endswith(".shp") for n in names):
        return "shapefile"
    if any(n.endswith((".geojson", ".gpkg")) for n in names):
        raise unreadable(path, "is a zip archive; unzip it and import the boundary file inside")
    raise unreadable(path, "is a zip archive with no spreadsheet or shapefile inside")


def _text_encoding(head: bytes, path: Path, forced: str | None) -> tuple[str, list[str]]:
    if forced:
        forced = forced.lower().replace("_", "-")
        aliases = {
            "utf8": "utf-8",
            "utf-8-sig": "utf-8",
            "latin1": "latin-1",
            "iso-8859-1": "latin-1",
        }
        forced = aliases.get(forced, forced)
        if forced not in ENCODINGS:
            raise unreadable(path, f"encoding {forced!r} is not supported (use one of {ENCODINGS})")
        return forced, []
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", ["read as UTF-16 (byte-order mark)"]
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # a multi-byte character cut by the sniff window is not an error
        if exc.start < len(head) - 4:
            return "latin-1", ["not valid UTF-8; read as Latin-1"]
    return "utf-8", []


def _looks_binary(head: bytes) -> bool:
    sample = head[:65536]
    if not sample:
        return False
    if b"\x00" in sample:
        return True
    control = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return control > len(sample) * 0.05


def decode(head: bytes, encoding: str) -> str:
    text = head.decode("utf-16" if encoding == "utf-16" else encoding, errors="replace")
    return text.lstrip("\ufeff")


def _sniff_delimiter(text: str) -> str:
    """The delimiter DuckDB's CSV sniffer finds in the file's first bytes, decoded.

    The sniffer is given those bytes, not the file: on a gzip file it decompresses far
    more than it needs. Quote and escape are the ones the file is read with; rows it
    cannot parse (a last line cut by the sniff window) are passed over.
    """
    with tempfile.TemporaryDirectory(prefix="nno-sniff-") as folder:
        sample = Path(folder) / "head.csv"
        sample.write_text(text, encoding="utf-8")
        with contextlib.closing(duckdb.connect()) as con:
            try:
                found = con.execute(
                    "select Delimiter from sniff_csv($path, header = true, quote = '\"', "
                    "escape = '\"', ignore_errors = true)",
                    {"path": str(sample)},
                ).fetchall()
            except duckdb.Error:  # nothing it could parse: one column, read as such
                return ","
    return found[0][0] if found else ","


def _header(text: str, delimiter: str) -> list[str]:
    try:
        first = next(csv.reader(io.StringIO(text), delimiter=delimiter))
    except (StopIteration, csv.Error):
        return []
    return unique_names(first)


def unique_names(raw_names: list[object]) -> list[str]:
    """Column names stripped of blanks and byte-order marks, made unique ("Date", "Date_2")."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(raw_names, start=1):
        name = str(raw).strip().lstrip("\ufeff").strip() or f"column_{i}"
        key = name.casefold()
        if key in seen:
            seen[key] += 1
            name = f"{name}_{seen[key]}"
        else:
            seen[key] = 1
        names.append(name)
    return names


def sniff(path: str | Path, options: ReadOptions | None = None) -> Sniffed:
    """Format, compression, encoding, delimiter and header of a file, from its first bytes."""
    path = Path(path)
    options = options or ReadOptions()
    if not path.exists():
        raise ReadError(f"{path}: no such file")
    if path.is_dir():
        if any(path.glob("*.shp")):
            return Sniffed("shapefile")
        raise unreadable(
            path, "is a folder, not a file (a folder is read only if it holds a shapefile)"
        )
    if path.stat().st_size == 0:
        raise unreadable(path, "is empty (0 bytes)")
    head = first_bytes(path)
    suffix = path.suffix.lower()
    fmt = options.format
    compression = None
    if fmt is None:
        if head.startswith(b"PAR1"):
            fmt = "parquet"
        elif head.startswith(b"PK\x03\x04"):
            fmt = _zip_kind(path)
        elif head.startswith(b"SQLite format 3\x00"):
            fmt = "gpkg"
        elif head.startswith(b"\x00\x00\x27\x0a") and suffix == ".shp":
            fmt = "shapefile"
        elif suffix in (".xlsx", ".xlsm"):
            raise unreadable(
                path, "has an Excel name but is not an Excel workbook (damaged or renamed?)"
            )
        elif suffix == ".parquet":
            raise unreadable(
                path, "has a Parquet name but is not a Parquet file (damaged or renamed?)"
            )
    if fmt in ("parquet", "xlsx", "gpkg", "shapefile"):
        return Sniffed(fmt)
    if head.startswith(b"\x1f\x8b"):
        compression = "gzip"
        head = gunzip_head(path)
        if not head.strip():
            raise unreadable(path, "is empty once decompressed")
    for magic, what in _BINARY_MAGIC:
        if head.startswith(magic):
            raise unreadable(path, f"is {what}, not a data file")
    encoding, notes = _text_encoding(head, path, options.encoding)
    if encoding != "utf-16" and _looks_binary(head):
        raise unreadable(path, "is a binary file, not text: is it the right file?")
    text = decode(head, encoding)
    if not text.strip():
        raise unreadable(path, "is empty (only blank space)")
    stripped = text.lstrip()
    if fmt is None and stripped[:1] in "[{":
        fmt = "json"
        opening = stripped[:5000].replace(" ", "")
        if stripped.startswith("{") and (
            '"FeatureCollection"' in opening or '"type":"Feature' in opening
        ):
            fmt = "geojson"
    if fmt is None and suffix in (".geojson",):
        fmt = "geojson"
    fmt = fmt or "csv"
    if fmt not in FORMATS:
        raise unreadable(path, f"format {fmt!r} is not supported (use one of {', '.join(FORMATS)})")
    if fmt != "csv":
        return Sniffed(fmt, compression=compression, encoding=encoding, notes=notes)
    delimiter = options.delimiter or _sniff_delimiter(text)
    if delimiter == "\\t":
        delimiter = "\t"
    header = _header(text, delimiter)
    if not header:
        raise unreadable(path, "has no header row")
    return Sniffed(fmt, compression, encoding, delimiter, header, notes)


def is_geo(path: str | Path, options: ReadOptions | None = None) -> bool:
    return sniff(path, options).format in GEO_FORMATS
