"""Borger's reference file: Statistikbanken's population FOLK1A (borger-oekonomi.md)."""

from pathlib import Path

import polars as pl

from flis_assets.defs.referencedata.assets import kendt_kommune, read_csv, reference_asset, tjek


FOLK1A_HOEJESTE_ALDER = 110  # Statistikbanken's 110 holds everyone older


def read_folk1a(path: Path) -> pl.DataFrame:
    """Statistikbanken's FOLK1A: the population on the first day of each quarter by kommune, sex and age."""
    f = read_csv(path, ["omraade", "koen", "alder", "tid", "indhold"])
    tjek(f, path, kendt_kommune("omraade"), "omraade er ikke en af de 98 kommuners koder")
    tjek(f, path, ~pl.col("koen").is_in(["M", "K"]), "koen skal være M eller K")
    alder = pl.col("alder").cast(pl.Int32, strict=False)
    tjek(f, path, alder.is_null() | ~alder.is_between(0, FOLK1A_HOEJESTE_ALDER),
         f"alder skal være et helt antal år fra 0 til {FOLK1A_HOEJESTE_ALDER}")
    tjek(f, path, ~pl.col("tid").str.contains(r"^\d{4}K[1-4]$"), "tid skal være et kvartal som 2024K1")
    indhold = pl.col("indhold").cast(pl.Int64, strict=False)
    tjek(f, path, indhold.is_null() | (indhold < 0), "indhold skal være et helt tal på mindst 0")
    noegle = pl.struct("omraade", "koen", alder, "tid")
    tjek(f, path, ~noegle.is_first_distinct(), "kommunen, kønnet, alderen og kvartalet står allerede på en tidligere linje")
    return f.select(
        pl.col("omraade").cast(pl.Int32).alias("kommunekode"), "koen", alder.alias("alder"),
        pl.col("tid").alias("kvartal"), indhold.alias("folk1a"),
    )


folk1a = reference_asset(
    "folk1a", "Statistikbankens FOLK1A: befolkningen den 1. i kvartalet pr. kommune, køn og alder.",
    read_folk1a, "FOLK1A.csv",
)
