"""Code lists and rule tables as data: one CSV per table, read here and nowhere else.

The CSV files are the single place each fact lives; SQL sees them as DuckDB tables in the
`kodelister` schema (see `flis_assets.resources.load_kodelister`). The platform's lists (the
kommuner, the one rule table of every area, ...) live here; an area's own lists live in its
folder, `flis_assets/omraader/<navn>/kodelister/<praefiks>_*.csv`, named with the area's prefix
so two areas' codes never collide (an area list's columns of only `true`/`false` are BOOLEAN).

Every column is text unless typed: the platform's lists in `_SCHEMAS`, an area's lists in its own
`kodelister/typer.csv` (`liste;kolonne;type`, one row per typed column; `type` is `heltal`
(INTEGER), `decimaltal` (DOUBLE) or `ja_nej` (BOOLEAN, from `true`/`false`)). Types are declared,
not guessed from the values: a code such as `01` or `1.1` must stay the text it is.

A few lists are made by every data area (`_FRA_OMRAADER`): each area writes its own rows in
`flis_assets/omraader/<navn>/<list>.csv`, and the list is their concatenation, with the area's
name in `dataomraade` (`omraade` is the cube's kommune, region or Danmark). Such a row may be the
same as another area's (`henviser_til` its key): it then names only itself and takes the rest
from the row it refers to (one definition per fact).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import polars as pl

_SCHEMAS: dict[str, dict[str, type[pl.DataType] | pl.DataType]] = {
    "kommuner": {"kommunekode": pl.Int32, "indbyggere_ca": pl.Int64},
    "noegletal": {"faktor": pl.Float64, "diskretion": pl.Boolean, "kun_kommuner_med_begge": pl.Boolean},
    "koblede_noegletal": {"faktor": pl.Float64},
}

# The types an area's `kodelister/typer.csv` may give a column.
_OMRAADETYPER: dict[str, type[pl.DataType]] = {"heltal": pl.Int32, "decimaltal": pl.Float64, "ja_nej": pl.Boolean}
_TYPEFIL = "typer.csv"
_TYPEHOVED = ["liste", "kolonne", "type"]



@dataclass(frozen=True)
class _Samlet:
    noegle: str  # the key column, unique over every area
    henviser: str  # a row's reference to another row's key, or empty
    egne: tuple[str, ...]  # the columns a referring row keeps its own (besides key and reference)


# The lists each area contributes to in its own folder.
_FRA_OMRAADER = {"noegletal": _Samlet("noegletal_id", "henviser_til", ("navn",)),
                 "plausibilitet": _Samlet("maal", "henviser_til", ())}  # defs/datamart/plausibilitet.py

# kommuner.csv is the customer's reference file, copied as it is (comma-separated).
_SEPARATORS = {"kommuner": ","}


def names() -> list[str]:
    """Every code list shipped with the project: the platform's, every area's, and those every area adds to."""
    return sorted(_stier().keys() | _FRA_OMRAADER.keys())


@cache
def _stier() -> dict[str, Path]:
    """Each code list's file, by name; an area's list must carry the area's prefix."""
    from flis_assets import omraader

    stier = {p.name.removesuffix(".csv"): Path(str(p)) for p in resources.files(__package__).iterdir()
             if p.name.endswith(".csv")}
    for o in omraader.omraader():
        for p in sorted((o.mappe / "kodelister").glob("*.csv")):
            if p.name == _TYPEFIL:  # the lists' column types, no list
                continue
            navn = p.name.removesuffix(".csv")
            if not navn.startswith(f"{o.praefiks}_"):
                raise ValueError(f"Kodelisten {p} skal hedde {o.praefiks}_…: et områdes kodelister bærer "
                                 "områdets præfiks, så to områders koder aldrig støder sammen")
            if navn in stier or navn in _FRA_OMRAADER:
                raise ValueError(f"Kodelisten {navn} findes to steder: {stier.get(navn, 'alle områder')} og {p}")
            stier[navn] = p
    return stier


@cache
def _typer() -> dict[str, dict[str, tuple[type[pl.DataType], str]]]:
    """Each area list's declared column types (`kodelister/typer.csv`), with where each is declared."""
    from flis_assets import omraader

    stier = _stier()
    typer: dict[str, dict[str, tuple[type[pl.DataType], str]]] = {}
    for o in omraader.omraader():
        p = o.mappe / "kodelister" / _TYPEFIL
        if not p.exists():
            continue
        frame = pl.read_csv(p, separator=";", infer_schema=False)
        if frame.columns != _TYPEHOVED:
            raise ValueError(f"{p}, linje 1: overskriften skal være {';'.join(_TYPEHOVED)}")
        for linje, (liste, kolonne, type_) in enumerate(frame.iter_rows(), start=2):
            hvor = f"{p}, linje {linje}"
            if liste not in stier or stier[liste].parent != p.parent:
                raise ValueError(f"{hvor}: kodelisten {liste} findes ikke i {p.parent}")
            if type_ not in _OMRAADETYPER:
                raise ValueError(f"{hvor}: typen {type_} kendes ikke; brug {', '.join(_OMRAADETYPER)}")
            if kolonne in typer.setdefault(liste, {}):
                raise ValueError(f"{hvor}: {liste}.{kolonne} har allerede en type ({typer[liste][kolonne][1]})")
            typer[liste][kolonne] = (_OMRAADETYPER[type_], hvor)
    return typer


@cache
def load(name: str) -> pl.DataFrame:
    """One code list as a polars frame, typed where the type matters."""
    overrides = dict(_SCHEMAS.get(name, {}))
    if name in _FRA_OMRAADER:
        frame = _fra_omraader(name, _FRA_OMRAADER[name])
    else:
        path = _stier()[name]
        frame = pl.read_csv(path.read_bytes(), separator=_SEPARATORS.get(name, ";"), infer_schema=False)
        if path.parent != Path(__file__).parent:  # an area's list: its yes/no columns as BOOLEAN
            for kolonne, (dtype, hvor) in _typer().get(name, {}).items():
                if kolonne not in frame.columns:
                    raise ValueError(f"{hvor}: kodelisten {name} har ingen kolonne {kolonne}")
                _tjek_type(path, frame, kolonne, dtype)
                overrides[kolonne] = dtype
            frame = frame.with_columns(pl.col(c) == "true" for c in frame.columns
                                       if c not in overrides and frame[c].len()
                                       and frame[c].is_in(["true", "false"]).all())
    return frame.with_columns(
        [
            (pl.col(c) == "true") if dtype == pl.Boolean else pl.col(c).cast(dtype)
            for c, dtype in overrides.items()
        ]
    )


def _tjek_type(path: Path, frame: pl.DataFrame, kolonne: str, dtype: type[pl.DataType]) -> None:
    """A declared column's values must be of its type (empty is allowed): else the file and line."""
    vaerdier = pl.col(kolonne)
    gyldig = vaerdier.is_in(["true", "false"]) if dtype == pl.Boolean else vaerdier.cast(dtype, strict=False).is_not_null()
    forkerte = frame.with_row_index("linje", offset=2).filter(vaerdier.is_not_null() & ~gyldig)
    if forkerte.height:
        linje, vaerdi = forkerte.row(0, named=True)["linje"], forkerte.row(0, named=True)[kolonne]
        navn = next(n for n, t in _OMRAADETYPER.items() if t == dtype)
        raise ValueError(f"{path}, linje {linje}: {kolonne} er '{vaerdi}', men skal være {navn}")


def _fra_omraader(name: str, samlet: _Samlet) -> pl.DataFrame:
    """Every area's rows of a list, a referring row completed from the row it refers to."""
    from flis_assets import omraader  # reads the folders only, imports no area's code

    dele, hvor = [], {}  # hvor: key -> "file, line N", for the messages
    for mappe in omraader.mapper():
        sti: Path = mappe / f"{name}.csv"
        if not sti.exists():
            continue
        del_ = pl.read_csv(sti, separator=";", infer_schema=False).with_columns(dataomraade=pl.lit(mappe.name))
        for linje, noegle in enumerate(del_[samlet.noegle].to_list(), start=2):
            if noegle in hvor:
                raise ValueError(f"{sti}, linje {linje}: {samlet.noegle} {noegle} findes allerede ({hvor[noegle]}); "
                                 "hvert nøgle må kun defineres ét sted")
            hvor[noegle] = f"{sti}, linje {linje}"
        dele.append(del_)
    if not dele:
        return pl.DataFrame(schema={samlet.noegle: pl.String, "dataomraade": pl.String})
    frame = pl.concat(dele, how="diagonal")
    if samlet.henviser not in frame.columns:
        return frame
    raekker = {r[samlet.noegle]: r for r in frame.iter_rows(named=True)}
    ud = []
    for noegle, r in raekker.items():
        maal = r[samlet.henviser]
        if maal is None:
            ud.append(r)
            continue
        egne = {samlet.noegle, samlet.henviser, "dataomraade", *samlet.egne}
        if maal not in raekker:
            raise ValueError(f"{hvor[noegle]}: {noegle} henviser til {maal}, som ingen dataområde definerer")
        if raekker[maal][samlet.henviser] is not None:
            raise ValueError(f"{hvor[noegle]}: {noegle} henviser til {maal}, som selv er en henvisning "
                             f"(til {raekker[maal][samlet.henviser]}); henvis direkte til definitionen")
        if egen := sorted(c for c, v in r.items() if v is not None and c not in egne):
            raise ValueError(f"{hvor[noegle]}: {noegle} henviser til {maal} og må derfor ikke selv angive "
                             f"{', '.join(egen)}: definitionen står ét sted")
        ud.append({**raekker[maal], **{c: r[c] for c in egne}})
    return pl.DataFrame(ud, schema={c: pl.String for c in frame.columns})


def kommunekoder() -> list[int]:
    return load("kommuner")["kommunekode"].to_list()
