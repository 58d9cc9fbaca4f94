"""Reading one delivery file: name, encoding, line shape and field types, per sources.md.

A file is landed whole or not at all. Anything wrong with it raises `Karantaene` with the line
and a reason an analyst can act on; the caller records it in `raadata.leverancer` and moves on.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import polars as pl

from flis_assets import kodelister
from flis_assets.snitflader import Kilde, felttype_beskrivelse

FILNAVN = re.compile(
    r"^(?P<praefiks>[A-Z]+)_(?P<kommunekode>[0-9]{3})_(?P<fagsystem>[A-Z0-9]+)_"
    r"(?P<leverancetype>[A-Z]+)_(?P<leverancedato>[0-9]{8})\.csv$"
)
LANDSDAEKKENDE = 0  # kommunekode 000: a national delivery (CPR)


class Karantaene(Exception):
    """The file cannot be landed. `linje` is the 1-based line number, when one is to blame."""

    def __init__(self, aarsag: str, linje: int | None = None):
        super().__init__(aarsag)
        self.aarsag = aarsag
        self.linje = linje

    def __str__(self) -> str:
        return f"linje {self.linje}: {self.aarsag}" if self.linje else self.aarsag


@dataclass(frozen=True)
class Filnavn:
    kommunekode: int
    fagsystem: str
    leverancetype: str
    leverancedato: date


def parse_filnavn(name: str, kilde: Kilde) -> Filnavn:
    m = FILNAVN.match(name)
    if not m:
        raise Karantaene(
            f"filnavnet følger ikke snitfladen "
            f"{kilde.praefiks}_<kommunekode>_<fagsystem>_<leverancetype>_<ÅÅÅÅMMDD>.csv"
        )
    if m["praefiks"] != kilde.praefiks:
        raise Karantaene(f"filnavnet begynder med {m['praefiks']}, men mappen er til {kilde.praefiks}")
    kode = int(m["kommunekode"])
    if kilde.kilde == "cpr":
        if kode != LANDSDAEKKENDE:
            raise Karantaene(f"CPR-udtrækket er landsdækkende og skal have kommunekode 000, ikke {m['kommunekode']}")
    elif kode not in kodelister.kommunekoder():
        raise Karantaene(f"kommunekode {m['kommunekode']} er ikke en af de 98 kommuner")
    if kilde.fagsystemer and m["fagsystem"] not in kilde.fagsystemer:
        raise Karantaene(
            f"fagsystem {m['fagsystem']} er ikke tilladt for {kilde.kilde} "
            f"(tilladt: {', '.join(kilde.fagsystemer)})"
        )
    if m["leverancetype"] != "FULD":
        if m["leverancetype"] == "AENDRING":
            raise Karantaene("AENDRING-leverancer (kun ændringer) modtages endnu ikke; send en FULD leverance")
        raise Karantaene(f"leverancetype {m['leverancetype']} er ukendt (FULD eller AENDRING)")
    try:
        leverancedato = datetime.strptime(m["leverancedato"], "%Y%m%d").date()
    except ValueError:
        raise Karantaene(f"leverancedatoen {m['leverancedato']} i filnavnet er ikke en gyldig dato") from None
    return Filnavn(kode, m["fagsystem"], m["leverancetype"], leverancedato)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _first(frame: pl.DataFrame, mask: pl.Expr) -> dict | None:
    bad = frame.filter(mask).head(1)
    return bad.row(0, named=True) if bad.height else None


def parse_linjer(data: bytes, kilde: Kilde) -> pl.DataFrame:
    """The file's lines as text fields `felt_1..felt_n` with `linjenr`, or `Karantaene`."""
    try:
        text = data.decode(kilde.encoding)
    except UnicodeDecodeError as e:
        linje = data.count(b"\n", 0, e.start) + 1
        raise Karantaene(
            f"filen kan ikke læses som {kilde.encoding}: byte 0x{data[e.start]:02X} er ugyldig", linje
        ) from None
    if not text:
        raise Karantaene("filen er tom: en FULD leverance skal indeholde hele bestanden")
    # The last line may lack its line end; lines may end in \r\n.
    if text.endswith("\n"):
        text = text[:-1]
    n = kilde.antal_felter
    frame = (
        pl.DataFrame({"linje": [text]})
        .select(pl.col("linje").str.split("\n"))
        .explode("linje")
        .with_row_index("linjenr", offset=1)
        .with_columns(pl.col("linjenr").cast(pl.Int64), pl.col("linje").str.strip_suffix("\r"))
    )
    bad = _first(frame, pl.col("linje").str.count_matches(";", literal=True) != n - 1)
    if bad:
        if not bad["linje"]:
            raise Karantaene(f"linjen er tom, men snitfladen for {kilde.kilde} har {n} felter", bad["linjenr"])
        raise Karantaene(
            f"linjen har {bad['linje'].count(';') + 1} felter, men snitfladen for {kilde.kilde} har {n}",
            bad["linjenr"],
        )
    felter = [f"felt_{i}" for i in range(1, n + 1)]
    frame = frame.select(
        "linjenr",
        pl.col("linje").str.split_exact(";", n - 1).struct.rename_fields(felter).alias("f"),
    ).unnest("f")
    for i, felt in enumerate(kilde.felter, start=1):
        col = pl.col(f"felt_{i}")
        if felt.regex:
            wrong = ~col.str.contains(felt.regex)
            if felt.sql_type == "DATE":  # the pattern admits 20230231; the calendar does not
                fmt = "%Y%m%d" if felt.felttype.startswith("dato") else "%Y%m"
                value = col if fmt == "%Y%m%d" else col + "01"
                wrong = wrong | ((col != "") & value.str.strptime(pl.Date, "%Y%m%d", strict=False).is_null())
            bad = _first(frame, wrong)
            if bad:
                raise Karantaene(
                    f"felt {i} ({felt.navn}) er {_vist(felt, bad[f'felt_{i}'])}, "
                    f"men skal være {felttype_beskrivelse(felt.felttype)}",
                    bad["linjenr"],
                )
    return frame


def _vist(felt, value: str) -> str:
    """A wrong value as the quarantine reason shows it: a CPR number never leaves the kommune's data
    (the reason reaches logs, check metadata and the UI), so only its length is told."""
    if felt.felttype == "cpr":
        return f"{len(value)} tegn" + ("" if value.isdigit() else " med andet end cifre")
    return f"'{value}'"


def relativ_sti(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def diagnose(data: bytes, kilde: Kilde, detail: str) -> Karantaene:
    """The fast reader found a problem: let the line-by-line parser name the line and reason."""
    try:
        parse_linjer(data, kilde)
    except Karantaene as k:
        return k
    return Karantaene(f"filen kunne ikke læses: {detail.splitlines()[0]}")


def precheck(data: bytes, kilde: Kilde) -> None:
    """What DuckDB's reader would not notice: encoding, an empty file, blank lines."""
    try:
        data.decode(kilde.encoding)
    except UnicodeDecodeError:
        raise diagnose(data, kilde, "afkodning") from None
    if not data:
        raise Karantaene("filen er tom: en FULD leverance skal indeholde hele bestanden")
    if b"\n\n" in data or b"\n\r\n" in data or data.startswith((b"\n", b"\r\n")):
        raise diagnose(data, kilde, "tom linje")  # DuckDB would skip it silently


def line_count(data: bytes) -> int:
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def stage_many(con, paths: list[Path], kilde: Kilde, staging: str) -> None:
    """Read delivery files into the temporary table `staging` in one parallel pass: felt_1..n
    as text and `filename`. Rows keep file order (insertion order), so within a file
    rowid - its first rowid + 1 is the line number. Raises duckdb.Error if any file has lines
    of the wrong width; the caller then stages file by file to find it."""
    n = kilde.antal_felter
    cols = ", ".join(f"'felt_{i}': 'VARCHAR'" for i in range(1, n + 1))
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {staging} AS SELECT * FROM read_csv(
            ?, delim = ';', header = false, quote = '', escape = '', columns = {{{cols}}},
            strict_mode = true, null_padding = false, auto_detect = false, filename = true,
            force_not_null = [{", ".join(f"'felt_{i}'" for i in range(1, n + 1))}])""",
        [[str(p) for p in paths]],
    )


def invalid_files(con, kilde: Kilde, staging: str) -> set[str]:
    """Files (by `filename`) with a value that breaks its field type, in one pass."""
    tests = []
    for i, felt in enumerate(kilde.felter, start=1):
        if not felt.regex:
            continue
        test = f"NOT regexp_matches(felt_{i}, '{felt.regex}')"
        if felt.sql_type != "VARCHAR":  # the pattern admits 20230231 and 99999999999; the type does not
            test += f" OR (felt_{i} <> '' AND TRY({felt.typed_sql(f'felt_{i}')}) IS NULL)"
        tests.append(f"({test})")
    if not tests:
        return set()
    return {f for (f,) in con.execute(
        f"SELECT filename FROM {staging} GROUP BY filename HAVING bool_or({' OR '.join(tests)})").fetchall()}


def transcoded(data: bytes, kilde: Kilde) -> Path:
    """A UTF-8 copy of a file in another encoding, for DuckDB's reader."""
    tmp = tempfile.NamedTemporaryFile(suffix=".csv", delete=False)
    tmp.write(data.decode(kilde.encoding).encode("utf-8"))
    tmp.close()
    return Path(tmp.name)
