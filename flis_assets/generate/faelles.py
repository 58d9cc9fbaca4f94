"""Shared pieces of the generator: the fixed simulation horizon, day/month arithmetic, RNG streams.

Days are int32 days since 1970-01-01 throughout (numpy-friendly); months are `year*12 + month-1`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
import zlib

import numpy as np

from flis_assets import kodelister

EPOCH = date(1970, 1, 1)
# Every timeline is simulated on this fixed horizon so that a month's files never depend on the
# requested range.
HORISONT_START = date(2013, 1, 1)
HORISONT_SLUT = date(2030, 12, 31)
VH_START = date(2013, 7, 1)  # activity data on adult disability exists from 1 July 2013
AAR = 365.25

# Sentinels for "before the horizon" and "never" (e.g. no exit, open ydelse).
FOER = np.int32(-1_000_000)
ALDRIG = np.int32(1_000_000)

_KILDE_ID = {
    "cpr": 1,
    "vh": 2,
    "udsatte": 3,
    "skole": 4,
    "oekonomi": 5,
    "godkendt": 6,
    "hand07": 7,
    "fagsystem": 8,
    "leverance": 9,
}


def stream(seed: int, kode: int, kilde: str, *extra: int) -> np.random.Generator:
    """An independent RNG stream per (seed, kommune, source, ...)."""
    return np.random.default_rng([seed, kode, _kilde_id(kilde), *extra])


def _kilde_id(kilde: str) -> int:
    """The first streams' fixed numbers (their files stay byte-identical); any other name (a new
    area's source or reference file) its own number from the name, so an area needs no entry here."""
    return _KILDE_ID.get(kilde) or 1000 + zlib.crc32(kilde.encode("utf-8"))


def dag(d: date) -> int:
    return (d - EPOCH).days


def maaned(d: date) -> int:
    return d.year * 12 + d.month - 1


def maaned_dato(mi: int) -> date:
    return date(mi // 12, mi % 12 + 1, 1)


def maaned_start(mi: int) -> int:
    return dag(maaned_dato(mi))


def maaned_slut(mi: int) -> int:
    return maaned_start(mi + 1) - 1


def maaned_af(dage: np.ndarray) -> np.ndarray:
    """Month index of each day (vectorised)."""
    return np.asarray(dage, dtype="int64").astype("datetime64[D]").astype("datetime64[M]").astype(
        np.int64
    ) + 1970 * 12


def aar_af(dage: np.ndarray) -> np.ndarray:
    return np.asarray(dage, dtype="int64").astype("datetime64[D]").astype("datetime64[Y]").astype(
        np.int64
    ) + 1970


def jan1(dage: np.ndarray) -> np.ndarray:
    """1 January of each day's year, as days."""
    return (aar_af(dage) - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)


def yyyymmdd(dage: np.ndarray) -> np.ndarray:
    """Days as the integer YYYYMMDD (vectorised)."""
    d = np.asarray(dage, dtype="int64").astype("datetime64[D]")
    m = d.astype("datetime64[M]")
    y = m.astype("datetime64[Y]")
    return (
        (y.astype(np.int64) + 1970) * 10000
        + (m.astype(np.int64) - y.astype("datetime64[M]").astype(np.int64) + 1) * 100
        + (d - m.astype("datetime64[D]")).astype(np.int64)
        + 1
    )


def kvartal_af_maaned(mi: int) -> int:
    """Quarter index `year*4 + q-1` of a month index."""
    return (mi // 12) * 4 + (mi % 12) // 3


def kvartal_navn(ki: int) -> str:
    return f"{ki // 4}K{ki % 4 + 1}"


def sidste_hele_kvartal(til_mi: int) -> int:
    """The last quarter whose last month is at or before the load month `til_mi`."""
    ki = kvartal_af_maaned(til_mi)
    return ki if til_mi % 3 == 2 else ki - 1


def leveringsdato(seed: int, kode: int, kilde: str, mi: int) -> date:
    """A deterministic delivery day (1-28) in the load month."""
    dag_i_maaned = int(stream(seed, kode, "leverance", _kilde_id(kilde), mi).integers(1, 29))
    return maaned_dato(mi).replace(day=dag_i_maaned)


@dataclass(frozen=True)
class Kommuner:
    koder: np.ndarray  # int, in kommuner.csv order
    indbyggere: np.ndarray  # float

    @property
    def andel(self) -> np.ndarray:
        return self.indbyggere / self.indbyggere.sum()

    def idx(self, kode: int) -> int:
        return int(np.flatnonzero(self.koder == kode)[0])


@cache
def kommuner() -> Kommuner:
    df = kodelister.load("kommuner")
    return Kommuner(
        koder=df["kommunekode"].to_numpy().astype(np.int64),
        indbyggere=df["indbyggere_ca"].to_numpy().astype(np.float64),
    )


def mixture_varighed(
    rng: np.random.Generator, n: int, komponenter: tuple[tuple[float, float], ...], laengdevaegtet: bool
) -> np.ndarray:
    """Durations (days) from a mixture of exponentials.

    `laengdevaegtet` samples the durations of a stock seen at one instant (length-biased: the
    long ones are over-represented), which for an exponential component is Gamma(2, mean).
    """
    w = np.array([k[0] for k in komponenter])
    mu = np.array([k[1] for k in komponenter])
    if laengdevaegtet:
        w = w * mu
    w = w / w.sum()
    komp = rng.choice(len(w), size=n, p=w)
    if laengdevaegtet:
        return rng.gamma(2.0, mu[komp])
    return rng.exponential(mu[komp])
