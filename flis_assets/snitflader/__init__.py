"""The interface descriptions (snitfladebeskrivelser) of every source, as data.

Each data area describes its own sources in its folder (`flis_assets/omraader/<navn>/`):
`kilder.csv` names each source, its file prefix, encoding, the fields no two lines of a delivery
may share (`unik_noegle`, comma-separated; empty when the spec names no such key; also the line's
id of an `interval` source), how a change of its stock maps to statistical periods
(`aendringstype`: interval, periode, maaned or register; `dsa/aendrede_perioder.py`) and, for an
interval source whose harmonisation compares a citizen's lines with each other, the field naming
the citizen (`borger`); optionally, for an interval source whose line belongs to periods from before
its startdato, the date fields it belongs from (`gyldig_fra`, comma-separated: the earliest given
counts; empty = startdato), and how its DSA stock is chosen (`bestand`: `systemskifte` for the
systemskifte rules, `dsa/systemskifte.py`; empty = the area's own); `felter.csv` its fields in order.
`felttyper.csv` (here, and an area's own beside its sources) says what each field type must look
like in the file and its SQL type in DSA.
The landing, DSA and the generator all read the formats from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import polars as pl


@dataclass(frozen=True)
class Felt:
    nr: int
    navn: str
    felttype: str
    regex: str | None  # None: any text is valid
    sql_type: str
    sql_udtryk: str  # SQL turning the landed text `{v}` (NULL when empty) into sql_type

    def typed_sql(self, column: str) -> str:
        return self.sql_udtryk.format(v=f"nullif({column}, '')")


@dataclass(frozen=True)
class Kilde:
    kilde: str
    praefiks: str
    encoding: str
    fagsystemer: tuple[str, ...]  # empty: any [A-Z0-9]+
    beskrivelse: str
    felter: tuple[Felt, ...]
    unik_noegle: tuple[Felt, ...] = ()  # no two lines of one delivery may share these values
    omraade: str = ""  # the area whose folder describes it
    aendringstype: str = ""  # interval, periode, maaned or register (dsa/aendrede_perioder.py)
    borger: str | None = None  # interval sources: the field naming the citizen, when lines are compared
    gyldig_fra: tuple[str, ...] = ("startdato",)  # interval sources: a line belongs to periods from the earliest
    bestand: str = ""  # systemskifte: the DSA stock by the systemskifte rules (dsa/systemskifte.py)

    @property
    def antal_felter(self) -> int:
        return len(self.felter)

    def felt(self, navn: str) -> Felt:
        return next(f for f in self.felter if f.navn == navn)

    def typed_select(self, alias: str = "") -> str:
        """SELECT list turning a rådata row's `felt_i` into the interface's named, typed fields."""
        prefix = f"{alias}." if alias else ""
        return ",\n".join(
            f"{f.typed_sql(f'{prefix}felt_{f.nr}')} AS {f.navn}" for f in self.felter
        )

    def ddl_columns(self) -> str:
        return ",\n".join(f"{f.navn} {f.sql_type}" for f in self.felter)


AENDRINGSTYPER = ("interval", "periode", "maaned", "register")


def _read_bytes(data: bytes) -> pl.DataFrame:
    return pl.read_csv(data, separator=";", infer_schema=False).fill_null("")


def _read(name: str) -> pl.DataFrame:
    return _read_bytes((resources.files(__package__) / f"{name}.csv").read_bytes())


def _omraadernes(name: str) -> list[tuple[str, pl.DataFrame]]:
    """Each area's own `name.csv`, with the area's name."""
    from flis_assets import omraader

    return [(m.name, _read_bytes((m / f"{name}.csv").read_bytes()))
            for m in omraader.mapper() if (m / f"{name}.csv").exists()]


@cache
def kilder() -> dict[str, Kilde]:
    typer = _felttyper()
    alle_felter = [f for _, f in _omraadernes("felter")]
    felter = (pl.concat(alle_felter) if alle_felter else _read_bytes(b"kilde;nr;felt;felttype;beskrivelse\n")
              ).with_columns(pl.col("nr").cast(pl.Int32)).sort("kilde", "nr")
    result = {}
    for omraade, k in ((o, k) for o, rows in _omraadernes("kilder") for k in rows.iter_rows(named=True)):
        if k["kilde"] in result:
            raise ValueError(f"kilder.csv: kilden {k['kilde']} beskrives af både {result[k['kilde']].omraade} "
                             f"og {omraade}")
        if k["aendringstype"] not in AENDRINGSTYPER:
            raise ValueError(f"omraader/{omraade}/kilder.csv: aendringstype for {k['kilde']} skal være en af "
                             f"{', '.join(AENDRINGSTYPER)}, ikke '{k['aendringstype']}'")
        fs = tuple(
            Felt(
                nr=r["nr"],
                navn=r["felt"],
                felttype=r["felttype"],
                regex=typer[r["felttype"]]["regex"] or None,
                sql_type=typer[r["felttype"]]["sql_type"],
                sql_udtryk=typer[r["felttype"]]["sql_udtryk"],
            )
            for r in felter.filter(pl.col("kilde") == k["kilde"]).iter_rows(named=True)
        )
        navne = {f.navn: f for f in fs}
        if ukendte := [n for n in k["unik_noegle"].split(",") if n and n not in navne]:
            raise ValueError(f"kilder.csv: unik_noegle for {k['kilde']} nævner ukendte felter {ukendte}")
        # optional columns: an area's kilder.csv without them keeps the defaults
        gyldig_fra = tuple(n for n in k.get("gyldig_fra", "").split(",") if n) or ("startdato",)
        if k["aendringstype"] == "interval" and (ukendte := [n for n in gyldig_fra if n not in navne]):
            raise ValueError(f"omraader/{omraade}/kilder.csv: gyldig_fra for {k['kilde']} nævner ukendte felter {ukendte}")
        if k.get("bestand", "") not in ("", "systemskifte"):
            raise ValueError(f"omraader/{omraade}/kilder.csv: bestand for {k['kilde']} skal være tom eller "
                             f"systemskifte, ikke '{k['bestand']}'")
        result[k["kilde"]] = Kilde(
            kilde=k["kilde"],
            praefiks=k["praefiks"],
            encoding=k["encoding"],
            fagsystemer=tuple(s for s in k["fagsystemer"].split(",") if s),
            beskrivelse=k["beskrivelse"],
            felter=fs,
            unik_noegle=tuple(navne[n] for n in k["unik_noegle"].split(",") if n),
            omraade=omraade,
            aendringstype=k["aendringstype"],
            borger=k["borger"] or None,
            gyldig_fra=gyldig_fra,
            bestand=k.get("bestand", ""),
        )
        if k["aendringstype"] == "interval" and len(result[k["kilde"]].unik_noegle) != 1:
            raise ValueError(f"omraader/{omraade}/kilder.csv: intervalkilden {k['kilde']} skal have ét "
                             "linje-id i unik_noegle")
    return result


def kilde(navn: str) -> Kilde:
    return kilder()[navn]


@cache
def _felttyper() -> dict[str, dict[str, str]]:
    rows = [_read("felttyper"), *(f for _, f in _omraadernes("felttyper"))]
    return {r["felttype"]: r for frame in rows for r in frame.iter_rows(named=True)}


def felttype_beskrivelse(felttype: str) -> str:
    return _felttyper()[felttype]["beskrivelse"]
