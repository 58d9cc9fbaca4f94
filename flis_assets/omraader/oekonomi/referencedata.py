"""Økonomi's reference file: DST's published accounts, REGK31 (borger-oekonomi.md)."""

from pathlib import Path

import polars as pl

from flis_assets.defs.referencedata.assets import kendt_kommune, read_csv, reference_asset, tjek


def read_regk31(path: Path) -> pl.DataFrame:
    """DST's REGK31: net operating expenses (1,000 DKK) per kommune, hovedfunktion (`5.30`) and year."""
    f = read_csv(path, ["omraade", "funktion", "tid", "indhold"])
    tjek(f, path, kendt_kommune("omraade"), "omraade er ikke en af de 98 kommuners koder")
    tjek(f, path, ~pl.col("funktion").str.contains(r"^[0-9]\.[0-9]{2}$"), "funktion skal være en hovedfunktion som 5.30")
    tjek(f, path, ~pl.col("tid").str.contains(r"^[0-9]{4}$"), "tid skal være et år som 2024")
    tjek(f, path, ~pl.col("indhold").str.contains(r"^-?[0-9]+$"), "indhold skal være et helt antal 1.000 kr.")
    tjek(f, path, ~pl.struct("omraade", "funktion", "tid").is_first_distinct(),
         "kommunen, funktionen og året står allerede på en tidligere linje")
    return f.select(
        pl.col("tid").cast(pl.Int32).alias("aar"), pl.col("omraade").cast(pl.Int32).alias("kommunekode"),
        pl.col("funktion").alias("hovedfunktion"), pl.col("indhold").cast(pl.Int64).alias("regk31"),
    )


regk31 = reference_asset(
    "regk31", "DST's REGK31: kommunernes nettodriftsudgifter (1.000 kr.) pr. hovedfunktion og år.", read_regk31, "REGK31.csv"
)
