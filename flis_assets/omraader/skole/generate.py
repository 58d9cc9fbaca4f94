"""Skole: pupils enrolled at the end of each month, per kommune whose schools they attend.

Computed nationally each month from the population and the udsatte measures (a pupil's school
kommune is where they live, or where they are placed), then split per kommune. Everything a
pupil keeps (private school, a year behind, school, propensity to be absent) is drawn once per
child; the month's absence from a per-month national stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from flis_assets import snitflader
from flis_assets.generate import faelles as f
from flis_assets.omraader.borger.generate import Befolkning
from flis_assets.omraader.udsatte.generate import ANBRINGELSE, Udsatte

_P_PRIVATSKOLE = 0.16  # pupils in free and private schools are not in the kommunal systems
_P_FORSINKET = 0.05  # a year behind
_P_10_KLASSE = 0.25  # of an age group, in the kommune's 10th grade
# Thresholds on a per-child uniform: (SPECIALKLASSE, +SPECIALSKOLE) by udsatte status.
_TILBUD = {"ingen": (0.05, 0.015), "forebyggende": (0.12, 0.04), "anbragt": (0.20, 0.10)}
_FRAVAER = {"ingen": 0.05, "forebyggende": 0.09, "anbragt": 0.12}  # mean share of school days
_ELEVER_PR_SKOLE = 450
# Weekdays without school per month (holidays), July none at all.
_FERIEDAGE = {1: 2, 2: 5, 3: 0, 4: 4, 5: 2, 6: 6, 7: 99, 8: 8, 9: 0, 10: 5, 11: 0, 12: 6}


def skoledage(mi: int) -> int:
    ms, me = f.maaned_start(mi), f.maaned_slut(mi)
    hverdage = int(np.busday_count(np.datetime64(ms, "D"), np.datetime64(me + 1, "D")))
    return max(0, hverdage - _FERIEDAGE[mi % 12 + 1])


@dataclass
class Skole:
    pid: np.ndarray  # persons who are of school age at some time in the horizon
    u_privat: np.ndarray
    u_forsinket: np.ndarray
    u_10: np.ndarray
    u_tilbud: np.ndarray
    u_skole: np.ndarray
    tilboejelighed: np.ndarray  # per-child factor on absence
    fagsystem: dict[int, str]
    n_skoler: np.ndarray  # per kommune index

    @classmethod
    def simuler(cls, seed: int, bef: Befolkning, scale: float) -> Skole:
        km = f.kommuner()
        fagsystemer = snitflader.kilde("skole").fagsystemer
        # Per kommune: its fagsystem from its own stream.
        fs = {int(k): str(f.stream(seed, int(k), "skole").choice(fagsystemer)) for k in km.koder}
        h0, h1 = f.dag(f.HORISONT_START), f.dag(f.HORISONT_SLUT)
        pid = np.flatnonzero((bef.foed >= h0 - 19 * f.AAR) & (bef.foed <= h1 - 5 * f.AAR))
        rng = f.stream(seed, 0, "skole")
        u = rng.random((6, len(pid)))
        return cls(
            pid=pid,
            u_privat=u[0],
            u_forsinket=u[1],
            u_10=u[2],
            u_tilbud=u[3],
            u_skole=u[4],
            tilboejelighed=rng.lognormal(-0.3, 0.8, len(pid)),
            fagsystem=fs,
            n_skoler=np.maximum(1, np.round(km.indbyggere * scale * 0.115 / _ELEVER_PR_SKOLE)).astype(np.int64),
        )

    def elever(self, seed: int, bef: Befolkning, uds: Udsatte, mi: int) -> pl.DataFrame:
        """All pupils at the end of month mi, with `skolekommune` (index) beside the fields."""
        me = f.maaned_slut(mi)
        km = f.kommuner()
        pid = self.pid
        skoleaar = mi // 12 - (1 if mi % 12 < 7 else 0)  # the school year starts in August
        klassetrin = skoleaar - f.aar_af(bef.foed[pid]) - 6 - (self.u_forsinket < _P_FORSINKET)
        indskrevet = (
            bef.til_stede(pid, me)
            & (self.u_privat >= _P_PRIVATSKOLE)
            & (((klassetrin >= 0) & (klassetrin <= 9)) | ((klassetrin == 10) & (self.u_10 < _P_10_KLASSE)))
        )
        # Udsatte status on the last day of the month.
        aabne = uds.aabne(me)
        status = np.zeros(len(bef), dtype=np.int8)
        status[uds.pid[aabne & (uds.type != ANBRINGELSE)]] = 1
        anbragt = aabne & (uds.type == ANBRINGELSE)
        status[uds.pid[anbragt]] = 2
        anbr_kommune = np.full(len(bef), -1, dtype=np.int16)
        anbr_kommune[uds.pid[anbragt]] = uds.anbringelseskommune[anbragt]

        i = np.flatnonzero(indskrevet)
        p = pid[i]
        st = status[p]
        skolekommune = np.where(st == 2, anbr_kommune[p], bef.bopael(p, me)).astype(np.int64)
        navne = ("ingen", "forebyggende", "anbragt")
        graense_kl = np.array([_TILBUD[n][0] for n in navne])[st]
        graense_sk = graense_kl + np.array([_TILBUD[n][1] for n in navne])[st]
        u = self.u_tilbud[i]
        tilbud = np.where(u < graense_kl, 1, np.where(u < graense_sk, 2, 0))
        n_sk = self.n_skoler[skolekommune]
        skole_nr = np.where(
            tilbud == 2,
            900 + np.floor(self.u_skole[i] * np.maximum(1, n_sk // 10)),
            1 + np.floor(self.u_skole[i] * n_sk),
        ).astype(np.int64)
        skolekode = km.koder[skolekommune] * 1000 + skole_nr
        dage = skoledage(mi)
        rng = f.stream(seed, 0, "skole", mi)
        middel = np.array([_FRAVAER[n] for n in navne])[st] * self.tilboejelighed[i]
        fravaer_tiendedele = np.minimum(
            np.round(rng.gamma(0.7, np.maximum(middel, 1e-6) / 0.7) * dage * 10), dage * 10
        ).astype(np.int64)
        return pl.DataFrame(
            {
                "skolekommune": skolekommune,
                "pid": p,
                "cpr": bef.cpr[p],
                "skolekode": skolekode,
                "klassetrin": klassetrin[i],
                "tilbud": tilbud,
                "fravaer": fravaer_tiendedele,
                "skoledage": np.full(len(p), dage),
            }
        ).select(
            pl.col("skolekommune"),
            pl.col("pid"),
            pl.col("cpr").cast(pl.String).str.zfill(10),
            pl.col("skolekode").cast(pl.String).str.zfill(6),
            pl.col("klassetrin").cast(pl.String),
            pl.col("tilbud")
            .replace_strict({0: "ALMEN", 1: "SPECIALKLASSE", 2: "SPECIALSKOLE"}, return_dtype=pl.String)
            .alias("undervisningstilbud"),
            (
                (pl.col("fravaer") // 10).cast(pl.String) + pl.lit(".") + (pl.col("fravaer") % 10).cast(pl.String)
            ).alias("fravaersdage"),
            pl.col("skoledage").cast(pl.String),
        )
