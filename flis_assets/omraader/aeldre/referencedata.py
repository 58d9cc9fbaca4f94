"""Ældre's reference file: Statistikbanken's home help AED06 (aeldre.md)."""

from pathlib import Path

import polars as pl

from flis_assets.defs.referencedata.assets import kendt_kommune, read_csv, reference_asset, tjek


def read_aed06(path: Path) -> pl.DataFrame:
    f = read_csv(path, ["omraade", "ydelsestype", "tid", "indhold"])
    tjek(f, path, kendt_kommune("omraade"), "omraade er ikke en af de 98 kommuners koder")
    tjek(f, path, ~pl.col("ydelsestype").str.contains(r"^[A-Z_]+$"), "ydelsestype skal være angivet (som PERSONLIG_PLEJE)")
    tjek(f, path, ~pl.col("tid").str.contains(r"^\d{4}K[1-4]$"), "tid skal være et kvartal som 2024K1")
    tjek(f, path, pl.col("indhold").cast(pl.Int64, strict=False).is_null(), "indhold skal være et heltal")
    return f.select(
        pl.col("omraade").cast(pl.Int32).alias("kommunekode"), "ydelsestype",
        pl.col("tid").alias("kvartal"), pl.col("indhold").cast(pl.Int64).alias("aed06"),
    )


aed06 = reference_asset(
    "aed06", "Statistikbankens AED06: unikke modtagere af varig hjemmehjælp i eget hjem pr. kommune, ydelsestype "
    "og kvartal.", read_aed06, "AED06.csv",
)
