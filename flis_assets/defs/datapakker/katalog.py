"""The package catalogue: every data package a kommune can receive, and what it is made of.

The platform declares its own packages (`noegletal`, `datavalidering`: `platformens_pakker`); every
data area declares its own through its `Omraade.pakker` hook (`flis_assets/omraader/<navn>/`), a
function returning `Pakke`s. The platform names no area: `pakker.py` builds, subscribes and writes
whatever the catalogue holds, and `checks.py` generates the blocking checks from it, so an area's
new package is written and guarded without a change outside its folder.

A package is one or more tables (`Tabel`), one file pair each (`<tabel>.parquet`, `<tabel>.csv`).
A table is either the same for every kommune, or per recipient: its SELECT gives a `modtager`
column (the kommune that receives the row) and `ejere` names the columns saying whose rows they
are; the check `kun_egne_individer` fails a month where a row's `modtager` is none of them. A row
that belongs to two kommuner (a move from one kommune to another) is selected once per kommune
(`til_hver`), and both kommuner are its `ejere`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import dagster as dg

from flis_assets import omraader
from flis_assets.checks import validering
from flis_assets.checks.factory import Validator, failing_rows_validator
from flis_assets.defs.noegletal.diskretion import MIN_INDIVIDER

NAVN = re.compile(r"^[a-z][a-z0-9_]*$")  # a file name, a table name and an SQL literal alike
REGEL = re.compile(r"^[A-Z][A-Z0-9_]*$")
PLATFORMEN = "platformen"
# The platform's own tables in schema `datapakker`: no package table may take their names.
RESERVEREDE = frozenset({"abonnenter", "filer"})


@dataclass(frozen=True)
class Kontrol:
    """A blocking check of one month's package content: `sql` ($maaned; or a function giving it,
    generated from the catalogue when the check runs), then `validate` gives the failing rows
    (business keys and `regel`, never a CPR number)."""

    navn: str
    beskrivelse: str
    sql: str | Callable[[], str]
    validate: Validator = failing_rows_validator

    def forespoergsel(self) -> str:
        return self.sql() if callable(self.sql) else self.sql


@dataclass(frozen=True)
class Tabel:
    """One table of a package: `datapakker.<navn>` in DuckDB and `<navn>.parquet`/`.csv` in the folder.

    - `sql`: a SELECT of the periods `$fra`..`$til` with the column `periode` (not written to the file);
      a per-recipient table also gives `modtager` (not written either).
    - `orden`: the columns the rows are sorted by (every other column follows, so the order is total
      and the same rows always give the same bytes).
    - `ejere`: empty for a table that is the same for every kommune; else the table is per recipient,
      and these are the columns naming the kommuner whose rows they are (one, or two for a row
      between two kommuner): `kun_egne_individer` fails a row whose `modtager` is none of them.
      `noegle` (an SQL expression, never a CPR number) and `regel` name such a row in the check.
    - `individer`: the tables of the area's own data whose individuals (CPR numbers) the table lists;
      empty for a table without individuals. Its columns come from those tables alone, besides
      `modtager` and `egne_kolonner` (`ingen_koblede_individlister`). A table with individuals is per
      recipient.
    - `kommunekoder`: SQL expressions giving each kommunekode the table shows of a kommune (in rows
      where `kommuneraekker` holds); `kun_kendte_kommuner` fails one not in kommuner.csv.
    - `diskretion`: a SELECT of the month's ($maaned) rows showing a figure on fewer than five
      individuals, as (pakke, omraade, noegle, regel); joined into the check `diskretion`.
    """

    navn: str
    sql: str
    orden: str
    ejere: tuple[str, ...] = ()
    noegle: str = "NULL"
    regel: str = "ANDEN_KOMMUNES_RAEKKE"
    individer: tuple[str, ...] = ()
    egne_kolonner: tuple[str, ...] = ()
    kommunekoder: tuple[str, ...] = ()
    kommuneraekker: str = "true"
    diskretion: str | None = None

    @property
    def per_modtager(self) -> bool:
        return bool(self.ejere)


@dataclass(frozen=True)
class Pakke:
    """One data package (`outputs.md`).

    - `tabeller`: its tables, in the order they are listed.
    - `laeser`: the assets its SELECTs read, as `schema/tabel` (`datapakker/indhold` depends on them).
    - `kun_med_abonnement`: only to a kommune that subscribes to it in reference/abonnementer.csv;
      otherwise every default subscriber gets it.
    - `kommuner_i_data`: a SELECT (`periode`, `kommunekode`; `$fra`..`$til`) of the kommuner that have
      the area's data in a period. Without reference/abonnementer.csv, every kommune any package names
      so (and that is in kommuner.csv) gets every package not `kun_med_abonnement`.
    - `kontroller`: blocking checks of its own beside the catalogue's (`checks.py`).
    """

    navn: str
    tabeller: tuple[Tabel, ...]
    laeser: tuple[str, ...] = ()
    kun_med_abonnement: bool = False
    kommuner_i_data: str | None = None
    kontroller: tuple[Kontrol, ...] = ()
    beskrivelse: str = ""
    omraade: str = field(default=PLATFORMEN, compare=False)  # set by the catalogue: who declared it


def til_hver(sql: str, *kolonner: str) -> str:
    """`sql` (with `periode`) with each row once to every kommune its `kolonner` name: a move from
    one kommune to another goes to both, and only to them (then `ejere=kolonner`)."""
    return (f"SELECT periode, unnest(list_distinct([{', '.join(kolonner)}])) AS modtager, * EXCLUDE (periode) "
            f"FROM ({sql})")


class Katalogfejl(ValueError):
    """The packages the platform and the areas declare do not fit together."""


def pakker() -> tuple[Pakke, ...]:
    """Every package: the platform's, then each area's (`Omraade.pakker`), checked to fit together."""
    erklaeret = [(PLATFORMEN, "", p) for p in platformens_pakker()]
    for o in omraader.omraader():
        erklaeret += [(o.navn, o.praefiks, p) for p in o.pakker()]
    _kontroller(erklaeret)
    return tuple(replace(p, omraade=navn) for navn, _, p in erklaeret)


def _kontroller(erklaeret: list[tuple[str, str, Pakke]]) -> None:
    """Names unique across areas, valid and in the declaring area's prefix; the fields agree."""
    pakkenavne: dict[str, str] = {}
    tabelnavne: dict[str, str] = {}
    kontrolnavne: dict[str, str] = {}
    for omraade, praefiks, p in erklaeret:
        if not isinstance(p, Pakke):
            raise Katalogfejl(f"Dataområdet {omraade} erklærer en datapakke, der ikke er en Pakke: {p!r}")
        hvor = f"datapakken {p.navn} (erklæret af {omraade})"
        _navn(p.navn, hvor, praefiks)
        if p.navn in pakkenavne:
            raise Katalogfejl(f"Datapakken {p.navn} erklæres af både {pakkenavne[p.navn]} og {omraade}: "
                              "en datapakkes navn skal være entydigt på tværs af dataområderne")
        pakkenavne[p.navn] = omraade
        if not p.tabeller:
            raise Katalogfejl(f"Datapakken {p.navn} (erklæret af {omraade}) har ingen tabeller")
        for t in p.tabeller:
            _navn(t.navn, f"tabellen {t.navn} i {hvor}", praefiks)
            if t.navn in RESERVEREDE or t.navn in tabelnavne:
                ejer = tabelnavne.get(t.navn, "platformens egne tabeller")
                raise Katalogfejl(f"Tabellen {t.navn} i {hvor} findes også i {ejer}: hver tabel bliver filen "
                                  f"{t.navn}.parquet og tabellen datapakker.{t.navn}, så navnet skal være entydigt")
            tabelnavne[t.navn] = f"datapakken {p.navn} (erklæret af {omraade})"
            if t.individer and not t.ejere:
                raise Katalogfejl(f"Tabellen {t.navn} i {hvor} viser individer, men ikke hvis (ejere): en "
                                  "individtabel sendes kun til den kommune, individerne hører til")
            if not REGEL.match(t.regel):
                raise Katalogfejl(f"Tabellen {t.navn} i {hvor}: reglen {t.regel!r} skal skrives med A-Z, cifre og _")
            for kolonne in (*t.ejere, *t.egne_kolonner):
                if not NAVN.match(kolonne):
                    raise Katalogfejl(f"Tabellen {t.navn} i {hvor}: {kolonne!r} er ikke et kolonnenavn")
        for k in p.kontroller:
            if k.navn in kontrolnavne:
                raise Katalogfejl(f"Kontrollen {k.navn} i {hvor} findes også i {kontrolnavne[k.navn]}: "
                                  "en kontrols navn skal være entydigt")
            kontrolnavne[k.navn] = hvor


def _navn(navn: str, hvor: str, praefiks: str) -> None:
    if not NAVN.match(navn):
        raise Katalogfejl(f"Navnet på {hvor} må kun have små bogstaver a-z, cifre og _ (det bliver et filnavn "
                          "og et tabelnavn)")
    if praefiks and navn != praefiks and not navn.startswith(praefiks + "_"):
        raise Katalogfejl(f"Navnet på {hvor} skal begynde med områdets præfiks {praefiks}_, så to områders "
                          "datapakker aldrig får samme navn")


def pakke(navn: str, katalog: Sequence[Pakke] | None = None) -> Pakke:
    found = {p.navn: p for p in (katalog if katalog is not None else pakker())}
    if navn not in found:
        raise KeyError(f"Datapakken {navn} findes ikke; kendte datapakker: {', '.join(sorted(found))}")
    return found[navn]


def tabeller(katalog: Sequence[Pakke]) -> list[Tabel]:
    return [t for p in katalog for t in p.tabeller]


def laeser(katalog: Sequence[Pakke]) -> list[dg.AssetKey]:
    """What the packages read, in order, each once."""
    return [dg.AssetKey.from_user_string(k) for k in dict.fromkeys(k for p in katalog for k in p.laeser)]


def union(dele: Sequence[str], tom: str) -> str:
    """`dele` (SELECTs with the same columns) as one; `tom` (a SELECT of no rows) when there are none."""
    return "\nUNION ALL\n".join(f"SELECT * FROM ({d})" for d in dele) if dele else tom


# --- The platform's own packages ---------------------------------------------------------------

NOEGLETAL_SQL = "SELECT * FROM noegletal.kube WHERE periode BETWEEN $fra AND $til"
POPULATIONER_SQL = "SELECT * FROM noegletal.koblede_populationer WHERE periode BETWEEN $fra AND $til"
NOEGLETAL_DISKRETION_SQL = f"""
SELECT 'noegletal' AS pakke, omraade, noegletal_id AS noegle, 'FAERRE_END_{MIN_INDIVIDER}_INDIVIDER' AS regel
FROM datapakker.noegletal k LEFT JOIN kodelister.noegletal n USING (noegletal_id)
WHERE k.periode = $maaned AND coalesce(n.diskretion, true)
  AND (k.vaerdi IS NOT NULL OR k.taeller IS NOT NULL OR k.naevner IS NOT NULL OR k.individer IS NOT NULL)
  AND coalesce(k.individer, 0) < {MIN_INDIVIDER}
"""
POPULATIONER_DISKRETION_SQL = f"""
SELECT 'noegletal_populationer', omraade, noegletal_id || ':' || population, 'POPULATION_UNDER_{MIN_INDIVIDER}'
FROM datapakker.noegletal_populationer WHERE periode = $maaned AND diskretioneret AND antal IS NOT NULL
"""
# The kommune's own failing keys of every check and month (never a CPR number: `validering`).
DATAVALIDERING_SQL = f"""
SELECT maaned AS periode, kommunekode AS modtager, kommunekode, tjek, regel, noegle
FROM {validering.TABEL} WHERE maaned BETWEEN $fra AND $til AND kommunekode IS NOT NULL
"""


def platformens_pakker() -> list[Pakke]:
    """`noegletal` (every area's key figures and the linked figures' populations) and `datavalidering`."""
    from flis_assets.defs.noegletal.checks import angreb_beskrivelse, angreb_validator

    def angreb(tabel: str, navn: str, populationer: bool = False) -> Kontrol:
        """The attack of `diskretion.py` on one month of a package's cube (or populations) table."""
        return Kontrol(navn, angreb_beskrivelse(tabel, populationer),
                       f"SELECT * FROM {tabel} WHERE periode = $maaned", angreb_validator(populationer))

    kommune = dict(kommunekoder=("TRY_CAST(omraade AS INTEGER)",), kommuneraekker="niveau = 'kommune'")
    return [
        Pakke("noegletal",
              (Tabel("noegletal", NOEGLETAL_SQL, "niveau, omraade, noegletal_id", **kommune,
                     diskretion=NOEGLETAL_DISKRETION_SQL),
               Tabel("noegletal_populationer", POPULATIONER_SQL, "niveau, omraade, noegletal_id, population",
                     **kommune, diskretion=POPULATIONER_DISKRETION_SQL)),
              laeser=("noegletal/kube", "noegletal/koblede_populationer"),
              kontroller=(angreb("datapakker.noegletal", "noegletal_kan_ikke_udregnes"),
                          angreb("datapakker.noegletal_populationer", "populationer_kan_ikke_udregnes",
                                 populationer=True)),
              beskrivelse="nøgletalskuben for perioden, alle områder, med diskretion, og de koblede nøgletals "
              "populationer"),
        # Every kommune gets its own by default, as the steward validates by kommune.
        Pakke("datavalidering",
              (Tabel("datavalidering", DATAVALIDERING_SQL, "tjek, regel, noegle", ejere=("kommunekode",),
                     noegle="tjek", regel="ANDEN_KOMMUNES_FEJL"),),
              beskrivelse="kommunens egne fejlende nøgler i FLIS' kontroller pr. måned"),
    ]
