"""Oekonomi: monthly account balances by the autoriserede kontoplan, per kommune.

Amounts follow the kommune's simulated activity: full-time VH recipients per ydelse times a
yearly unit cost, spread over the bridge's accounts (`kontoplan_bro`) and a few arts, plus the
children's measures (5.28.xx) and some accounts outside the bridge as noise. Each delivery
holds the complete months of the current year to date; the newest months are still moving
(corrections), so a later delivery may change an earlier month.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import polars as pl

from flis_assets import kodelister, snitflader
from flis_assets.generate import faelles as f
from flis_assets.omraader.udsatte.generate import ANBRINGELSE, FOREBYGGENDE, Udsatte

# Yearly gross cost per full-time recipient (DKK).
_AARSPRIS = {
    "1.1": 160_000, "1.3": 110_000, "1.4": 130_000, "1.8.1": 950_000, "1.8.2": 720_000,
    "1.12.0.1": 520_000, "1.12.0.2": 160_000, "1.13.2": 1_100_000, "1.13.3": 220_000,
    "1.13.4": 30_000, "1.17": 320_000, "1.18.1": 50_000, "1.18.2": 65_000,
}
# (hovedart, art, share of the gross cost; negative = income, e.g. refunds)
_ARTER = (
    ("1", "11", 0.52), ("2", "22", 0.04), ("4", "40", 0.26), ("4", "46", 0.18),
    ("7", "72", -0.03), ("7", "77", -0.05), ("8", "86", -0.04),
)
_HOVEDART_0 = ("0", "02", 0.01)  # calculated costs: outside the bridge (hovedart 0)
# Children's measures: (funktion 5.28.xx, type, share of the type, yearly cost per child)
_BOERN = ((20, ANBRINGELSE, 0.6, 420_000), (23, ANBRINGELSE, 0.4, 1_300_000), (21, FOREBYGGENDE, 1.0, 90_000))
# Accounts outside the bridge, DKK per inhabitant and year.
_STOEJ = ((38, 42, 420), (38, 44, 60), (38, 45, 110), (32, 32, 9_000))


@cache
def _konti() -> dict[str, list[tuple[int, int, int]]]:
    """The bridge's accounts per ydelseskode: (hovedfunktion, funktion, gruppering)."""
    bro = kodelister.load("kontoplan_bro")
    assert set(bro["ydelseskode"].unique().to_list()) == set(_AARSPRIS)
    assert set(bro["dranst"].to_list()) == {1} and set(bro["hovedkonto"].to_list()) == {5}
    res: dict[str, list[tuple[int, int, int]]] = {}
    for c, hf, fu, gr in bro.select("ydelseskode", "hovedfunktion", "funktion", "gruppering").iter_rows():
        res.setdefault(c, []).append((hf, fu, gr))
    return res


def perioder(L: int) -> list[int]:
    """The booking months a delivery in load month L holds: the complete months of the
    current year (in January: the whole previous year)."""
    sidste = L - 1
    return list(range((sidste // 12) * 12, sidste + 1))


def fil(
    seed: int,
    kode: int,
    L: int,
    vh_helaar: dict[int, np.ndarray],
    uds_helaar: dict[int, np.ndarray],
    koder: tuple[str, ...],
    scale: float,
) -> pl.DataFrame:
    """The kommune's delivery in load month L. `vh_helaar[p]` are its full-time VH recipients
    per valid ydelseskode (order `koder`) in month p; `uds_helaar[p]` per udsatte type."""
    km = f.kommuner()
    indbyggere = km.indbyggere[km.idx(kode)]
    bro = _konti()
    raekker = []
    for p in perioder(L):
        rng = f.stream(seed, kode, "oekonomi", p)  # the month's final amounts
        ret = f.stream(seed, kode, "oekonomi", p, L)  # how far from final they still are in L
        alder = L - 1 - p
        konti: list[tuple[int, int, int, float]] = []  # hovedfunktion, funktion, gruppering, gross
        helaar = vh_helaar[p]
        for kodeidx, c in enumerate(koder):
            rk = bro[c]
            vaegt = rng.dirichlet(np.full(len(rk), 2.0))
            brutto = helaar[kodeidx] * _AARSPRIS[c] / 12
            for (hf, fu, gr), w in zip(rk, vaegt):
                konti.append((hf, fu, gr, brutto * w))
        for fu, typ, andel, pris in _BOERN:
            konti.append((28, fu, 0, uds_helaar[p][typ] * andel * pris / 12))
        for hf, fu, pr_indb in _STOEJ:
            konti.append((hf, fu, 0, indbyggere * scale * pr_indb / 12))
        brutto = np.array([k[3] for k in konti])
        arter = _ARTER + (_HOVEDART_0,)
        andele = np.array([a[2] for a in arter])
        beloeb = brutto[:, None] * andele[None, :] * rng.lognormal(0, 0.05, (len(konti), len(arter)))
        # Corrections still to come: the newest month moves most.
        p_ret, sd = (0.6, 0.08) if alder == 0 else (0.25, 0.03) if alder == 1 else (0.0, 0.0)
        beloeb *= 1 + (ret.random(beloeb.shape) < p_ret) * ret.normal(0, max(sd, 1e-9), beloeb.shape)
        oere = np.round(beloeb * 100).astype(np.int64)
        ki, ai = np.nonzero(oere)
        raekker.append(
            pl.DataFrame(
                {
                    "periode": np.full(len(ki), (p // 12) * 100 + p % 12 + 1),
                    "hovedfunktion": np.array([konti[i][0] for i in ki], dtype=np.int64),
                    "funktion": np.array([konti[i][1] for i in ki], dtype=np.int64),
                    "gruppering": np.array([konti[i][2] for i in ki], dtype=np.int64),
                    "hovedart": np.array([arter[a][0] for a in ai], dtype=object),
                    "art": np.array([arter[a][1] for a in ai], dtype=object),
                    "oere": oere[ki, ai],
                },
                schema_overrides={"hovedart": pl.String, "art": pl.String},
            )
        )
    df = pl.concat(raekker) if raekker else pl.DataFrame()
    return df.select(
        pl.col("periode").cast(pl.String),
        pl.lit("1").alias("dranst"),
        pl.lit("5").alias("hovedkonto"),
        pl.col("hovedfunktion").cast(pl.String).str.zfill(2),
        pl.col("funktion").cast(pl.String).str.zfill(2),
        pl.col("gruppering").cast(pl.String).str.zfill(3),
        pl.col("hovedart"),
        pl.col("art"),
        (
            pl.when(pl.col("oere") < 0).then(pl.lit("-")).otherwise(pl.lit(""))
            + (pl.col("oere").abs() // 100).cast(pl.String)
            + pl.lit(",")
            + (pl.col("oere").abs() % 100).cast(pl.String).str.zfill(2)
        ).alias("beloeb"),
    )


def udsatte_helaar(uds: Udsatte, mi: int) -> np.ndarray:
    """Full-time children per kommune index and type in month mi."""
    ms, me = f.maaned_start(mi), f.maaned_slut(mi)
    dage = np.minimum(uds.slut, me).astype(np.int64) - np.maximum(uds.start, ms) + 1
    ok = dage > 0
    n = len(f.kommuner().koder)
    res = np.zeros((n, 2))
    for typ in (ANBRINGELSE, FOREBYGGENDE):
        m = ok & (uds.type == typ)
        res[:, typ] = np.bincount(uds.kommune[m], weights=dage[m], minlength=n) / (me - ms + 1)
    return res


def fagsystem(seed: int, kode: int) -> str:
    return str(f.stream(seed, kode, "oekonomi").choice(snitflader.kilde("oekonomi").fagsystemer))
