"""The synthetic population (CPR): every person living in Denmark at some time in the horizon.

Each kommune's residents are simulated from their own RNG stream: the stock on 1 January 2013
from an age pyramid, births and immigrants over the horizon, a Gompertz age at death, emigration
and at most one move to another kommune. The national arrays are the kommuner concatenated in
kommuner.csv order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from flis_assets.generate import faelles as f

# Share of the population per five-year age band (0-4 ... 100-104), Denmark about 2013-2020.
_PYRAMIDE = np.array(
    [5.4, 5.6, 5.8, 5.9, 6.6, 6.9, 5.9, 5.9, 6.4, 7.1, 7.0, 6.5, 5.9, 5.6, 5.5, 3.9, 2.4, 1.3,
     0.6, 0.15, 0.02]
)
_FOEDSELSRATE = 0.0105  # per resident and year
_INDVANDRINGSRATE = 0.008
_UDVANDRINGSRATE = 0.006
_FLYTTERATE = 0.012  # moves to another kommune per year (at most one per person here)
# Gompertz mortality: hazard a*exp(b*age), age in years.
_GOMPERTZ_A = 1.6e-5
_GOMPERTZ_B = 0.1
MINDSTE_BEFOLKNING = 12  # tiny scales still give each kommune a handful of people

# CPR serials: the three middle digits of SSSS are split into per-kommune blocks so that numbers
# are unique across the country without coordinating the kommuner's streams.
_PRAEFIKSER = 1000
_MINDSTE_BLOK = 2
_VAEGTE = np.array([4, 3, 2, 7, 6, 5, 4, 3, 2, 1])


@dataclass
class Befolkning:
    cpr: np.ndarray  # int64, DDMMYYSSSS
    foed: np.ndarray  # int32 days
    koen: np.ndarray  # int8, 0 = M, 1 = K
    indgang: np.ndarray  # int32: first day resident (FOER for the stock on 1 January 2013)
    udgang: np.ndarray  # int32: death or emigration day, ALDRIG if neither
    doed: np.ndarray  # bool: udgang is a death
    k0: np.ndarray  # int16 kommune index of residence (and of the simulating stream)
    flyt: np.ndarray  # int32 day of the move, ALDRIG if none
    k1: np.ndarray  # int16 kommune index after the move
    offset: np.ndarray  # persons of kommune index i are [offset[i], offset[i+1])

    def __len__(self) -> int:
        return len(self.cpr)

    def bopael(self, pid: np.ndarray, t: np.ndarray | int) -> np.ndarray:
        """Kommune index of residence of persons `pid` on day(s) `t`."""
        return np.where(t >= self.flyt[pid], self.k1[pid], self.k0[pid])

    def til_stede(self, pid: np.ndarray, t: np.ndarray | int) -> np.ndarray:
        return (self.indgang[pid] <= t) & (self.udgang[pid] > t)


def cpr_blokke() -> tuple[np.ndarray, np.ndarray]:
    """Start and length of each kommune's block of serial prefixes."""
    andel = f.kommuner().andel
    rest = _PRAEFIKSER - _MINDSTE_BLOK * len(andel)
    laengde = _MINDSTE_BLOK + np.floor(rest * andel).astype(np.int64)
    start = np.concatenate([[0], np.cumsum(laengde)[:-1]])
    return start, laengde


def modulus11_ok(cpr: np.ndarray) -> np.ndarray:
    """True where a CPR number passes the modulus-11 check (never for generated numbers)."""
    c = np.asarray(cpr, dtype=np.int64)
    s = np.zeros(len(c), dtype=np.int64)
    for i, w in enumerate(_VAEGTE):
        s += ((c // 10 ** (9 - i)) % 10) * w
    return s % 11 == 0


def _cpr_numre(foed: np.ndarray, blok_start: int, blok_laengde: int, kode: int) -> np.ndarray:
    """DDMMYY + a serial unique per DDMMYY within the kommune's block, never modulus-11 valid.

    Each 3-digit prefix gives 9 serials: the last digit skips the one value that would make the
    weighted sum divisible by 11.
    """
    ymd = f.yyyymmdd(foed)
    ddmmyy = (ymd % 100) * 10000 + ((ymd // 100) % 100) * 100 + (ymd // 10000) % 100
    orden = np.lexsort((np.arange(len(foed)), ddmmyy))
    sorteret = ddmmyy[orden]
    ny_gruppe = np.r_[True, sorteret[1:] != sorteret[:-1]]
    pos = np.arange(len(foed))
    rang_sorteret = pos - np.maximum.accumulate(np.where(ny_gruppe, pos, 0))
    rang = np.empty_like(rang_sorteret)
    rang[orden] = rang_sorteret
    q, t = rang // 9, rang % 9
    if len(q) and q.max() >= blok_laengde:
        raise ValueError(f"kommune {kode}: too many persons per birth date for its CPR block")
    praefiks = blok_start + q
    ni = ddmmyy * 1000 + praefiks
    s = np.zeros(len(ni), dtype=np.int64)
    for i, w in enumerate(_VAEGTE[:9]):
        s += ((ni // 10 ** (8 - i)) % 10) * w
    forbudt = (-s) % 11
    sidste = t + (t >= forbudt)
    return ni * 10 + sidste


def _gompertz_doedsalder(rng: np.random.Generator, alder: np.ndarray) -> np.ndarray:
    """Age at death (years) given survival to `alder`."""
    u = rng.random(len(alder))
    a, b = _GOMPERTZ_A, _GOMPERTZ_B
    return np.log(np.exp(b * alder) - (b / a) * np.log(u)) / b


def _simuler_kommune(seed: int, kidx: int, scale: float, blok: tuple[int, int]) -> dict[str, np.ndarray]:
    km = f.kommuner()
    kode = int(km.koder[kidx])
    rng = f.stream(seed, kode, "cpr")
    h0, h1 = f.dag(f.HORISONT_START), f.dag(f.HORISONT_SLUT)
    aar = (h1 - h0 + 1) / f.AAR
    n0 = max(MINDSTE_BEFOLKNING, round(km.indbyggere[kidx] * scale))

    # The stock on 1 January 2013.
    p = _PYRAMIDE / _PYRAMIDE.sum()
    alder0 = (rng.choice(len(p), size=n0, p=p) + rng.random(n0)) * 5
    foed0 = h0 - np.floor(alder0 * f.AAR)
    # Births.
    nb = rng.poisson(n0 * _FOEDSELSRATE * aar)
    foed_b = rng.integers(h0, h1 + 1, nb)
    # Immigrants: mostly young adults.
    ni = rng.poisson(n0 * _INDVANDRINGSRATE * aar)
    ind_i = rng.integers(h0, h1 + 1, ni)
    alder_i = np.clip(rng.normal(29, 10, ni), 0, 80)
    foed_i = ind_i - np.floor(alder_i * f.AAR)

    foed = np.concatenate([foed0, foed_b, foed_i]).astype(np.int64)
    indgang = np.concatenate([np.full(n0, f.FOER), foed_b, ind_i]).astype(np.int64)
    n = len(foed)
    alder_ved_indgang = (np.maximum(indgang, h0) - foed) / f.AAR
    doeddag = foed + np.floor(_gompertz_doedsalder(rng, alder_ved_indgang) * f.AAR)
    doeddag = np.maximum(doeddag, np.maximum(indgang, h0))
    udv = np.maximum(indgang, h0) + np.floor(rng.exponential(f.AAR / _UDVANDRINGSRATE, n))
    doed = (doeddag <= udv) & (doeddag <= h1)
    udgang = np.where(doed, doeddag, np.where(udv <= h1, udv, f.ALDRIG))
    flyt = np.maximum(indgang, h0) + 1 + np.floor(rng.exponential(f.AAR / _FLYTTERATE, n))
    flyt = np.where((flyt < udgang) & (flyt <= h1), flyt, f.ALDRIG)
    # Destination by size, never the kommune itself.
    andel = km.andel.copy()
    andel[kidx] = 0
    k1 = rng.choice(len(andel), size=n, p=andel / andel.sum())
    k1 = np.where(flyt < f.ALDRIG, k1, kidx)

    return {
        "cpr": _cpr_numre(foed, blok[0], blok[1], kode),
        "foed": foed.astype(np.int32),
        "koen": rng.integers(0, 2, n).astype(np.int8),
        "indgang": indgang.astype(np.int32),
        "udgang": udgang.astype(np.int32),
        "doed": doed,
        "k0": np.full(n, kidx, dtype=np.int16),
        "flyt": flyt.astype(np.int32),
        "k1": k1.astype(np.int16),
    }


def simuler(seed: int, scale: float) -> Befolkning:
    """The national population; every kommune is simulated (from its own stream) whatever is
    requested, so that cross-kommune facts (moves, pupils) are the same in every run."""
    km = f.kommuner()
    bs, bl = cpr_blokke()
    dele = [_simuler_kommune(seed, i, scale, (int(bs[i]), int(bl[i]))) for i in range(len(km.koder))]
    offset = np.concatenate([[0], np.cumsum([len(d["cpr"]) for d in dele])])
    return Befolkning(
        **{k: np.concatenate([d[k] for d in dele]) for k in dele[0]},
        offset=offset,
    )


def cpr_udtraek(bef: Befolkning, mi: int, med: np.ndarray) -> pl.DataFrame:
    """The month's CPR extract (fields by name) for persons where `med` is True: everyone
    resident at some time in the month, plus those who died in it."""
    ms, me = f.maaned_start(mi), f.maaned_slut(mi)
    pid = np.flatnonzero(med & (bef.indgang <= me) & (bef.udgang >= ms))
    udgang = bef.udgang[pid]
    doed_i_maaned = bef.doed[pid] & (udgang <= me)
    udvandret = ~bef.doed[pid] & (udgang <= me)
    t = np.where(doed_i_maaned, udgang, me)
    bopael = f.kommuner().koder[bef.bopael(pid, t)]
    return pl.DataFrame(
        {
            "cpr": bef.cpr[pid],
            "foedselsdato": f.yyyymmdd(bef.foed[pid]),
            "koen": bef.koen[pid],
            "bopaelskommune": np.where(udvandret, -1, bopael),
            "doedsdato": np.where(doed_i_maaned, f.yyyymmdd(udgang), -1),
        }
    ).select(
        pl.col("cpr").cast(pl.String).str.zfill(10),
        pl.col("foedselsdato").cast(pl.String),
        pl.when(pl.col("koen") == 0).then(pl.lit("M")).otherwise(pl.lit("K")).alias("koen"),
        pl.when(pl.col("bopaelskommune") >= 0)
        .then(pl.col("bopaelskommune").cast(pl.String).str.zfill(3))
        .alias("bopaelskommune"),
        pl.when(pl.col("doedsdato") >= 0).then(pl.col("doedsdato").cast(pl.String)).alias("doedsdato"),
    )
