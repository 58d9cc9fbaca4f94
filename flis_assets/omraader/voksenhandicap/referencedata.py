"""Voksenhandicap's reference files (voksenhandicap.md): DST's yearly lists of what each kommune
has approved per ydelse and quarter (`godkendte_kommuner_<år>.xlsx`), and Statistikbanken's HAND07.
"""

import re
from pathlib import Path

import polars as pl
from openpyxl import load_workbook

from flis_assets.defs.referencedata.assets import (
    ReferencefilFejl,
    kendt_kommune,
    read_csv,
    reference_asset,
    tekst_schema,
    tjek,
)

GODKENDT_FIL = re.compile(r"^godkendte_kommuner_(\d{4})\.xlsx$")
GODKENDT_HEADER = ["kommunekode", "ydelseskode", "kvartal", "godkendt"]


def read_godkendte(folder: Path) -> pl.DataFrame:
    """All yearly lists; for the same kommune, ydelse and quarter the later year's list wins."""
    frames = []
    files = sorted(p for p in folder.glob("godkendte_kommuner_*.xlsx") if GODKENDT_FIL.match(p.name))
    for path in files:
        aar = int(GODKENDT_FIL.match(path.name)[1])
        wb = load_workbook(path, read_only=True, data_only=True)
        if "Godkendte" not in wb.sheetnames:
            raise ReferencefilFejl(path, None, "arket 'Godkendte' findes ikke")
        rows = list(wb["Godkendte"].iter_rows(values_only=True))
        wb.close()
        header = [str(c).strip() if c is not None else "" for c in (rows[0] if rows else [])][:4]
        if header != GODKENDT_HEADER:
            raise ReferencefilFejl(path, 1, f"overskriften skal være {' | '.join(GODKENDT_HEADER)}")
        data = [
            [("" if v is None else str(v).strip()) for v in r[:4]] + [nr]
            for nr, r in enumerate(rows[1:], start=2)
            if any(v is not None for v in r[:4])
        ]
        f = pl.DataFrame(data, schema=tekst_schema(GODKENDT_HEADER), orient="row")
        tjek(f, path, kendt_kommune("kommunekode"), "kommunekoden er ikke en af de 98 kommuner")
        tjek(f, path, ~pl.col("kvartal").str.contains(r"^\d{4}K[1-4]$"), "kvartal skal være som 2013K4")
        tjek(f, path, ~pl.col("godkendt").is_in(["Ja", "Nej"]), "godkendt skal være Ja eller Nej")
        frames.append(f.with_columns(pl.lit(aar).alias("aar"), pl.lit(path.name).alias("fil")))
    if not frames:
        return pl.DataFrame(schema={"kommunekode": pl.Int32, "ydelseskode": pl.String, "kvartal": pl.String,
                                    "godkendt": pl.String, "aar": pl.Int32, "fil": pl.String})
    return (
        pl.concat(frames)
        .sort("aar", "linje")
        .unique(["kommunekode", "ydelseskode", "kvartal"], keep="last", maintain_order=True)
        .select(pl.col("kommunekode").cast(pl.Int32), "ydelseskode", "kvartal", "godkendt",
                pl.col("aar").cast(pl.Int32), "fil")
        .sort("kommunekode", "ydelseskode", "kvartal")
    )


def read_hand07(path: Path) -> pl.DataFrame:
    f = read_csv(path, ["omraade", "ydelse", "tid", "indhold"])
    tjek(f, path, kendt_kommune("omraade"), "omraade er ikke en af de 98 kommuners koder")
    tjek(f, path, ~pl.col("tid").str.contains(r"^\d{4}K[1-4]$"), "tid skal være et kvartal som 2020K1")
    tjek(f, path, pl.col("indhold").cast(pl.Int64, strict=False).is_null(), "indhold skal være et heltal")
    return f.select(
        pl.col("omraade").cast(pl.Int32).alias("kommunekode"), pl.col("ydelse").alias("ydelseskode"),
        pl.col("tid").alias("kvartal"), pl.col("indhold").cast(pl.Int64).alias("hand07"),
    )



godkendte_kommuner = reference_asset(
    "godkendte_kommuner", "DST's lister over hvad hver kommune har godkendt pr. ydelse og kvartal; nyeste år vinder.",
    read_godkendte,
)
hand07 = reference_asset(
    "hand07", "Statistikbankens HAND07: unikke modtagere pr. kommune, ydelse og kvartal.", read_hand07, "HAND07.csv"
)
