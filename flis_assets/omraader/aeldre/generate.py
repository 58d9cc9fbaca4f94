"""Ældre: the elder care visitations (hjemmehjælp, plejebolig, træning, mad) as the fagsystemer
deliver them (`aeldre.md`), and DST's AED06 table they are reconciled against.

The area's generator hook (`Omraade.generator`): the orchestration calls `simuler` once, then
`Aeldre.leverancer(mi)` per load month and `Aeldre.reference(...)` at the end.

Each kommune's citizens' courses (forløb) are simulated once on the fixed horizon from the
kommune's own stream, with persons drawn from its CPR residents by age: lasting home help
(praktisk hjælp and/or personlig pleje, hours per citizen), care homes (visitation, a wait mostly
within the two months of the guarantee, a stay that ends at death; many had home help until
they moved in), meals, training, rehabilitation and temporary home help. A load month's file is
a view of those lines as known then: lines registered late, end dates registered late or first
wrong, codes fixed after a while, care-home startdato empty while the citizen waits. DST's rule
hits are planted on a few percent of the lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl

from flis_assets import kodelister
from flis_assets.generate import faelles as f
from flis_assets.generate import reference
from flis_assets.omraader.borger.generate import Befolkning
from flis_assets.omraader.voksenhandicap.generate import Systemskifte, VHLeverandoer

KILDE = "aeldre"

# Invalid (indsatstype, paragraf) pairs the kommuner send (UGYLDIG_INDSATS).
_UGYLDIGE_PAR = (
    ("PERSONLIG_PLEJE", "SEL 83.1.2"),
    ("PRAKTISK_HJAELP", "SEL 83"),
    ("HJEMMEHJAELP", "SEL 83.1"),
    ("PLEJEBOLIG", "SEL 108"),
    ("MADSERVICE", "SEL 83.1.1"),
    ("TRAENING", "SEL 86"),
)
_FAGSYSTEMER = (("NEXUS", 0.5), ("CURA", 0.3), ("KMDCARE", 0.12), ("AVALEO", 0.08))
# Ældre's own system changes: a kommune may change system here and not in VH (and vice versa).
SYSTEMSKIFTER = (
    Systemskifte(240, "AVALEO", "NEXUS", date(2019, 5, 1), 2),
    Systemskifte(540, "KMDCARE", "CURA", date(2024, 2, 1), 2),
    Systemskifte(849, "CURA", "NEXUS", None, 3),  # training in NEXUS, the rest in CURA
)
_TRAENING = ("REHABILITERING", "GENOPTRAENING", "VEDLIGEHOLDELSESTRAENING")


@dataclass(frozen=True)
class Forloeb:
    """One kind of course: national point stock at scale 1 (before deaths shorten it), planned
    durations (mixture of exponentials: weight, mean days) and the citizens' age at the start."""

    bestand: float
    varighed: tuple[tuple[float, float], ...]
    alder: tuple[float, float, float]  # mean, sd, minimum


# Calibrated so that 2022 gives about 156,000 home-help recipients in their own home and 38,000
# care-home residents aged 65+ nationally at scale 1 (deaths end most courses early).
_HJEMMEHJAELP = Forloeb(191_000, ((0.35, 500), (0.65, 2200)), (85, 7, 55))
_PLEJEBOLIG = Forloeb(89_500, ((0.3, 250), (0.7, 1100)), (86, 6.5, 62))
_ANDRE = {
    "MADSERVICE": Forloeb(24_000, ((0.4, 200), (0.6, 1200)), (83, 8, 55)),
    "REHABILITERING": Forloeb(9_000, ((1.0, 75),), (79, 9, 50)),
    "GENOPTRAENING": Forloeb(14_000, ((1.0, 55),), (72, 12, 18)),
    "VEDLIGEHOLDELSESTRAENING": Forloeb(9_000, ((0.5, 150), (0.5, 500)), (80, 9, 50)),
}
_MIDLERTIDIG = Forloeb(7_000, ((1.0, 45),), (80, 10, 50))  # temporary home help (J)

# Home-help hours per citizen and week: two thirds under 2 h, about 2 % at 20 h or more, mean ~3.2.
_P_UNDER_2, _P_20_PLUS = 0.7, 0.02
_P_KUN_PRAKTISK, _P_KUN_PLEJE = 0.45, 0.15  # the rest get both
_P_HJEMMEHJAELP_FOER_PLEJEBOLIG = 0.6
_P_DOED_VENTENDE = 0.03  # dies while waiting for a care home
_P_FRAFLYTTET = 0.04  # leaves the care home alive
_P_PLEJE_I_PLEJEBOLIG = 0.25  # residents with a personlig pleje line delivered in the care home
_P_MAD_TIL_HJEMMEHJAELP = 0.5
_P_INGEN_PRIVATE = 0.12  # kommuner without private providers of praktisk hjælp
_TILBAGE = 8  # years: the oldest course still running in 2013 began this long before

# Error and correction rates (share of lines).
_P_UGYLDIG_INDSATS = 0.005
_P_INDSATS_RETTET = 0.01
_P_MANGLER_VISITATION = 0.005
_P_SLUT_FOER_START = 0.004
_P_TIMER_UGYLDIGE = 0.008  # of the personlig pleje and praktisk hjælp lines
_P_START_FOER_VISITATION = 0.015
_P_HJEMMEHJAELP_I_PLEJEBOLIG = 0.04  # of home help that runs into a care-home stay
_P_SLUT_RYKKET = 0.015
_P_DOED_AABEN = 0.04  # deaths the kommune never registers as an end
_P_AED06_AFVIGELSE = 0.03


@cache
def indsatser() -> tuple[tuple[str, str], ...]:
    """Valid (indsatstype, paragraf) pairs first (from the area's code list), then invalid ones."""
    kl = kodelister.load("aeldre_indsatser")
    return tuple(zip(kl["indsatstype"], kl["paragraf"])) + _UGYLDIGE_PAR


def _nr(indsatstype: str) -> int:
    return [t for t, _ in indsatser()].index(indsatstype)


def _n_gyldige() -> int:
    return len(indsatser()) - len(_UGYLDIGE_PAR)


def _plejeboligtyper() -> list[int]:
    return [_nr("PLEJEBOLIG"), _nr("PLEJEHJEM")]


def skifte(kode: int) -> Systemskifte | None:
    return next((s for s in SYSTEMSKIFTER if s.kommunekode == kode), None)


def fagsystem(seed: int, kode: int) -> str:
    """The kommune's Ældre fagsystem under rule 1 (drawn apart from its VH system)."""
    navne, p = zip(*_FAGSYSTEMER)
    return str(f.stream(seed, kode, "fagsystem", 2).choice(navne, p=np.array(p)))


def privat_andel(seed: int, kode: int) -> float:
    """The kommune's share of praktisk hjælp from private providers (frit valg)."""
    u = f.stream(seed, kode, "aeldre", 1).random(2)
    return 0.0 if u[0] < _P_INGEN_PRIVATE else float(0.03 + 0.47 * u[1])


# ---------------------------------------------------------------------------------------------
# Simulation of one kommune's lines


class _Personvalg:
    """Draws the kommune's residents by age: persons sorted by birth date, so a wanted age on a
    day is a position; nearby persons are tried until one fits (alive, resident, not used)."""

    def __init__(self, bef: Befolkning, kidx: int):
        lo, hi = int(bef.offset[kidx]), int(bef.offset[kidx + 1])
        self.bef, self.kidx, self.lo = bef, kidx, lo
        self.orden = lo + np.argsort(bef.foed[lo:hi], kind="stable")
        self.foed = bef.foed[self.orden]
        self.brugt = np.zeros(hi - lo, dtype=bool)

    def vaelg(
        self, rng: np.random.Generator, t: np.ndarray, alder: tuple[float, float, float],
        doed_fra: np.ndarray | None = None, doed_til: np.ndarray | None = None,
    ) -> np.ndarray:
        """A person per day in `t` (-1 where none was found in the rounds), preferring persons
        not used before; with `doed_fra`/`doed_til` one who leaves the population in (fra, til]
        (a care-home resident is chosen among those whose life ends within the stay)."""
        bef = self.bef
        res = np.full(len(t), -1, dtype=np.int64)
        todo = np.arange(len(t))
        bredde = 3 if doed_fra is None else 60
        for runde in range(80):  # bounded: what is not found stays -1 and is dropped
            if len(todo) == 0 or len(self.orden) == 0:
                break
            tt = t[todo]
            a = np.maximum(rng.normal(alder[0], alder[1], len(todo)), alder[2])
            pos = np.searchsorted(self.foed, tt - a * f.AAR) + rng.integers(-bredde, bredde + 1, len(todo))
            kand = self.orden[np.clip(pos, 0, len(self.orden) - 1)]
            ok = (
                bef.til_stede(kand, tt)
                & (bef.bopael(kand, tt) == self.kidx)
                & ((tt - bef.foed[kand]) / f.AAR >= alder[2])
            )
            if doed_fra is not None:
                ud = bef.udgang[kand]
                ok &= (ud > doed_fra[todo]) & ((ud <= doed_til[todo]) | (
                    (ud == f.ALDRIG) & (doed_til[todo] > f.dag(f.HORISONT_SLUT))))
            if runde < 50:
                ok &= ~self.brugt[kand - self.lo]
                _, foerste = np.unique(kand, return_index=True)
                eneste = np.zeros(len(kand), dtype=bool)
                eneste[foerste] = True
                ok &= eneste
            res[todo[ok]] = kand[ok]
            self.brugt[kand[ok] - self.lo] = True
            todo = todo[~ok]
        return res


def _starter(rng: np.random.Generator, par: Forloeb, s: float) -> tuple[np.ndarray, np.ndarray]:
    """Start days and planned durations of one kind's courses: the stock on the horizon's first
    day (length-biased durations) plus a steady inflow."""
    h0, h1 = f.dag(f.HORISONT_START), f.dag(f.HORISONT_SLUT)
    middel = sum(w * m for w, m in par.varighed) / sum(w for w, _ in par.varighed)
    n0 = rng.poisson(par.bestand * s)
    d0 = f.mixture_varighed(rng, n0, par.varighed, laengdevaegtet=True)
    # the courses running on the first day began at most _TILBAGE years before it
    st0 = h0 - np.floor(rng.random(n0) * np.minimum(d0, _TILBAGE * f.AAR))
    nf = rng.poisson(par.bestand * s / middel * (h1 - h0))
    stf = rng.integers(h0, h1 + 1, nf).astype(np.float64)
    df = f.mixture_varighed(rng, nf, par.varighed, laengdevaegtet=False)
    return np.concatenate([st0, stf]).astype(np.int64), np.floor(np.concatenate([d0, df])).astype(np.int64)


def _timer(rng: np.random.Generator, n: int) -> np.ndarray:
    """Visited hours a week per citizen, in quarter hours."""
    u = rng.random(n)
    lav = 0.25 + rng.random(n) * 1.7
    mellem = np.minimum(2 + rng.exponential(4.6, n), 19.75)
    hoej = 20 + rng.exponential(9, n)
    t = np.where(u < _P_UNDER_2, lav, np.where(u < 1 - _P_20_PLUS, mellem, hoej))
    return np.round(t * 4) / 4


class _Linjer:
    """The kommune's lines as they are collected, one array per field."""

    def __init__(self) -> None:
        self.dele: list[dict[str, np.ndarray]] = []

    def tilfoej(self, pid, visit, start, slut, indsats, timer=None, privat=None, plejebolig=False,
                midlertidig=False) -> None:
        n = len(pid)
        self.dele.append({
            "pid": pid, "visit": visit, "start": start, "slut": slut,
            "indsats": np.broadcast_to(indsats, n).astype(np.int64),
            "timer": np.full(n, np.nan) if timer is None else timer,
            "privat": np.zeros(n, dtype=bool) if privat is None else privat,
            "plejebolig": np.broadcast_to(plejebolig, n).astype(bool),
            "midlertidig": np.broadcast_to(midlertidig, n).astype(bool),
        })

    def samlet(self) -> dict[str, np.ndarray]:
        return {k: np.concatenate([d[k] for d in self.dele]) for k in self.dele[0]}


def _slut_ved_udgang(bef: Befolkning, kidx: int, pid: np.ndarray, fra: np.ndarray, en: np.ndarray) -> np.ndarray:
    """A course begun on `fra` ends at the latest when the citizen dies, emigrates or moves to
    another kommune (or abroad)."""
    return np.minimum(en, np.minimum(bef.udgang[pid], bef.forlader(pid, kidx, fra))).astype(np.int64)


def _simuler(seed: int, bef: Befolkning, kidx: int, scale: float) -> dict[str, np.ndarray]:
    km = f.kommuner()
    kode = int(km.koder[kidx])
    rng = f.stream(seed, kode, "aeldre")
    s = scale * km.andel[kidx]
    h0, h1 = f.dag(f.HORISONT_START), f.dag(f.HORISONT_SLUT)
    valg = _Personvalg(bef, kidx)
    linjer = _Linjer()
    p_privat = privat_andel(seed, kode)
    PP, PH = _nr("PERSONLIG_PLEJE"), _nr("PRAKTISK_HJAELP")

    def hjemmehjaelp(pid, visit, start, slut, timer, midlertidig=False):
        """Praktisk hjælp and/or personlig pleje for each citizen; both share the hours."""
        n = len(pid)
        u = rng.random(n)
        begge = (u >= _P_KUN_PRAKTISK + _P_KUN_PLEJE) & (timer >= 0.75)
        kun_ph = (u < _P_KUN_PRAKTISK) | ((u >= _P_KUN_PRAKTISK + _P_KUN_PLEJE) & ~begge)
        ph_timer = np.where(begge, np.maximum(np.round(timer * (0.1 + 0.3 * rng.random(n)) * 4) / 4, 0.25), timer)
        m = kun_ph | begge
        linjer.tilfoej(pid[m], visit[m], start[m], slut[m], PH, ph_timer[m], rng.random(m.sum()) < p_privat,
                       midlertidig=midlertidig)
        m = ~kun_ph
        linjer.tilfoej(pid[m], visit[m], start[m], slut[m], PP, (timer - np.where(begge, ph_timer, 0))[m],
                       rng.random(m.sum()) < p_privat * 0.5, midlertidig=midlertidig)

    # Care homes first: their residents are chosen among those whose life ends within the stay.
    visit, varighed = _starter(rng, _PLEJEBOLIG, s)
    u = rng.random(len(visit))
    vent = np.where(u < 0.6, rng.exponential(18, len(visit)),
                    np.where(u < 0.85, 15 + rng.random(len(visit)) * 46, 61 + rng.exponential(40, len(visit))))
    start = visit + 1 + np.floor(vent).astype(np.int64)
    doed_ventende = rng.random(len(visit)) < _P_DOED_VENTENDE
    pid = valg.vaelg(rng, np.maximum(visit, h0), _PLEJEBOLIG.alder,
                     np.where(doed_ventende, visit, start), np.where(doed_ventende, start, start + varighed))
    ok = pid >= 0
    visit, start, pid, doed_ventende = visit[ok], start[ok], pid[ok], doed_ventende[ok]
    slut = _slut_ved_udgang(bef, kidx, pid, visit, np.full(len(pid), f.ALDRIG))
    fraflyt = ~doed_ventende & (rng.random(len(pid)) < _P_FRAFLYTTET) & (slut < f.ALDRIG) & (start < slut)
    slut = np.where(fraflyt, start + np.floor(rng.random(len(pid)) * (slut - start)).astype(np.int64), slut)
    start = np.where(doed_ventende | (start > slut), f.ALDRIG, start)  # never moved in
    n = len(pid)
    linjer.tilfoej(pid, visit, start, slut, np.where(rng.random(n) < 0.85, _nr("PLEJEBOLIG"), _nr("PLEJEHJEM")),
                   privat=rng.random(n) < 0.06, plejebolig=True)
    inde = start < f.ALDRIG
    # Personlig pleje delivered in the care home (boform PLEJEBOLIG: never hjemmehjælp).
    m = inde & (rng.random(n) < _P_PLEJE_I_PLEJEBOLIG)
    linjer.tilfoej(pid[m], start[m], start[m], slut[m], PP, np.round((6 + rng.exponential(8, m.sum())) * 4) / 4,
                   plejebolig=True)
    # Many had lasting home help until they moved in; some lines are not closed in time.
    m = rng.random(n) < _P_HJEMMEHJAELP_FOER_PLEJEBOLIG
    hj_start = np.maximum(visit - np.floor(rng.exponential(700, n)).astype(np.int64),
                          bef.indgang[pid].astype(np.int64))
    hj_slut = np.where(inde, start - 1, slut)
    ikke_lukket = inde & (rng.random(n) < _P_HJEMMEHJAELP_I_PLEJEBOLIG)
    hj_slut = np.where(ikke_lukket, np.minimum(slut, start + 5 + np.floor(rng.exponential(60, n)).astype(np.int64)),
                       hj_slut)
    m &= hj_slut > hj_start
    hjemmehjaelp(pid[m], hj_start[m], hj_start[m], hj_slut[m], np.maximum(_timer(rng, m.sum()), 0.5))

    # Lasting home help of citizens who stay at home.
    visit, varighed = _starter(rng, _HJEMMEHJAELP, s)
    pid = valg.vaelg(rng, np.maximum(visit, h0), _HJEMMEHJAELP.alder)
    ok = pid >= 0
    visit, varighed, pid = visit[ok], varighed[ok], pid[ok]
    slut = _slut_ved_udgang(bef, kidx, pid, visit, visit + varighed)
    start = visit + np.floor(rng.exponential(4, len(pid))).astype(np.int64)
    hjemmehjaelp(pid, visit, start, slut, _timer(rng, len(pid)))
    hj_pid, hj_start, hj_slut = pid, start, slut

    # Temporary home help after a hospital stay.
    visit, varighed = _starter(rng, _MIDLERTIDIG, s)
    pid = valg.vaelg(rng, np.maximum(visit, h0), _MIDLERTIDIG.alder)
    ok = pid >= 0
    visit, pid = visit[ok], pid[ok]
    slut = _slut_ved_udgang(bef, kidx, pid, visit, visit + varighed[ok])
    hjemmehjaelp(pid, visit, visit, slut, np.round((0.5 + rng.exponential(3, len(pid))) * 4) / 4, midlertidig=True)

    # Meals (many beside home help), training and rehabilitation.
    for navn, par in _ANDRE.items():
        visit, varighed = _starter(rng, par, s)
        pid = np.full(len(visit), -1, dtype=np.int64)
        slut = visit + varighed
        if navn == "MADSERVICE" and len(hj_pid):
            idx = np.flatnonzero(rng.random(len(visit)) < _P_MAD_TIL_HJEMMEHJAELP)
            j = rng.integers(0, len(hj_pid), len(idx))
            dag = np.minimum(hj_start[j] + np.floor(rng.random(len(idx)) * (hj_slut[j] - hj_start[j])), h1)
            visit[idx] = dag.astype(np.int64)
            pid[idx] = hj_pid[j]
            slut[idx] = np.minimum(visit[idx] + varighed[idx], hj_slut[j])
        frie = pid < 0
        pid[frie] = valg.vaelg(rng, np.maximum(visit[frie], h0), par.alder)
        ok = pid >= 0
        visit, pid = visit[ok], pid[ok]
        slut = _slut_ved_udgang(bef, kidx, pid, visit, slut[ok])
        start = visit + np.floor(rng.exponential(5, len(pid))).astype(np.int64)
        linjer.tilfoej(pid, visit, start, slut, _nr(navn), privat=rng.random(len(pid)) < (
            0.3 if navn == "MADSERVICE" else 0.0), midlertidig=navn in ("REHABILITERING", "GENOPTRAENING"))

    x = linjer.samlet()
    x["slut"] = np.where(x["slut"] > h1, f.ALDRIG, x["slut"])
    # Kept: lines still running in 2013 that began before their end (a citizen who dies or
    # moves between the visitation and the start never got the indsats; a care-home line of a
    # citizen who died waiting has no start).
    plejebolig = np.isin(x["indsats"], _plejeboligtyper())
    hold = (x["slut"] >= h0) & np.where(plejebolig, x["visit"] <= np.minimum(x["slut"], h1), x["start"] <= x["slut"])
    x = {k: v[hold] for k, v in x.items()}
    orden = np.lexsort((x["indsats"], x["pid"], x["visit"]))
    x = {k: v[orden] for k, v in x.items()}
    return _plant_og_registrer(rng, bef, x, kode)


def _plant_og_registrer(rng: np.random.Generator, bef: Befolkning, x: dict[str, np.ndarray], kode: int
                        ) -> dict[str, np.ndarray]:
    """The kommune's registration of the true lines: late lines, late or wrong end dates, codes
    fixed later, and the errors DST's rules catch."""
    n = len(x["pid"])
    pid, visit, start, slut = x["pid"], x["visit"], x["start"], x["slut"]
    plejebolig_linje = np.isin(x["indsats"], _plejeboligtyper())
    # Some deaths are never registered as an end: the line stays open.
    doed = bef.doed[pid] & (slut == bef.udgang[pid])
    slut = np.where(doed & (rng.random(n) < _P_DOED_AABEN), f.ALDRIG, slut)

    u = rng.random((8, n))
    begyndt = start < f.ALDRIG
    slut_foer_start = begyndt & (u[0] < _P_SLUT_FOER_START)
    slut = np.where(slut_foer_start, start - 1 - np.floor(u[1] * 60).astype(np.int64), slut)
    start_foer = begyndt & ~plejebolig_linje & (u[2] < _P_START_FOER_VISITATION)
    visit = np.where(start_foer, start + 1 + np.floor(u[3] * 30).astype(np.int64), visit)
    mangler_visit = u[4] < _P_MANGLER_VISITATION

    # Registration as load months: a line is known from its visitation (care home) or its start.
    kendt_fra = np.where(plejebolig_linje | ~begyndt, visit, np.maximum(visit, start))
    reg = f.maaned_af(np.maximum(kendt_fra, f.dag(f.HORISONT_START))) + rng.choice(
        [0, 1, 2, 3, 4, 6], n, p=[0.9, 0.06, 0.02, 0.01, 0.007, 0.003])
    aaben = slut == f.ALDRIG
    slut_kendt = np.where(aaben, 0, np.maximum(f.maaned_af(np.minimum(slut, f.dag(f.HORISONT_SLUT))) + rng.choice(
        [0, 1, 2], n, p=[0.75, 0.2, 0.05]), reg))
    slut_kendt = np.where(slut_foer_start, reg, slut_kendt)
    rykket = ~aaben & ~slut_foer_start & (u[5] < _P_SLUT_RYKKET)
    slut_pre = np.where(rykket, slut + 15 + np.floor(u[6] * 105).astype(np.int64), f.ALDRIG)
    slut_ret = np.where(rykket, slut_kendt + 1 + np.floor(u[7] * 3).astype(np.int64), 0)

    ng = _n_gyldige()
    ugyldig = rng.random(n) < _P_UGYLDIG_INDSATS
    forkert = ng + rng.integers(0, len(_UGYLDIGE_PAR), n)
    indsats = np.where(ugyldig, forkert, x["indsats"])
    rettet = ~ugyldig & (rng.random(n) < _P_INDSATS_RETTET)
    indsats_pre = np.where(rettet, forkert, indsats)
    indsats_ret = np.where(rettet, reg + 1 + rng.integers(0, 3, n), 0)

    timer = x["timer"]
    med_timer = ~np.isnan(timer)
    ut = rng.random(n)
    fejl = med_timer & (ut < _P_TIMER_UGYLDIGE)
    slags = rng.integers(0, 4, n)
    timer = np.where(fejl, np.choose(slags, [np.zeros(n), -np.round(1 + 4 * ut) / 2,
                                             np.round(169 + 100 * rng.random(n)), np.full(n, np.nan)]), timer)
    return {
        "pid": pid, "cpr": bef.cpr[pid], "visit": visit, "mangler_visit": mangler_visit, "start": start,
        "slut": slut, "slut_kendt": slut_kendt, "slut_pre": slut_pre, "slut_ret": slut_ret, "reg": reg,
        "kode": indsats, "kode_pre": indsats_pre, "kode_ret": indsats_ret, "timer": timer,
        "med_timer": med_timer, "privat": x["privat"], "plejebolig": x["plejebolig"],
        "midlertidig": x["midlertidig"], "pop": np.full(n, kode), "seq": np.arange(n),
    }


# ---------------------------------------------------------------------------------------------
# A kommune's deliveries: its lines and the views of them


class AeldreLeverandoer(VHLeverandoer):
    """A kommune's Ældre lines and the views of them: the fagsystemer, systemskifte rules 2/3
    and corrections work as in Voksenhandicap (`kode` is the index into `indsatser()`)."""

    def vis(self, L: int) -> dict[str, np.ndarray]:
        """The lines' fields as known in load month L (all lines, no filter)."""
        v = super().vis(L)
        # a care-home startdato is the moving-in day: empty while the citizen still waits
        start = self.linjer["start"]
        begyndt = f.maaned_af(np.minimum(start, f.dag(f.HORISONT_SLUT))) <= np.minimum(L, self.fryses)
        return v | {"start": np.where(begyndt & (start < f.ALDRIG), start, f.ALDRIG)}

    def _ramme(self, idx: np.ndarray, v: dict[str, np.ndarray], si: int, navn: str) -> pl.DataFrame:
        x = self.linjer
        ny_id = self.skift_mi is not None and si == 1
        par = np.array(indsatser(), dtype=object)[v["kode"][idx]]

        def dato(d: np.ndarray) -> pl.Series:
            return pl.Series(np.where(d == f.ALDRIG, -1, f.yyyymmdd(np.minimum(d, 10**6 - 1))))

        df = pl.DataFrame({
            "seq": x["seq"][idx],
            "cpr": x["cpr"][idx],
            "indsatstype": par[:, 0].astype(str),
            "paragraf": par[:, 1].astype(str),
            "visit": np.where(x["mangler_visit"][idx], -1, dato(x["visit"][idx]).to_numpy()),
            "start": dato(v["start"][idx]),
            "slut": dato(v["slut"][idx]),
            "timer": x["timer"][idx],
            "privat": x["privat"][idx],
            "plejebolig": x["plejebolig"][idx],
            "midlertidig": x["midlertidig"][idx],
        })

        def tom(navn: str, alias: str) -> pl.Expr:
            return pl.when(pl.col(navn) >= 0).then(pl.col(navn).cast(pl.String)).alias(alias)

        return df.select(
            (pl.lit(("N" if ny_id else "") + f"{self.kode:03d}-") + pl.col("seq").cast(pl.String).str.zfill(7)
             ).alias("indsats_id"),
            pl.col("cpr").cast(pl.String).str.zfill(10),
            "indsatstype",
            "paragraf",
            tom("visit", "visitationsdato"),
            tom("start", "startdato"),
            tom("slut", "slutdato"),
            pl.col("timer").fill_nan(None).cast(pl.String).alias("timer_pr_uge"),
            pl.when(pl.col("privat")).then(pl.lit("PRIVAT")).otherwise(pl.lit("KOMMUNAL")).alias("leverandoer"),
            pl.when(pl.col("plejebolig")).then(pl.lit("PLEJEBOLIG")).otherwise(pl.lit("EGET_HJEM")).alias("boform"),
            pl.when(pl.col("midlertidig")).then(pl.lit("J")).otherwise(pl.lit("N")).alias("midlertidig"),
        ).sort("indsats_id")


def _leverandoer(seed: int, bef: Befolkning, kode: int, scale: float) -> AeldreLeverandoer:
    linjer = _simuler(seed, bef, f.kommuner().idx(kode), scale)
    # rule 3 here: the training lines come from the second system
    return AeldreLeverandoer.efter_regel(kode, linjer, skifte(kode), fagsystem(seed, kode),
                                         lambda: np.isin(linjer["kode"], [_nr(t) for t in _TRAENING]))


# ---------------------------------------------------------------------------------------------
# The truth DST publishes: AED06


def hjemmehjaelp_modtagere(lev: AeldreLeverandoer, bef: Befolkning, til_mi: int, k_fra: int, k_til: int
                           ) -> pl.DataFrame:
    """Unique citizens per kommune, hjemmehjælp type and quarter in [k_fra, k_til] with lasting
    home help in their own home on some day outside a care-home stay, after DST's corrections,
    from the newest knowledge at `til_mi` (AED06's `indhold`)."""
    x = lev.linjer
    v = lev.vis(til_mi)
    typer = [t for t, _ in indsatser()]
    PP, PH = _nr("PERSONLIG_PLEJE"), _nr("PRAKTISK_HJAELP")
    start, slut, indsats = v["start"], v["slut"], v["kode"]
    timer_type = np.isin(np.array(typer, dtype=object)[indsats], ["PERSONLIG_PLEJE", "PRAKTISK_HJAELP"])
    timer = x["timer"]
    slettes = (
        (indsats >= _n_gyldige())
        | x["mangler_visit"]
        | ((start < f.ALDRIG) & (slut < f.ALDRIG) & (slut < start))
        | (timer_type & ~((timer > 0) & (timer <= 168)))
    )
    pid = x["pid"]
    doed = bef.doed[pid] & (bef.udgang[pid] <= f.maaned_slut(til_mi))
    slut = np.where((slut == f.ALDRIG) & doed, bef.udgang[pid], slut)
    gyldig = v["registreret"] & ~slettes & (start < f.ALDRIG)
    ophold = gyldig & np.isin(indsats, _plejeboligtyper())
    hj = gyldig & np.isin(indsats, [PP, PH]) & ~x["midlertidig"] & ~x["plejebolig"]
    q0 = np.array([f.maaned_start(k // 4 * 12 + k % 4 * 3) for k in range(k_fra, k_til + 2)])
    stays: dict[int, list[tuple[int, int]]] = {}
    for p, a, b in zip(pid[ophold], start[ophold], slut[ophold]):
        stays.setdefault(int(p), []).append((int(a), int(b)))
    # every (line, quarter) the line touches, clipped to the quarter
    idx = np.flatnonzero(hj & (start < q0[-1]) & (slut >= q0[0]))
    qa = np.maximum(_kvartal_af(start[idx]), k_fra)
    qb = np.minimum(_kvartal_af(np.minimum(slut[idx], f.dag(f.HORISONT_SLUT))), k_til)
    antal = np.maximum(qb - qa + 1, 0)
    li = np.repeat(idx, antal)
    q = np.repeat(qa, antal) + np.arange(antal.sum()) - np.repeat(np.cumsum(antal) - antal, antal)
    a = np.maximum(start[li], q0[q - k_fra])
    b = np.minimum(slut[li], q0[q - k_fra + 1] - 1)
    # a line-quarter counts unless a care-home stay covers all of its days
    tael = np.ones(len(li), dtype=bool)
    for j in np.flatnonzero(np.isin(pid[li], list(stays))):
        tael[j] = not _daekket(int(a[j]), int(b[j]), stays[int(pid[li[j]])])
    rows = pl.DataFrame({"omraade": x["pop"][li][tael], "ydelsestype": np.array(typer)[indsats[li][tael]],
                         "kvartal": q[tael], "pid": pid[li][tael]})
    return (
        rows.unique()
        .group_by("omraade", "ydelsestype", "kvartal")
        .agg(pl.len().alias("indhold"))
    )


def _kvartal_af(dage: np.ndarray) -> np.ndarray:
    m = f.maaned_af(dage)
    return (m // 12) * 4 + (m % 12) // 3


def _daekket(a: int, b: int, stays: list[tuple[int, int]]) -> bool:
    """Whether every day a..b lies inside one of the stays."""
    for s, e in sorted(stays):
        if s <= a <= e:
            a = e + 1
            if a > b:
                return True
    return False


def forste_hele_kvartal(fra_mi: int) -> int:
    """The first quarter whose first month is at or after the load month `fra_mi`."""
    ki = f.kvartal_af_maaned(fra_mi)
    return ki if fra_mi % 3 == 0 else ki + 1


def aed06(seed: int, out: Path, modtagere: pl.DataFrame, koder: list[int], k_fra: int, k_til: int) -> Path:
    """AED06: every kommune, hjemmehjælp type and quarter (zero where nobody), a few cells slightly
    off (DST's figure is not always FLIS's); each cell's deviation is drawn from its own stream so
    that it does not depend on the requested range."""
    celler = pl.DataFrame(
        [(k, t, q) for k in sorted(koder) for t in ("PERSONLIG_PLEJE", "PRAKTISK_HJAELP")
         for q in range(k_fra, k_til + 1)],
        schema={"omraade": pl.Int64, "ydelsestype": pl.String, "kvartal": pl.Int64}, orient="row",
    )
    afvig = []
    for k, t, q in celler.iter_rows():
        u, trin = f.stream(seed, k, "aed06", q, int(t == "PRAKTISK_HJAELP")).random(2)
        afvig.append(int(np.array([-2, -1, 1, 2, 3])[int(trin * 5)]) if u < _P_AED06_AFVIGELSE else 0)
    df = celler.join(modtagere, on=["omraade", "ydelsestype", "kvartal"], how="left", maintain_order="left")
    df = df.with_columns(pl.col("indhold").fill_null(0))
    return reference.statistikbanktabel(out / "reference" / "AED06.csv", df, "ydelsestype", np.array(afvig))


# ---------------------------------------------------------------------------------------------
# The generator hook


@dataclass
class Aeldre:
    """The requested kommuners' Ældre deliveries (what the orchestration calls)."""

    seed: int
    bef: Befolkning
    leverandoerer: dict[int, AeldreLeverandoer]
    kilde: str = KILDE
    systemskifter: tuple[Systemskifte, ...] = SYSTEMSKIFTER

    def leverancer(self, mi: int) -> Iterator[tuple[int, str, pl.DataFrame, date | None]]:
        """Load month mi's files: (kommunekode, fagsystem, lines, earliest delivery day)."""
        for kode, lev in self.leverandoerer.items():
            sk = skifte(kode)
            for system, df in lev.filer(mi).items():
                yield kode, system, df, sk.skiftedato if sk else None

    def reference(self, out: Path, fra_mi: int, til_mi: int) -> list[Path]:
        """reference/AED06.csv for the complete quarters of [fra_mi, til_mi]."""
        k_fra, k_til = forste_hele_kvartal(fra_mi), f.sidste_hele_kvartal(til_mi)
        dele = [hjemmehjaelp_modtagere(lev, self.bef, til_mi, k_fra, k_til) for lev in self.leverandoerer.values()
                if k_fra <= k_til]
        modtagere = pl.concat(dele) if dele else pl.DataFrame(
            schema={"omraade": pl.Int64, "ydelsestype": pl.String, "kvartal": pl.Int64, "indhold": pl.UInt32})
        return [aed06(self.seed, out, modtagere, list(self.leverandoerer), k_fra, k_til)]


def simuler(seed: int, bef: Befolkning, koder: list[int], scale: float) -> Aeldre:
    """Every requested kommune's lines; each from its own stream (seed, kommunekode, aeldre)."""
    return Aeldre(seed, bef, {k: _leverandoer(seed, bef, k, scale) for k in koder})
