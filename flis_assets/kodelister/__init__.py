"""Code lists and rule tables as data: one CSV per table, read here and nowhere else.

The CSV files are the single place each fact lives; SQL sees them as DuckDB tables in the
`kodelister` schema (see `flis_assets.resources.load_kodelister`). The platform's lists (the
kommuner, the one rule table of every area, ...) live here; an area's own lists live in its
folder, `flis_assets/omraader/<navn>/kodelister/<praefiks>_*.csv`, named with the area's prefix
so two areas' codes never collide (an area list's columns of only `true`/`false` are BOOLEAN).

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
    "vh_kontoplan_bro": {
        "dranst": pl.Int32,
        "hovedkonto": pl.Int32,
        "hovedfunktion": pl.Int32,
        "funktion": pl.Int32,
        "gruppering": pl.Int32,
    },
    "vh_ydelser": {"opholdsydelse": pl.Boolean},
    "vh_indberetningsaftaler": {"indberetter": pl.Int32, "for_kommune": pl.Int32},
    "vh_aaben_107_grupper": {"fra_dage": pl.Int32, "til_dage": pl.Int32},
    "vh_aldersgrupper": {"fra_alder": pl.Int32, "til_alder": pl.Int32},
    "noegletal": {"faktor": pl.Float64, "diskretion": pl.Boolean, "kun_kommuner_med_begge": pl.Boolean},
    "koblede_noegletal": {"faktor": pl.Float64},
}



@dataclass(frozen=True)
class _Samlet:
    noegle: str  # the key column, unique over every area
    henviser: str  # a row's reference to another row's key, or empty
    egne: tuple[str, ...]  # the columns a referring row keeps its own (besides key and reference)


# The lists each area contributes to in its own folder.
_FRA_OMRAADER = {"noegletal": _Samlet("noegletal_id", "henviser_til", ("navn",))}

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
            navn = p.name.removesuffix(".csv")
            if not navn.startswith(f"{o.praefiks}_"):
                raise ValueError(f"Kodelisten {p} skal hedde {o.praefiks}_…: et områdes kodelister bærer "
                                 "områdets præfiks, så to områders koder aldrig støder sammen")
            if navn in stier or navn in _FRA_OMRAADER:
                raise ValueError(f"Kodelisten {navn} findes to steder: {stier.get(navn, 'alle områder')} og {p}")
            stier[navn] = p
    return stier


@cache
def load(name: str) -> pl.DataFrame:
    """One code list as a polars frame, typed where the type matters."""
    overrides = _SCHEMAS.get(name, {})
    if name in _FRA_OMRAADER:
        frame = _fra_omraader(name, _FRA_OMRAADER[name])
    else:
        path = _stier()[name]
        frame = pl.read_csv(path.read_bytes(), separator=_SEPARATORS.get(name, ";"), infer_schema=False)
        if path.parent != Path(__file__).parent:  # an area's list: its yes/no columns as BOOLEAN
            frame = frame.with_columns(pl.col(c) == "true" for c in frame.columns
                                       if frame[c].len() and frame[c].is_in(["true", "false"]).all())
    return frame.with_columns(
        [
            (pl.col(c) == "true") if dtype == pl.Boolean else pl.col(c).cast(dtype)
            for c, dtype in overrides.items()
        ]
    )


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
