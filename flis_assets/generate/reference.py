"""Reference files: systemskifte.csv, DST's yearly approval lists and the HAND07 table.

Approvals are drawn per (kommune, ydelseskode, quarter) on the fixed horizon, so a quarter's
answer does not depend on the requested range; a later year's list may restate an earlier
quarter with the opposite answer. HAND07 is computed from the simulated truth after DST's
corrections, with a few cells off by a little (DST's figure is not always FLIS's).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import polars as pl

from flis_assets.generate import faelles as f
from flis_assets.omraader.voksenhandicap import generate as vh
from flis_assets.generate import writer

_P_JA = 0.95
_P_OMGJORT = 0.03  # restated in a later year's list with the other answer
_P_HAND07_AFVIGELSE = 0.03


def systemskifte(out: Path, koder: list[int], til_mi: int, andre: Iterable[vh.Systemskifte] = ()) -> Path:
    """The kommuner among `koder` with rule 2 or 3; a change is listed once it has happened.
    VH's changes first, then `andre`, the other areas' (each line names its fagsystemer)."""
    rows = [
        (
            f"{s.kommunekode:03d}",
            s.gammel,
            s.ny,
            f"{s.skiftedato:%Y%m%d}" if s.skiftedato else None,
            str(s.regel),
        )
        for s in (*vh.SYSTEMSKIFTER, *andre)
        if s.kommunekode in koder and (s.skiftedato is None or f.maaned(s.skiftedato) <= til_mi)
    ]
    df = pl.DataFrame(
        rows,
        schema=["kommunekode", "fagsystem_gammel", "fagsystem_ny", "skiftedato", "regel"],
        orient="row",
    )
    sti = out / "reference" / "systemskifte.csv"
    writer.skriv_csv_med_hoved(sti, df)
    return sti


def _godkendelser(seed: int, kode: int) -> pl.DataFrame:
    """Every answer on the horizon for one kommune: (ydelse, kvartal, liste_aar, godkendt)."""
    koder = vh.gyldige_koder()
    k0 = f.kvartal_af_maaned(f.maaned(f.VH_START))
    k1 = f.kvartal_af_maaned(f.maaned(f.HORISONT_SLUT))
    kv = np.arange(k0, k1 + 1)
    rng = f.stream(seed, kode, "godkendt")
    n = len(koder) * len(kv)
    y = np.repeat(np.arange(len(koder)), len(kv))
    q = np.tile(kv, len(koder))
    ja = rng.random(n) < _P_JA
    omgjort = rng.random(n) < _P_OMGJORT
    senere = q // 4 + 1 + rng.integers(0, 2, n)
    # ydelser that exist only from a later date are not on the lists before it
    fra_k = np.array([f.kvartal_af_maaned(f.maaned(vh._PARAM[c].fra)) for c in koder])
    findes = q >= fra_k[y]
    df = pl.DataFrame({"ydelse": y, "kvartal": q, "liste_aar": q // 4, "godkendt": ja})
    df_omg = pl.DataFrame({"ydelse": y, "kvartal": q, "liste_aar": senere, "godkendt": ~ja}).filter(
        pl.Series(omgjort)
    )
    return pl.concat([df.filter(pl.Series(findes)), df_omg.filter(pl.Series((omgjort & findes)[omgjort]))])


def godkendte(seed: int, out: Path, koder: list[int], til_mi: int) -> tuple[list[Path], pl.DataFrame]:
    """One list per year 2013..year of til; returns the paths and the newest answer per key."""
    sidste_k = f.sidste_hele_kvartal(til_mi)
    alle = pl.concat(
        [_godkendelser(seed, k).with_columns(kommunekode=pl.lit(k)) for k in sorted(koder)]
    ).filter((pl.col("kvartal") <= sidste_k) & (pl.col("liste_aar") <= til_mi // 12))
    navne = vh.gyldige_koder()
    stier = []
    for aar in range(f.HORISONT_START.year, til_mi // 12 + 1):
        liste = alle.filter(pl.col("liste_aar") == aar).sort("kommunekode", "ydelse", "kvartal")
        sti = out / "reference" / f"godkendte_kommuner_{aar}.xlsx"
        writer.skriv_xlsx(
            sti,
            "Godkendte",
            ["kommunekode", "ydelseskode", "kvartal", "godkendt"],
            (
                (f"{k:03d}", navne[y], f.kvartal_navn(q), "Ja" if g else "Nej")
                for k, y, q, g in liste.select("kommunekode", "ydelse", "kvartal", "godkendt").iter_rows()
            ),
        )
        stier.append(sti)
    nyeste = (
        alle.sort("liste_aar")
        .group_by("kommunekode", "ydelse", "kvartal")
        .agg(pl.col("godkendt").last())
        .with_columns(pl.col("ydelse").replace_strict(dict(enumerate(navne)), return_dtype=pl.String))
    )
    return stier, nyeste


def hand07(seed: int, out: Path, modtagere: pl.DataFrame, godkendt: pl.DataFrame) -> Path:
    """HAND07: approved cells of DST's unique recipients, a few of them slightly off."""
    df = (
        modtagere.join(
            godkendt.rename({"kommunekode": "omraade"}), on=["omraade", "ydelse", "kvartal"], how="inner"
        )
        .filter(pl.col("godkendt"))
        .sort("omraade", "ydelse", "kvartal")
    )
    rng = f.stream(seed, 0, "hand07")
    afvig = np.where(rng.random(df.height) < _P_HAND07_AFVIGELSE, rng.choice([-2, -1, 1, 2, 3], df.height), 0)
    return statistikbanktabel(out / "reference" / "HAND07.csv", df, "ydelse", afvig)


def statistikbanktabel(sti: Path, df: pl.DataFrame, noegle: str, afvig: np.ndarray) -> Path:
    """A Statistikbanken table `omraade;<noegle>;tid;indhold` from counts per kommune (`omraade`),
    key and quarter (`kvartal`), each `indhold` moved by its `afvig` (never below zero)."""
    res = df.with_columns(
        indhold=pl.max_horizontal(pl.col("indhold").cast(pl.Int64) + pl.Series(afvig, dtype=pl.Int64), pl.lit(0))
    ).select(
        pl.col("omraade").cast(pl.String).str.zfill(3),
        pl.col(noegle),
        pl.col("kvartal").map_elements(f.kvartal_navn, return_dtype=pl.String).alias("tid"),
        pl.col("indhold").cast(pl.String),
    )
    writer.skriv_csv_med_hoved(sti, res)
    return sti
