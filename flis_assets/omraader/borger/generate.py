"""The synthetic population (CPR): every person living in Denmark at some time in the horizon.

Each kommune's residents are simulated from their own RNG stream: the stock on 1 January 2013
from an age pyramid, births and immigrants over the horizon, a Gompertz age at death, and a
life of residence events. Events (a move to another kommune, a stay abroad and the return from
it, a final emigration) come from an age-dependent hazard with a per-person propensity, so
young adults move most and some people move several times. The national arrays are the
kommuner concatenated in kommuner.csv order; the residence events are one array sorted by
(person, day), searched with `np.searchsorted`.

FOLK1A (`reference/FOLK1A.csv`) is this population on the first day of each quarter, with a
handful of cells off by a little (Statistikbanken is not always the register FLIS reads).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl

from flis_assets.generate import faelles as f
from flis_assets.generate import writer

# Share of the population per five-year age band (0-4 ... 100-104), Denmark about 2013-2020.
_PYRAMIDE = np.array(
    [5.4, 5.6, 5.8, 5.9, 6.6, 6.9, 5.9, 5.9, 6.4, 7.1, 7.0, 6.5, 5.9, 5.6, 5.5, 3.9, 2.4, 1.3,
     0.6, 0.15, 0.02]
)
_FOEDSELSRATE = 0.0105  # per resident and year
_INDVANDRINGSRATE = 0.008  # first arrivals in Denmark
# Residence events per year by age (knots, piecewise linear): moves to another kommune and
# emigrations together, scaled to about 4 % moves a year over the population (Danmarks
# Statistik: about 220,000 moves between kommuner and 55,000 emigrations a year).
_HAENDELSE_ALDER = np.array([0, 5, 6, 17, 18, 20, 30, 35, 40, 50, 65, 80, 125], dtype=np.float64)
_HAENDELSE_RATE = 1.3 * np.array(
    [0.050, 0.035, 0.022, 0.022, 0.065, 0.120, 0.120, 0.065, 0.040, 0.024, 0.014, 0.022, 0.022]
)
_P_UDVANDRING = 0.17  # share of events that are emigrations
_P_VENDER_TILBAGE = 0.4  # share of emigrations that are stays abroad with a return
_UDLANDSOPHOLD = (60, 2.5 * 365.25)  # days abroad: a minimum plus an exponential mean
_P_SAMME_KOMMUNE = 0.5  # a returner settles in the kommune left, else anywhere by size
_HETEROGENITET = 0.6  # gamma shape of the per-person propensity: some move again and again
_MAKS_HAENDELSER = 12  # event slots per person on the horizon
# Gompertz mortality: hazard a*exp(b*age), age in years.
_GOMPERTZ_A = 1.6e-5
_GOMPERTZ_B = 0.1
MINDSTE_BEFOLKNING = 12  # tiny scales still give each kommune a handful of people

# CPR serials: the three middle digits of SSSS are split into per-kommune blocks so that numbers
# are unique across the country without coordinating the kommuner's streams.
_PRAEFIKSER = 1000
_MINDSTE_BLOK = 2
_VAEGTE = np.array([4, 3, 2, 7, 6, 5, 4, 3, 2, 1])


_DAG_BITS = 32  # a residence event's key is person << 32 | day


@dataclass
class Befolkning:
    cpr: np.ndarray  # int64, DDMMYYSSSS
    foed: np.ndarray  # int32 days
    koen: np.ndarray  # int8, 0 = M, 1 = K
    indgang: np.ndarray  # int32: first day resident (FOER for the stock on 1 January 2013)
    udgang: np.ndarray  # int32: death or final emigration day, ALDRIG if neither
    doed: np.ndarray  # bool: udgang is a death
    k0: np.ndarray  # int16 kommune index of first residence (and of the simulating stream)
    h_noegle: np.ndarray  # int64 residence events, person << 32 | day, sorted
    h_kommune: np.ndarray  # int16 kommune index from that day on, -1 = abroad
    offset: np.ndarray  # persons of kommune index i are [offset[i], offset[i+1])

    def __len__(self) -> int:
        return len(self.cpr)

    def _noegle(self, pid: np.ndarray, t: np.ndarray | int) -> np.ndarray:
        dag = np.clip(np.asarray(t, dtype=np.int64), 0, (1 << _DAG_BITS) - 1)
        return (np.asarray(pid, dtype=np.int64) << _DAG_BITS) | dag

    def bopael(self, pid: np.ndarray, t: np.ndarray | int) -> np.ndarray:
        """Kommune index of residence of persons `pid` on day(s) `t`; -1 while abroad.

        Before a person's first residence (birth, arrival) it is the first kommune."""
        pid = np.asarray(pid, dtype=np.int64)
        if len(self.h_noegle) == 0:
            return self.k0[pid] + np.zeros(np.shape(self._noegle(pid, t)), dtype=np.int16)
        i = np.searchsorted(self.h_noegle, self._noegle(pid, t), side="right") - 1
        ic = np.maximum(i, 0)
        egen = (i >= 0) & ((self.h_noegle[ic] >> _DAG_BITS) == pid)
        return np.where(egen, self.h_kommune[ic], self.k0[pid])

    def til_stede(self, pid: np.ndarray, t: np.ndarray | int) -> np.ndarray:
        """Resident in Denmark on day(s) `t`."""
        return (self.indgang[pid] <= t) & (self.udgang[pid] > t) & (self.bopael(pid, t) >= 0)

    def haendelse_i(self, pid: np.ndarray, fra: int, til: int) -> np.ndarray:
        """True for persons with a residence event (move, departure, return) in days [fra, til]."""
        lo = np.searchsorted(self.h_noegle, self._noegle(pid, fra), side="left")
        hi = np.searchsorted(self.h_noegle, self._noegle(pid, til), side="right")
        return hi > lo

    def forlader(self, pid: np.ndarray, kidx: int, fra: np.ndarray | int) -> np.ndarray:
        """The first day after `fra` on which each person's residence leaves kommune index `kidx`
        (a move or a departure abroad), f.ALDRIG if none: where a course there ends at the latest."""
        pid = np.asarray(pid, dtype=np.int64)
        lo = np.searchsorted(self.h_noegle, self._noegle(pid, np.asarray(fra) + 1), side="left")
        hi = np.searchsorted(self.h_noegle, pid << _DAG_BITS | ((1 << _DAG_BITS) - 1), side="right")
        n = hi - lo  # each person's events after `fra` (few: a person has at most a dozen)
        ud = np.full(len(pid), f.ALDRIG, dtype=np.int64)
        if not n.sum():
            return ud
        person = np.repeat(np.arange(len(pid)), n)
        idx = np.repeat(lo, n) + np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
        andet = self.h_kommune[idx] != kidx
        # per person the first event elsewhere: events are in day order within a person
        foerste = np.full(len(pid), len(idx), dtype=np.int64)
        np.minimum.at(foerste, person[andet], np.flatnonzero(andet))
        har = foerste < len(idx)
        ud[har] = self.h_noegle[idx[foerste[har]]] & ((1 << _DAG_BITS) - 1)
        return ud

    def nogensinde_i(self, maske: np.ndarray) -> np.ndarray:
        """True for persons resident at some time in a kommune index where `maske` is True."""
        res = maske[self.k0].copy()
        dansk = self.h_kommune >= 0
        res[(self.h_noegle[dansk] >> _DAG_BITS)[maske[self.h_kommune[dansk]]]] = True
        return res


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


@cache
def _kumuleret_hazard() -> tuple[np.ndarray, np.ndarray]:
    """Cumulative residence-event hazard on a fine age grid (years), for inversion."""
    alder = np.linspace(0, _HAENDELSE_ALDER[-1], 2501)
    rate = np.interp(alder, _HAENDELSE_ALDER, _HAENDELSE_RATE)
    kum = np.concatenate([[0.0], np.cumsum((rate[1:] + rate[:-1]) / 2 * np.diff(alder))])
    return alder, kum


def _naeste_alder(alder: np.ndarray, e: np.ndarray) -> np.ndarray:
    """The age at which a unit-rate exponential `e` of cumulative hazard has passed."""
    grid, kum = _kumuleret_hazard()
    h = np.interp(np.minimum(alder, grid[-1]), grid, kum) + e
    # beyond the grid the hazard is constant at its last value
    over = np.maximum(h - kum[-1], 0) / _HAENDELSE_RATE[-1]
    return np.interp(np.minimum(h, kum[-1]), kum, grid) + over


def _anden_kommune(rng: np.random.Generator, nu: np.ndarray, andel: np.ndarray) -> np.ndarray:
    """A destination by size for each person, never the kommune `nu` they live in."""
    valg = rng.choice(len(andel), size=len(nu), p=andel)
    for _ in range(20):  # each round keeps the draws that differ; the rest is a handful
        samme = np.flatnonzero(valg == nu)
        if len(samme) == 0:
            return valg
        valg[samme] = rng.choice(len(andel), size=len(samme), p=andel)
    return np.where(valg == nu, (nu + 1) % len(andel), valg)


def _haendelser(
    rng: np.random.Generator, kidx: int, foed: np.ndarray, start: np.ndarray, doeddag: np.ndarray, h1: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each person's residence events from `start` until death or the horizon's end.

    Returns the events (local person, day, kommune index or -1 abroad), sorted by person and
    day, and per person the day of a final emigration (ALDRIG if none). A death during a stay
    abroad is not in the register: that stay becomes a final emigration."""
    andel = f.kommuner().andel
    udvandret = np.full(len(foed), f.ALDRIG, dtype=np.int64)
    tilboejelighed = rng.gamma(_HETEROGENITET, 1 / _HETEROGENITET, len(foed))
    # the persons still living their events, with their day and kommune so far
    idx = np.arange(len(foed))
    t = start.astype(np.float64)
    kom = np.full(len(foed), kidx, dtype=np.int64)
    pid_l, dag_l, kom_l = [], [], []
    for _ in range(_MAKS_HAENDELSER):
        n = len(idx)
        ny = foed[idx] + np.ceil(
            _naeste_alder((t - foed[idx]) / f.AAR, rng.exponential(1.0, n) / tilboejelighed[idx]) * f.AAR
        )
        ny = np.maximum(ny, t + 1)
        u = rng.random(n)
        hjem = ny + _UDLANDSOPHOLD[0] + np.floor(rng.exponential(_UDLANDSOPHOLD[1], n))
        destination = _anden_kommune(rng, kom, andel)
        retur = np.where(rng.random(n) < _P_SAMME_KOMMUNE, kom, rng.choice(len(andel), size=n, p=andel))
        sker = ny < np.minimum(doeddag[idx], h1 + 1)
        flyt = sker & (u >= _P_UDVANDRING)
        ud = sker & (u < _P_UDVANDRING)
        endelig = ud & ((u >= _P_UDVANDRING * _P_VENDER_TILBAGE) | (hjem >= doeddag[idx]))
        tilbage = ud & ~endelig
        vender_hjem = tilbage & (hjem <= h1)
        for m, dag, hvor in ((flyt, ny, destination), (tilbage, ny, np.full(n, -1)), (vender_hjem, hjem, retur)):
            pid_l.append(idx[m]), dag_l.append(dag[m]), kom_l.append(hvor[m])
        udvandret[idx[endelig]] = ny[endelig]
        videre = flyt | vender_hjem
        idx = idx[videre]
        t = np.where(flyt, ny, hjem)[videre]
        kom = np.where(flyt, destination, retur)[videre]
    pid, dag, hvor = (np.concatenate(x) for x in (pid_l, dag_l, kom_l))
    orden = np.lexsort((dag, pid))
    return pid[orden], dag[orden].astype(np.int64), hvor[orden], udvandret


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
    start = np.maximum(indgang, h0)
    alder_ved_indgang = (start - foed) / f.AAR
    doeddag = foed + np.floor(_gompertz_doedsalder(rng, alder_ved_indgang) * f.AAR)
    doeddag = np.maximum(doeddag, start)
    koen = rng.integers(0, 2, n).astype(np.int8)
    h_pid, h_dag, h_kom, udv = _haendelser(rng, kidx, foed, start, doeddag, h1)
    doed = (doeddag <= h1) & (udv == f.ALDRIG)
    udgang = np.where(doed, doeddag, udv)

    return {
        "cpr": _cpr_numre(foed, blok[0], blok[1], kode),
        "foed": foed.astype(np.int32),
        "koen": koen,
        "indgang": indgang.astype(np.int32),
        "udgang": udgang.astype(np.int32),
        "doed": doed,
        "k0": np.full(n, kidx, dtype=np.int16),
        "h_pid": h_pid,
        "h_dag": h_dag,
        "h_kommune": h_kom.astype(np.int16),
    }


def simuler(seed: int, scale: float) -> Befolkning:
    """The national population; every kommune is simulated (from its own stream) whatever is
    requested, so that cross-kommune facts (moves, pupils) are the same in every run."""
    km = f.kommuner()
    bs, bl = cpr_blokke()
    dele = [_simuler_kommune(seed, i, scale, (int(bs[i]), int(bl[i]))) for i in range(len(km.koder))]
    offset = np.concatenate([[0], np.cumsum([len(d["cpr"]) for d in dele])])
    # kommuner in order and each one's events sorted by (person, day): the keys are sorted
    h_noegle = np.concatenate(
        [((d["h_pid"] + offset[i]) << _DAG_BITS) | d["h_dag"] for i, d in enumerate(dele)]
    ).astype(np.int64)
    personer = ("cpr", "foed", "koen", "indgang", "udgang", "doed", "k0")
    return Befolkning(
        **{k: np.concatenate([d[k] for d in dele]) for k in personer},
        h_noegle=h_noegle,
        h_kommune=np.concatenate([d["h_kommune"] for d in dele]),
        offset=offset,
    )


def cpr_udtraek(bef: Befolkning, mi: int, med: np.ndarray) -> pl.DataFrame:
    """The month's CPR extract (fields by name) for persons where `med` is True: everyone
    resident at some time in the month, plus those who died in it. A person who left the
    country in the month has no residence; one abroad the whole month is not in it."""
    ms, me = f.maaned_start(mi), f.maaned_slut(mi)
    kand = np.flatnonzero(med & (bef.indgang <= me) & (bef.udgang >= ms))
    pid = kand[(bef.bopael(kand, ms) >= 0) | bef.haendelse_i(kand, ms, me)]
    udgang = bef.udgang[pid]
    doed_i_maaned = bef.doed[pid] & (udgang <= me)
    t = np.where(doed_i_maaned, udgang, me)
    bk = bef.bopael(pid, t)
    udvandret = (~bef.doed[pid] & (udgang <= me)) | (bk < 0)
    bopael = f.kommuner().koder[np.maximum(bk, 0)]
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


def beboere(bef: Befolkning, dag: int, alder_dag: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The residents on `dag`: persons, kommune index and age in whole years on `alder_dag`."""
    alle = np.arange(len(bef))
    bk = bef.bopael(alle, dag)
    pid = np.flatnonzero((bef.indgang <= dag) & (bef.udgang > dag) & (bk >= 0))
    alder = (f.yyyymmdd(alder_dag) - f.yyyymmdd(bef.foed[pid])) // 10000
    return pid, bk[pid].astype(np.int64), alder


_FOLK1A_STROEM = 1001  # FOLK1A's deviations: a stream of their own beside the population's
_P_FOLK1A_AFVIGELSE = 0.005
_MAKS_ALDER = 110


def folk1a(seed: int, out: Path, bef: Befolkning, koder: list[int], maaneder: list[int]) -> Path:
    """reference/FOLK1A.csv: the residents of `koder` on the first day of each quarter that
    follows a month in `maaneder` (the end of that month's CPR extract), by sex and age on that
    day (110 = 110 and over), every cell; a handful of cells are off by 1-3."""
    km = f.kommuner()
    kidx = np.array([km.idx(k) for k in koder], dtype=np.int64)
    pos = np.full(len(km.koder), -1, dtype=np.int64)
    pos[kidx] = np.arange(len(kidx))
    celler = 2 * (_MAKS_ALDER + 1)
    dele = []
    for mi in maaneder:
        if mi % 3 != 2:
            continue
        me = f.maaned_slut(mi)
        kvartal = f.kvartal_af_maaned(mi + 1)
        p, bk, alder = beboere(bef, me, me + 1)
        kp = pos[bk]
        p, kp, alder = p[kp >= 0], kp[kp >= 0], np.minimum(alder[kp >= 0], _MAKS_ALDER)
        celle = kp * celler + bef.koen[p].astype(np.int64) * (_MAKS_ALDER + 1) + alder
        antal = np.bincount(celle, minlength=len(kidx) * celler).reshape(len(kidx), celler)
        for i, kode in enumerate(koder):
            rng = f.stream(seed, kode, "cpr", _FOLK1A_STROEM, kvartal)
            afvig = np.where(
                rng.random(celler) < _P_FOLK1A_AFVIGELSE, rng.choice([-3, -2, -1, 1, 2, 3], celler), 0
            )
            antal[i] = np.maximum(antal[i] + afvig, 0)
        dele.append(
            pl.DataFrame(
                {
                    "omraade": np.repeat(np.array(koder, dtype=np.int64), celler),
                    "koen": np.tile(np.repeat(np.array(["M", "K"]), _MAKS_ALDER + 1), len(koder)),
                    "alder": np.tile(np.arange(_MAKS_ALDER + 1), 2 * len(koder)),
                    "tid": np.full(len(koder) * celler, f.kvartal_navn(kvartal)),
                    "indhold": antal.ravel(),
                }
            )
        )
    skema = {"omraade": pl.Int64, "koen": pl.String, "alder": pl.Int64, "tid": pl.String, "indhold": pl.Int64}
    df = pl.concat(dele) if dele else pl.DataFrame(schema=skema)
    sti = out / "reference" / "FOLK1A.csv"
    writer.skriv_csv_med_hoved(sti, df.with_columns(pl.col("omraade").cast(pl.String).str.zfill(3)))
    return sti
