"""Code lists and rule tables as data: one CSV per table, read here and nowhere else.

The CSV files are the single place each fact lives; SQL sees them as DuckDB tables in the
`kodelister` schema (see `flis_assets.resources.load_kodelister`).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

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


def _files() -> dict[str, object]:
    """Every code list's file: the platform's here, and each area's own in its folder's
    `kodelister/` (namespaced by the area's prefix, `omraader/__init__.py`)."""
    from flis_assets import omraader

    folders = [resources.files(__package__), *(m / "kodelister" for m in omraader.mapper())]
    files: dict[str, object] = {}
    for p in (p for folder in folders if folder.is_dir() for p in folder.iterdir() if p.name.endswith(".csv")):
        if (name := p.name.removesuffix(".csv")) in files:
            raise ValueError(f"To kodelister hedder {name}: {files[name]} og {p}")
        files[name] = p
    return files


def names() -> list[str]:
    """Every code list shipped with the project."""
    return sorted(_files())


@cache
def load(name: str) -> pl.DataFrame:
    """One code list as a polars frame, typed where the type matters."""
    path = _files()[name]
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
