"""Udsatte børn og unge: measures under Serviceloven (DUBU), per handlekommune.

A stock-and-flow model per foranstaltningstype on the fixed horizon, children drawn from the
kommune's residents aged 0-17; a measure ends at the latest the day before the 18th birthday or
when the child dies or emigrates. Placed children get a placement kommune (often another one),
where they go to school.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from flis_assets.generate import faelles as f
from flis_assets.omraader.borger.generate import Befolkning

ANBRINGELSE, FOREBYGGENDE = 0, 1
_TYPER = ("ANBRINGELSE", "FOREBYGGENDE")
# (national open stock at scale 1, duration mixture, start-age range, paragraffer with weights)
_PARAM = {
    ANBRINGELSE: (
        19200,
        ((0.35, 180), (0.4, 900), (0.25, 2500)),
        (0, 17),
        (("SEL 52.3.7", 1.0),),
    ),
    FOREBYGGENDE: (
        50500,
        ((0.5, 150), (0.35, 450), (0.15, 1200)),
        (2, 17),
        (
            ("SEL 52.3.3", 0.30),
            ("SEL 52.3.9", 0.30),
            ("SEL 52.3.2", 0.15),
            ("SEL 52.3.6", 0.10),
            ("SEL 52.3.4", 0.05),
            ("SEL 52.3.1", 0.10),
        ),
    ),
}
_P_ANBRAGT_UDENBYS = 0.55  # placed in another kommune (foster family or institution)


@dataclass
class Udsatte:
    """All measures of all kommuner (national arrays)."""

    kommune: np.ndarray  # kommune index of the handlekommune
    pid: np.ndarray
    type: np.ndarray
    paragraf: np.ndarray  # object (str)
    start: np.ndarray
    slut: np.ndarray  # ALDRIG = open
    anbringelseskommune: np.ndarray  # kommune index where a placed child lives and goes to school
    seq: np.ndarray

    def aabne(self, t: int) -> np.ndarray:
        return (self.start <= t) & (self.slut >= t)

    def fil(self, bef: Befolkning, kidx: int, L: int) -> pl.DataFrame:
        """The kommune's full stock as delivered in load month L."""
        me = f.maaned_slut(L)
        idx = np.flatnonzero((self.kommune == kidx) & (self.start <= me))
        slut = self.slut[idx]
        kendt = slut <= me
        kode = int(f.kommuner().koder[kidx])
        return pl.DataFrame(
            {
                "seq": self.seq[idx],
                "cpr": bef.cpr[self.pid[idx]],
                "type": np.array(_TYPER, dtype=object)[self.type[idx]],
                "paragraf": self.paragraf[idx],
                "start": f.yyyymmdd(self.start[idx]),
                "slut": np.where(kendt, f.yyyymmdd(np.where(kendt, slut, 0)), -1),
            },
            schema_overrides={"type": pl.String, "paragraf": pl.String},
        ).select(
            (pl.lit(f"F{kode:03d}") + pl.col("seq").cast(pl.String).str.zfill(7)).alias("foranstaltning_id"),
            pl.col("cpr").cast(pl.String).str.zfill(10),
            pl.lit(f"{kode:03d}").alias("handlekommune"),
            pl.col("type").alias("foranstaltningstype"),
            pl.col("paragraf"),
            pl.col("start").cast(pl.String).alias("startdato"),
            pl.when(pl.col("slut") >= 0).then(pl.col("slut").cast(pl.String)).alias("slutdato"),
        )


def _foedselsdag(foed: np.ndarray, aar: int) -> np.ndarray:
    """The day of the given birthday (29 February rolls into March)."""
    d = np.asarray(foed, dtype="int64").astype("datetime64[D]")
    m = d.astype("datetime64[M]")
    return ((m + 12 * aar).astype("datetime64[D]") + (d - m.astype("datetime64[D]"))).astype(np.int64)


def _kommune(seed: int, bef: Befolkning, kidx: int, scale: float) -> dict[str, np.ndarray]:
    km = f.kommuner()
    kode = int(km.koder[kidx])
    rng = f.stream(seed, kode, "udsatte")
    h0, h1 = f.dag(f.HORISONT_START), f.dag(f.HORISONT_SLUT)
    lo, hi = int(bef.offset[kidx]), int(bef.offset[kidx + 1])
    dele = []
    for typ, (bestand, varighed, (a_min, a_max), paragraffer) in _PARAM.items():
        s = bestand * scale * km.andel[kidx]
        middel = sum(w * m for w, m in varighed)
        n0 = rng.poisson(s)
        d0 = f.mixture_varighed(rng, n0, varighed, laengdevaegtet=True)
        st0 = h0 - np.floor(rng.random(n0) * d0)
        nf = rng.poisson(s / middel * (h1 - h0))
        stf = rng.integers(h0, h1 + 1, nf).astype(np.float64)
        d = np.concatenate([d0, f.mixture_varighed(rng, nf, varighed, laengdevaegtet=False)])
        st = np.concatenate([st0, stf]).astype(np.int64)
        en = st + np.floor(d).astype(np.int64)
        # A child resident on the start day (or on 1 January 2013 for the initial stock).
        t = np.maximum(st, h0)
        pid = np.full(len(st), -1, dtype=np.int64)
        todo = np.arange(len(st))
        for _ in range(80):
            if len(todo) == 0:
                break
            kand = rng.integers(lo, hi, len(todo))
            alder = (st[todo] - bef.foed[kand]) / f.AAR
            ok = (
                bef.til_stede(kand, t[todo])
                & (bef.bopael(kand, t[todo]) == kidx)
                & (alder >= a_min)
                & (alder < a_max + 1)
                & (bef.foed[kand] <= t[todo])
            )
            pid[todo[ok]] = kand[ok]
            todo = todo[~ok]
        hold = pid >= 0
        st, en, pid = st[hold], en[hold], pid[hold]
        foer_18 = _foedselsdag(bef.foed[pid], 18) - 1
        en = np.minimum(en, np.minimum(foer_18, bef.udgang[pid].astype(np.int64)))
        hold = (en >= h0) & (en >= st)
        st, en, pid = st[hold], en[hold], pid[hold]
        en = np.where(en > h1, f.ALDRIG, en)
        navne, p = zip(*paragraffer)
        udenbys = rng.random(len(st)) < _P_ANBRAGT_UDENBYS
        andel = km.andel
        dele.append(
            {
                "pid": pid,
                "type": np.full(len(st), typ, dtype=np.int8),
                "paragraf": np.array(navne, dtype=object)[rng.choice(len(navne), len(st), p=np.array(p))],
                "start": st,
                "slut": en,
                "anbringelseskommune": np.where(
                    udenbys, rng.choice(len(andel), len(st), p=andel), kidx
                ).astype(np.int16),
            }
        )
    res = {k: np.concatenate([d[k] for d in dele]) for k in dele[0]}
    orden = np.lexsort((res["pid"], res["start"]))
    res = {k: v[orden] for k, v in res.items()}
    res["kommune"] = np.full(len(orden), kidx, dtype=np.int16)
    res["seq"] = np.arange(len(orden))
    return res


def simuler(seed: int, bef: Befolkning, scale: float) -> Udsatte:
    """Every kommune's measures: the schools of one kommune see children of all the others."""
    dele = [_kommune(seed, bef, i, scale) for i in range(len(f.kommuner().koder))]
    return Udsatte(**{k: np.concatenate([d[k] for d in dele]) for k in dele[0]})
