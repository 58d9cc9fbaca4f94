"""The interface descriptions (snitfladebeskrivelser) of sources.md, as data.

`kilder.csv` names each source, its file prefix, encoding and the fields no two lines of a delivery
may share (`unik_noegle`, comma-separated; empty when sources.md names no such key);
`felter.csv` its fields in order;
`felttyper.csv` what each field type must look like in the file and its SQL type in DSA.
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


def _read(name: str) -> pl.DataFrame:
    return pl.read_csv(
        (resources.files(__package__) / f"{name}.csv").read_bytes(),
        separator=";",
        infer_schema=False,
    ).fill_null("")


@cache
def kilder() -> dict[str, Kilde]:
    typer = _felttyper()
    felter = _read("felter").with_columns(pl.col("nr").cast(pl.Int32)).sort("kilde", "nr")
    result = {}
    for k in _read("kilder").iter_rows(named=True):
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
        result[k["kilde"]] = Kilde(
            kilde=k["kilde"],
            praefiks=k["praefiks"],
            encoding=k["encoding"],
            fagsystemer=tuple(s for s in k["fagsystemer"].split(",") if s),
            beskrivelse=k["beskrivelse"],
            felter=fs,
            unik_noegle=tuple(navne[n] for n in k["unik_noegle"].split(",") if n),
        )
    return result


def kilde(navn: str) -> Kilde:
    return kilder()[navn]


@cache
def _felttyper() -> dict[str, dict[str, str]]:
    return {r["felttype"]: r for r in _read("felttyper").iter_rows(named=True)}


def felttype_beskrivelse(felttype: str) -> str:
    return _felttyper()[felttype]["beskrivelse"]
