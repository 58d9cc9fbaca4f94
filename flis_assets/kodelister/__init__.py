"""Code lists and rule tables as data: one CSV per table, read here and nowhere else.

The CSV files are the single place each fact lives; SQL sees them as DuckDB tables in the
`kodelister` schema (see `flis_assets.resources.load_kodelister`). Beside the platform's lists here,
each data area ships its own in `omraader/<navn>/kodelister/<praefiks>_*.csv`: named with the
area's prefix, so two areas' codes never collide.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import polars as pl

_SCHEMAS: dict[str, dict[str, type[pl.DataType] | pl.DataType]] = {
    "kommuner": {"kommunekode": pl.Int32, "indbyggere_ca": pl.Int64},
    "kontoplan_bro": {
        "dranst": pl.Int32,
        "hovedkonto": pl.Int32,
        "hovedfunktion": pl.Int32,
        "funktion": pl.Int32,
        "gruppering": pl.Int32,
    },
    "ydelser": {"opholdsydelse": pl.Boolean},
    "indberetningsaftaler": {"indberetter": pl.Int32, "for_kommune": pl.Int32},
    "aaben_107_grupper": {"fra_dage": pl.Int32, "til_dage": pl.Int32},
    "aldersgrupper": {"fra_alder": pl.Int32, "til_alder": pl.Int32},
    "noegletal": {"faktor": pl.Float64, "diskretion": pl.Boolean},
    "koblede_noegletal": {"faktor": pl.Float64},
}

# kommuner.csv is the customer's reference file, copied as it is (comma-separated).
_SEPARATORS = {"kommuner": ","}


@cache
def _stier() -> dict[str, Path]:
    """Every code list's file by name: the platform's, then each area's (prefix checked)."""
    from flis_assets import omraader

    stier = {p.name.removesuffix(".csv"): Path(str(p)) for p in resources.files(__package__).iterdir()
             if p.name.endswith(".csv")}
    for o in omraader.omraader():
        for p in sorted((o.mappe / "kodelister").glob("*.csv")):
            if not p.stem.startswith(f"{o.praefiks}_"):
                raise ValueError(f"Kodelisten {p} skal hedde {o.praefiks}_<navn>.csv: dataområdet {o.titel}s "
                                 f"kodelister begynder med områdets præfiks '{o.praefiks}_'")
            if p.stem in stier:
                raise ValueError(f"Kodelisten {p.stem} findes både i {stier[p.stem]} og i {p}")
            stier[p.stem] = p
    return stier


def names() -> list[str]:
    """Every code list shipped with the project, the areas' included."""
    return sorted(_stier())


@cache
def load(name: str) -> pl.DataFrame:
    """One code list as a polars frame, typed where the type matters."""
    path = _stier()[name]
    overrides = _SCHEMAS.get(name, {})
    return pl.read_csv(
        path.read_bytes(),
        separator=_SEPARATORS.get(name, ";"),
        infer_schema=False,
    ).with_columns(
        [
            (pl.col(c) == "true") if dtype == pl.Boolean else pl.col(c).cast(dtype)
            for c, dtype in overrides.items()
        ]
    )


def kommunekoder() -> list[int]:
    return load("kommuner")["kommunekode"].to_list()
