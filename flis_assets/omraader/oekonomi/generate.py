"""Oekonomi: monthly account balances by the autoriserede kontoplan, per kommune.

Amounts follow the kommune's simulated activity: full-time VH recipients per ydelse times a
yearly unit cost, spread over the bridge's accounts (`vh_kontoplan_bro`) and a few arts, plus the
children's measures (5.28.xx) and some accounts outside the bridge as noise. Beside these, the
hovedfunktioner of the key figures (3.22, 5.25, 5.28, 5.30, 6.45) follow the kommune's
simulated population of the age group they serve: a net cost per person and year drawn per
kommune, a seasonal profile, funktioner and arts with incomes, calculated costs (hovedart 0),
refunds (dranst 2), construction (dranst 3) and re-postings that leave a negative expense line.
They come from RNG streams of their own, so the VH/udsatte lines are the same as without them.
Each delivery holds the complete months of the current year to date; the newest months are
still moving (corrections), so a later delivery may change an earlier month.

REGK31 (`reference/REGK31.csv`) is the yearly net operating expenses of the January delivery
(the whole previous year), with a few cells off (DST's published figure is not always FLIS's).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl

from flis_assets import kodelister, snitflader
from flis_assets.generate import faelles as f
from flis_assets.generate import writer
from flis_assets.omraader.borger.generate import Befolkning, beboere
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


@dataclass(frozen=True)
class _Hovedfunktion:
    """A hovedfunktion's accounts driven by the population it serves."""

    hovedkonto: int
    hovedfunktion: int
    alder: tuple[int, int]  # the age group [fra, til) served
    pr_person: tuple[int, int]  # net DKK per person and year: a kommune's level lies in between
    funktioner: tuple[tuple[int, float], ...]  # (funktion, share of the net)
    arter: tuple[tuple[str, str, float], ...]  # (hovedart, art, share of the net; < 0 income)
    saeson: tuple[float, ...]  # relative level per calendar month
    refusion: tuple[int, ...] = ()  # funktioner with a state refund in dranst 2
    anlaeg: tuple[int, ...] = ()  # funktioner with construction in dranst 3
    med_udsatte: bool = False  # the udsatte measures' lines carry part of the level


_ALLE = (0, 200)
# The spec's orders of magnitude (borger-oekonomi.md); the levels keep a margin inside them.
# 5.28 adds the funktioner beside the udsatte measures' (20, 21, 23) up to its level; 5.38 is the
# VH bridge's alone.
_HOVEDFUNKTIONER = (
    _Hovedfunktion(
        3, 22, (6, 17), (62_000, 78_000),
        ((1, 0.63), (2, 0.05), (3, 0.01), (5, 0.09), (8, 0.10), (10, 0.07), (12, 0.03), (14, 0.02)),
        (("1", "11", 0.74), ("2", "22", 0.06), ("4", "45", 0.10), ("4", "46", 0.10), ("5", "59", 0.03),
         ("7", "71", -0.005), ("7", "72", -0.02), ("7", "76", -0.005)),
        (1.02, 1.02, 1.03, 1.02, 1.02, 1.0, 0.6, 1.05, 1.02, 1.02, 1.03, 1.17),
        anlaeg=(1,),
    ),
    _Hovedfunktion(
        5, 25, (0, 6), (72_000, 98_000),
        ((10, 0.03), (11, 0.16), (12, 0.05), (13, 0.07), (14, 0.56), (16, 0.03), (17, 0.03), (19, 0.07)),
        (("1", "11", 0.86), ("2", "22", 0.06), ("4", "45", 0.07), ("5", "59", 0.20),
         ("7", "72", -0.17), ("7", "76", -0.02)),
        (1.03, 1.03, 1.03, 1.03, 1.03, 1.0, 0.75, 1.0, 1.03, 1.03, 1.03, 1.1),
        anlaeg=(14,),
    ),
    _Hovedfunktion(
        5, 28, (0, 17), (11_000, 19_000),
        ((22, 0.7), (24, 0.3)),
        (("1", "11", 0.25), ("4", "40", 0.45), ("4", "46", 0.35), ("7", "76", -0.03), ("8", "86", -0.02)),
        (1.0,) * 11 + (1.08,),
        refusion=(22,),
        med_udsatte=True,
    ),
    _Hovedfunktion(
        5, 30, (67, 200), (42_000, 58_000),
        ((26, 0.28), (27, 0.55), (29, 0.03), (30, 0.06), (31, 0.08)),
        (("1", "11", 0.78), ("2", "22", 0.08), ("4", "45", 0.12), ("4", "46", 0.03),
         ("7", "71", -0.04), ("7", "72", -0.05), ("7", "76", -0.01), ("8", "86", -0.01)),
        (1.0,) * 11 + (1.1,),
        refusion=(27,),
        anlaeg=(27,),
    ),
    _Hovedfunktion(
        6, 45, _ALLE, (4_500, 7_500),
        ((50, 0.05), (51, 0.45), (52, 0.14), (53, 0.12), (55, 0.03), (56, 0.03), (57, 0.09),
         (58, 0.05), (59, 0.04)),
        (("1", "11", 0.74), ("2", "22", 0.04), ("2", "27", 0.03), ("4", "45", 0.2), ("7", "72", -0.01)),
        (1.1, 1.0, 1.0, 1.0, 1.0, 1.0, 0.85, 1.0, 1.0, 1.0, 1.0, 1.15),
        anlaeg=(50,),
    ),
)
_NYE_KONTI = 1_000_001  # the stream tag of these accounts, beside the VH/udsatte lines' streams
_P_REFUSION, _REFUSIONSANDEL = 0.7, 0.03  # share of the month's net refunded in dranst 2
_P_ANLAEG, _ANLAEGSANDEL = 0.25, 0.08
_P_OMPOSTERING = 0.3  # a month's re-posting that leaves a negative expense line
_REGK31_STROEM = 1_000_002
_P_REGK31_AFVIGELSE = 0.06


@cache
def _konti() -> dict[str, list[tuple[int, int, int]]]:
    """The bridge's accounts per ydelseskode: (hovedfunktion, funktion, gruppering)."""
    bro = kodelister.load("vh_kontoplan_bro")
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


class Maalgrupper:
    """Residents per kommune index at the end of a month, in each population-driven
    hovedfunktion's age group (order `_HOVEDFUNKTIONER`); months are computed once."""

    def __init__(self, bef: Befolkning) -> None:
        self._bef = bef
        self._maaneder: dict[int, np.ndarray] = {}

    def __call__(self, p: int) -> np.ndarray:
        if p not in self._maaneder:
            me = f.maaned_slut(p)
            _, bk, alder = beboere(self._bef, me, me)
            n = len(f.kommuner().koder)
            self._maaneder[p] = np.stack(
                [np.bincount(bk[(alder >= h.alder[0]) & (alder < h.alder[1])], minlength=n)
                 for h in _HOVEDFUNKTIONER],
                axis=1,
            )
        return self._maaneder[p]


def _korriger(ret: np.random.Generator, beloeb: np.ndarray, alder: int) -> np.ndarray:
    """The amounts as still known `alder` months after the booking month: the newest month
    moves most, from the second month back they are final."""
    p_ret, sd = (0.6, 0.08) if alder == 0 else (0.25, 0.03) if alder == 1 else (0.0, 0.0)
    return beloeb * (1 + (ret.random(beloeb.shape) < p_ret) * ret.normal(0, max(sd, 1e-9), beloeb.shape))


def _linjer(p: int, konti: dict[str, np.ndarray], oere: np.ndarray) -> pl.DataFrame:
    """One booking month's lines: `konti` holds the accounts' fields (one entry per line)."""
    fast = {"dranst": 1, "hovedkonto": 5, "gruppering": 0}  # where `konti` does not say
    n = len(oere)
    return pl.DataFrame(
        {
            "periode": np.full(n, (p // 12) * 100 + p % 12 + 1),
            **{k: np.full(n, v, dtype=np.int64) for k, v in fast.items() if k not in konti},
            **{k: np.asarray(v, dtype=object if k in ("hovedart", "art") else np.int64) for k, v in konti.items()},
            "oere": oere,
        },
        schema_overrides={"hovedart": pl.String, "art": pl.String},
    ).select("periode", "dranst", "hovedkonto", "hovedfunktion", "funktion", "gruppering", "hovedart", "art", "oere")


def _niveauer(seed: int, kode: int) -> list[tuple[float, np.ndarray]]:
    """The kommune's net cost per person and year and its split on funktioner, per
    hovedfunktion: the same in every month, so kommuner differ more than months."""
    rng = f.stream(seed, kode, "oekonomi", _NYE_KONTI)
    res = []
    for h in _HOVEDFUNKTIONER:
        andel = np.array([a for _, a in h.funktioner])
        res.append((rng.uniform(*h.pr_person), rng.dirichlet(andel * 40)))
    return res


def _befolkningskonti(
    seed: int, kode: int, p: int, L: int, personer: np.ndarray, uds_netto: float
) -> pl.DataFrame:
    """The population-driven hovedfunktioner's lines of booking month p as known in load month
    L; `personer` per hovedfunktion, `uds_netto` the net of the udsatte lines on 5.28."""
    rng = f.stream(seed, kode, "oekonomi", _NYE_KONTI, p)
    ret = f.stream(seed, kode, "oekonomi", _NYE_KONTI, p, L)
    felter = ("dranst", "hovedkonto", "hovedfunktion", "funktion", "hovedart", "art")
    konti: dict[str, list] = {k: [] for k in felter}
    beloeb: list[np.ndarray] = []

    def tilfoej(dranst: int, h: _Hovedfunktion, fu: np.ndarray, ha: np.ndarray, art: np.ndarray, b: np.ndarray) -> None:
        for k, v in zip(felter, (np.full(len(b), dranst), np.full(len(b), h.hovedkonto),
                                 np.full(len(b), h.hovedfunktion), fu, ha, art)):
            konti[k].extend(v.tolist())
        beloeb.append(b)

    for h, (niveau, fu_andel), n in zip(_HOVEDFUNKTIONER, _niveauer(seed, kode), personer):
        saeson = np.array(h.saeson) / np.mean(h.saeson)
        netto = niveau * n / 12 * saeson[p % 12] * rng.lognormal(0, 0.03)
        if h.med_udsatte:
            netto = max(netto - uds_netto, 0.1 * netto)
        fu = np.array([x for x, _ in h.funktioner])
        art_andel = np.array([a[2] for a in h.arter])
        art_andel = art_andel / art_andel.sum()
        b = netto * fu_andel[:, None] * art_andel[None, :] * rng.lognormal(0, 0.06, (len(fu), len(art_andel)))
        # A re-posting between two funktioner on one expense art: net unchanged, one line negative.
        u = rng.random(5)
        udgift = np.flatnonzero(art_andel > 0)
        a = udgift[int(u[1] * len(udgift))]
        fra = int(u[2] * len(fu))
        til = (fra + 1 + int(u[3] * (len(fu) - 1))) % len(fu)  # another funktion
        if u[0] < _P_OMPOSTERING and b[fra, a] > 0:
            x = b[fra, a] * (1.05 + 0.4 * u[4])
            b[fra, a] -= x
            b[til, a] += x
        tilfoej(1, h, np.repeat(fu, len(art_andel)), np.tile([a[0] for a in h.arter], len(fu)),
                np.tile([a[1] for a in h.arter], len(fu)), b.ravel())
        # Calculated costs (hovedart 0): outside the net operating expenses.
        tilfoej(1, h, fu, np.full(len(fu), _HOVEDART_0[0]), np.full(len(fu), _HOVEDART_0[1]),
                netto * fu_andel * _HOVEDART_0[2] * rng.lognormal(0, 0.1, len(fu)))
        for dranst, funktioner, p_maaned, andel, (ha, art, fortegn) in (
            (2, h.refusion, _P_REFUSION, _REFUSIONSANDEL, ("8", "86", -1)),
            (3, h.anlaeg, _P_ANLAEG, _ANLAEGSANDEL, ("4", "45", 1)),
        ):
            for x in funktioner:
                u = rng.random(2)
                if u[0] < p_maaned:
                    tilfoej(dranst, h, np.array([x]), np.array([ha]), np.array([art]),
                            np.array([fortegn * netto * andel * (0.5 + u[1])]))
    oere = np.round(_korriger(ret, np.concatenate(beloeb), L - 1 - p) * 100).astype(np.int64)
    hold = oere != 0
    return _linjer(p, {k: np.array(v)[hold] for k, v in konti.items()}, oere[hold])


def fil(
    seed: int,
    kode: int,
    L: int,
    vh_helaar: dict[int, np.ndarray],
    uds_helaar: dict[int, np.ndarray],
    koder: tuple[str, ...],
    scale: float,
    maalgrupper: Maalgrupper,
) -> pl.DataFrame:
    """The kommune's delivery in load month L. `vh_helaar[p]` are its full-time VH recipients
    per valid ydelseskode (order `koder`) in month p; `uds_helaar[p]` per udsatte type;
    `maalgrupper` the residents the population-driven hovedfunktioner serve."""
    km = f.kommuner()
    kidx = km.idx(kode)
    indbyggere = km.indbyggere[kidx]
    bro = _konti()
    uds_netto_andel = sum(a[2] for a in _ARTER)
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
        uds_brutto = 0.0
        for fu, typ, andel, pris in _BOERN:
            konti.append((28, fu, 0, uds_helaar[p][typ] * andel * pris / 12))
            uds_brutto += konti[-1][3]
        for hf, fu, pr_indb in _STOEJ:
            konti.append((hf, fu, 0, indbyggere * scale * pr_indb / 12))
        brutto = np.array([k[3] for k in konti])
        arter = _ARTER + (_HOVEDART_0,)
        andele = np.array([a[2] for a in arter])
        beloeb = brutto[:, None] * andele[None, :] * rng.lognormal(0, 0.05, (len(konti), len(arter)))
        oere = np.round(_korriger(ret, beloeb, alder) * 100).astype(np.int64)
        ki, ai = np.nonzero(oere)
        raekker.append(
            _linjer(
                p,
                {
                    "hovedfunktion": np.array([konti[i][0] for i in ki], dtype=np.int64),
                    "funktion": np.array([konti[i][1] for i in ki], dtype=np.int64),
                    "gruppering": np.array([konti[i][2] for i in ki], dtype=np.int64),
                    "hovedart": np.array([arter[a][0] for a in ai], dtype=object),
                    "art": np.array([arter[a][1] for a in ai], dtype=object),
                },
                oere[ki, ai],
            )
        )
        raekker.append(
            _befolkningskonti(seed, kode, p, L, maalgrupper(p)[kidx], uds_brutto * uds_netto_andel)
        )
    df = pl.concat(raekker) if raekker else pl.DataFrame()
    return df.select(
        pl.col("periode").cast(pl.String),
        pl.col("dranst").cast(pl.String),
        pl.col("hovedkonto").cast(pl.String),
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


class Regk31:
    """DST's published yearly net operating expenses: collected from each kommune's January
    delivery (its accounts of the whole previous year, as FLIS knows them) and written as
    reference/REGK31.csv, a few cells off by more than 1,000 DKK."""

    def __init__(self) -> None:
        self._aar: list[pl.DataFrame] = []

    def tilfoej(self, kode: int, L: int, levering: pl.DataFrame) -> None:
        if L % 12 != 0:
            return
        self._aar.append(
            levering.filter((pl.col("dranst") == "1") & (pl.col("hovedart") != "0"))
            .group_by(funktion=pl.col("hovedkonto") + "." + pl.col("hovedfunktion"))
            .agg(
                oere=(pl.col("beloeb").str.replace(",", "", literal=True).cast(pl.Int64)).sum()
            )
            .with_columns(omraade=pl.lit(kode, dtype=pl.Int64), aar=pl.lit(L // 12 - 1, dtype=pl.Int64))
        )

    def skriv(self, seed: int, out: Path) -> Path:
        df = (
            pl.concat(self._aar)
            if self._aar
            else pl.DataFrame(schema={"funktion": pl.String, "oere": pl.Int64, "omraade": pl.Int64, "aar": pl.Int64})
        ).sort("aar", "omraade", "funktion")
        afvig = [
            _regk31_afvigelse(seed, kode, aar, funktion, oere)
            for kode, aar, funktion, oere in df.select("omraade", "aar", "funktion", "oere").iter_rows()
        ]
        res = df.select(
            pl.col("omraade").cast(pl.String).str.zfill(3),
            pl.col("funktion"),
            pl.col("aar").cast(pl.String).alias("tid"),
            ((pl.col("oere") / 100_000).round(0).cast(pl.Int64) + pl.Series(afvig, dtype=pl.Int64))
            .cast(pl.String)
            .alias("indhold"),
        )
        sti = out / "reference" / "REGK31.csv"
        writer.skriv_csv_med_hoved(sti, res)
        return sti


def _regk31_afvigelse(seed: int, kode: int, aar: int, funktion: str, oere: int) -> int:
    """DST's figure minus FLIS's for one cell, in 1,000 DKK: usually 0, sometimes a late
    posting of a few per cent (at least 2)."""
    hk, hf = (int(x) for x in funktion.split("."))
    u = f.stream(seed, kode, "oekonomi", _REGK31_STROEM, aar, hk * 100 + hf).random(3)
    if u[0] >= _P_REGK31_AFVIGELSE:
        return 0
    stoerrelse = max(2, round(abs(oere) / 100_000 * (0.005 + 0.03 * u[1])))
    return stoerrelse if u[2] < 0.5 else -stoerrelse
