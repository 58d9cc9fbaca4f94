"""Reading one delivery file: name, encoding, line shape and field types, per sources.md.

A file is landed whole or not at all. Anything wrong with it raises `Karantaene` with the line
and a reason an analyst can act on; the caller records it in `raadata.leverancer` and moves on.

A leading UTF-8 byte order mark (Excel's "CSV UTF-8" writes one) is not content: the lines are
read without it, so no first field starts with U+FEFF. The file itself is never changed, and
`sha256` stays the hash of the bytes as delivered, BOM included: it identifies the very file in
`incoming/` (the same content sent once with and once without a BOM is two contents, each landed).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from flis_assets import kodelister
from flis_assets.resources import arrow
from flis_assets.snitflader import Felt, Kilde, felttype_beskrivelse

FILNAVN = re.compile(
    r"^(?P<praefiks>[A-Z]+)_(?P<kommunekode>[0-9]{3})_(?P<fagsystem>[A-Z0-9]+)_"
    r"(?P<leverancetype>[A-Z]+)_(?P<leverancedato>[0-9]{8})\.csv$"
)
LANDSDAEKKENDE = 0  # kommunekode 000: a national delivery (CPR)
BOM = b"\xef\xbb\xbf"  # UTF-8's byte order mark
VIST_HOEJST = 40  # characters of a wrong value a reason shows: a reason is read, not a copy of the file


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


def ugyldig_sql(felt: Felt, col: str) -> str | None:
    """SQL that is true where a value breaks its field type: its pattern, or the type DSA turns it
    into (the pattern admits 20230231 and 99999999999; the calendar and INTEGER do not).
    None when any text is valid. The one test of a value, for the fast path and the diagnosis."""
    if not felt.regex:
        return None
    test = f"NOT regexp_matches({col}, '{felt.regex}')"
    if felt.sql_type != "VARCHAR":
        test += f" OR ({col} <> '' AND TRY({felt.typed_sql(col)}) IS NULL)"
    return f"({test})"


def uden_bom(data: bytes) -> bytes:
    """The file's content: its bytes without a leading UTF-8 BOM (for every source: in a
    Windows-1252 file these three bytes would be "ï»¿", never a valid value)."""
    return data.removeprefix(BOM)


def parse_linjer(data: bytes, kilde: Kilde) -> pl.DataFrame:
    """The file's lines as text fields `felt_1..felt_n` with `linjenr`, or `Karantaene` naming the
    first wrong line and why. Line by line: the slow path that explains what the fast one found."""
    data = uden_bom(data)
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
    bad = frame.filter(pl.col("linje").str.count_matches(";", literal=True) != n - 1).head(1)
    if bad.height:
        linjenr, linje = bad.row(0)
        if not linje:
            raise Karantaene(f"linjen er tom, men snitfladen for {kilde.kilde} har {n} felter", linjenr)
        raise Karantaene(f"linjen har {linje.count(';') + 1} felter, men snitfladen for {kilde.kilde} har {n}", linjenr)
    felter = [f"felt_{i}" for i in range(1, n + 1)]
    frame = frame.select(
        "linjenr",
        pl.col("linje").str.split_exact(";", n - 1).struct.rename_fields(felter).alias("f"),
    ).unnest("f")
    if "\x00" in text:  # a NUL is text to polars and DuckDB, but breaks whatever reads the packages
        nul = frame.select("linjenr", *(pl.col(f).str.contains("\x00", literal=True) for f in felter))
        linjenr, *har_nul = nul.filter(pl.any_horizontal(felter)).row(0)
        i = har_nul.index(True) + 1
        raise Karantaene(f"felt {i} ({kilde.felter[i - 1].navn}) indeholder et NUL-tegn (byte 0x00), "
                         "som ikke må forekomme i en leverance", linjenr)
    tests = {i: t for i, felt in enumerate(kilde.felter, start=1) if (t := ugyldig_sql(felt, f"felt_{i}"))}
    if tests:
        with duckdb.connect() as con:  # in memory: the fast path's own tests, line by line
            con.register("linjer", arrow(frame))
            row = con.execute(
                f"SELECT linjenr, {', '.join(tests.values())} FROM linjer "
                f"WHERE {' OR '.join(tests.values())} ORDER BY linjenr LIMIT 1").fetchone()
        if row:
            i = next(i for i, wrong in zip(tests, row[1:]) if wrong)
            felt = kilde.felter[i - 1]
            raise Karantaene(
                f"felt {i} ({felt.navn}) er {_vist(felt, frame[f'felt_{i}'][row[0] - 1])}, "
                f"men skal være {felttype_beskrivelse(felt.felttype)}",
                row[0],
            )
    if kilde.unik_noegle:
        raise_dublet(frame, kilde)
    return frame


def _noegle(kilde: Kilde) -> pl.Expr:
    """The line's unique key (`unik_noegle`) as one expression."""
    cols = [f"felt_{f.nr}" for f in kilde.unik_noegle]
    return pl.col(cols[0]) if len(cols) == 1 else pl.struct(cols)


def raise_dublet(frame: pl.DataFrame, kilde: Kilde) -> None:
    """`Karantaene` at the first line whose key an earlier line of the file already has: a
    repeated line would be counted twice, and the blocking checks after it stop every kommune."""
    dubletter = (frame.filter(_noegle(kilde).is_duplicated())
                 .with_columns(foerste=pl.col("linjenr").min().over(_noegle(kilde)))
                 .filter(pl.col("linjenr") != pl.col("foerste")))
    if not dubletter.height:
        return
    linje = dubletter.sort("linjenr").row(0, named=True)
    noegle = ", ".join(f"{f.navn} {_vist(f, linje[f'felt_{f.nr}'])}" for f in kilde.unik_noegle)
    navne = " og ".join(f.navn for f in kilde.unik_noegle)
    unik = "unik" if len(kilde.unik_noegle) == 1 else "unikke tilsammen"
    raise Karantaene(
        f"{noegle} står både i linje {linje['foerste']} og linje {linje['linjenr']}, men {navne} skal være "
        f"{unik} i en leverance (snitfladen for {kilde.kilde})",
        linje["linjenr"],
    )


def filer_med_dubletter(frame: pl.DataFrame, kilde: Kilde) -> set[int]:
    """The files (`fil_nr`) of `laes`' frame in which two lines share their unique key, in one
    pass: fewer distinct keys than lines."""
    if not kilde.unik_noegle:
        return set()
    per_fil = frame.group_by("fil_nr").agg(dublet=_noegle(kilde).n_unique() < pl.len())
    return set(per_fil.filter("dublet")["fil_nr"].to_list())


def _vist(felt, value: str) -> str:
    """A wrong value as the quarantine reason shows it: a CPR number never leaves the kommune's data
    (the reason reaches logs, check metadata and the UI), so only its length is told."""
    if felt.felttype == "cpr":
        return f"{len(value)} tegn" + ("" if value.isdigit() else " med andet end cifre")
    if len(value) > VIST_HOEJST:
        return f"'{value[:VIST_HOEJST]}…' ({len(value)} tegn)"
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


def utf8(data: bytes, kilde: Kilde) -> bytes:
    """The file as UTF-8 ending in a line end, for the fast reader; `Karantaene` for what that
    reader would not notice: an encoding error, an empty file, a blank line (it would skip it), a
    NUL byte. Without a leading BOM (`uden_bom`)."""
    indhold = uden_bom(data)
    try:
        text = indhold.decode(kilde.encoding)
    except UnicodeDecodeError:
        raise diagnose(data, kilde, "afkodning") from None
    if not indhold:
        raise Karantaene("filen er tom: en FULD leverance skal indeholde hele bestanden")
    if b"\n\n" in indhold or b"\n\r\n" in indhold or indhold.startswith((b"\n", b"\r\n")):
        raise diagnose(data, kilde, "tom linje")
    if b"\x00" in indhold:
        raise diagnose(data, kilde, "NUL-tegn")
    out = indhold if kilde.encoding == "utf-8" or indhold.isascii() else text.encode()
    return out if out.endswith(b"\n") else out + b"\n"


def line_count(data: bytes) -> int:
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def bredde_passer(data: bytes, linjer: int, kilde: Kilde) -> bool:
    """Every line can have the interface's width: the file holds exactly lines x (fields - 1)
    separators. (A line too wide evened out by a short one is caught by the reader.)"""
    return data.count(b";") == linjer * (kilde.antal_felter - 1)


def laes(filer: list[bytes], kilde: Kilde) -> pl.DataFrame:
    """Fast path: many files' lines (`utf8` output) in one parallel parse: `fil_nr` (index into
    `filer`), `linjenr` and felt_1..n as text. Raises polars' error on a line with too many fields;
    the caller checks line counts and values."""
    n = kilde.antal_felter
    frame = pl.read_csv(
        b"".join(filer), has_header=False, separator=";", quote_char=None, empty_string_is_null=False,
        schema={f"felt_{i}": pl.String for i in range(1, n + 1)},
    )
    counts = pl.Series([d.count(b"\n") for d in filer], dtype=pl.UInt32)
    if frame.height != counts.sum():
        raise pl.exceptions.ShapeError(f"{frame.height} linjer læst, {counts.sum()} ventet")
    fil_nr = pl.int_range(len(filer), dtype=pl.Int32, eager=True).repeat_by(counts).explode()
    return frame.with_columns(fil_nr=fil_nr).select(
        "fil_nr", linjenr=pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("fil_nr"), *frame.columns)


def forkerte_filer(con, kilde: Kilde, table: str) -> set[int]:
    """The files (`fil_nr`) in `table` with a value that breaks its field type, in one pass."""
    tests = [t for i, felt in enumerate(kilde.felter, start=1) if (t := ugyldig_sql(felt, f"felt_{i}"))]
    if not tests:
        return set()
    return {f for (f,) in con.execute(f"SELECT DISTINCT fil_nr FROM {table} WHERE {' OR '.join(tests)}").fetchall()}
