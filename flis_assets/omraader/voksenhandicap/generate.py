"""Voksenhandicap (VH): ydelser of the adult disability area, as the fagsystemer deliver them.

Each kommune's ydelser are simulated once on the fixed horizon from the kommune's own stream
(a stock-and-flow model per ydelseskode, with persons drawn from its CPR residents), then every
load month's file is a *view* of those lines as known in that month: lines registered late,
end dates registered late or first too late, codes fixed after a while. That gives the
retroactive corrections, and the DST rule hits are planted on a few percent of the lines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache

import numpy as np
import polars as pl

from flis_assets import kodelister
from flis_assets.generate import faelles as f
from flis_assets.omraader.borger.generate import Befolkning


@dataclass(frozen=True)
class Ydelsesparam:
    bestand: float  # national point stock at scale 1 (independent + attached episodes)
    varighed: tuple[tuple[float, float], ...]  # mixture of exponentials: (weight, mean days)
    tilknyttet: float = 0.0  # share given to a citizen who already has a stay or § 85 in own home
    fra: date = f.VH_START  # the ydelse exists from this date


# Calibrated so Q4 2022 gives about 78,500 unique recipients and 105,100 ydelser nationally.
_PARAM = {
    "1.1": Ydelsesparam(27500, ((0.3, 300), (0.5, 1500), (0.2, 4000)), 0.9),
    "1.3": Ydelsesparam(2600, ((0.6, 200), (0.4, 700)), 0.5),
    "1.4": Ydelsesparam(15500, ((0.3, 300), (0.5, 1500), (0.2, 4000)), 0.9),
    "1.8.1": Ydelsesparam(6100, ((0.2, 700), (0.8, 4500))),
    "1.8.2": Ydelsesparam(7500, ((0.45, 90), (0.4, 500), (0.15, 1800))),
    "1.12.0.1": Ydelsesparam(8600, ((0.3, 800), (0.7, 4000))),
    "1.12.0.2": Ydelsesparam(40000, ((0.45, 300), (0.4, 1100), (0.15, 3000))),
    "1.13.2": Ydelsesparam(1600, ((1.0, 3000),)),
    "1.13.3": Ydelsesparam(170, ((1.0, 2500),)),
    "1.13.4": Ydelsesparam(12500, ((0.5, 700), (0.5, 2500)), 0.8),
    "1.17": Ydelsesparam(260, ((1.0, 2500),)),
    "1.18.1": Ydelsesparam(1600, ((0.6, 200), (0.4, 600)), 0.0, date(2020, 7, 1)),
    "1.18.2": Ydelsesparam(1100, ((0.7, 150), (0.3, 400)), 0.0, date(2020, 7, 1)),
}
# The citizens that attached ydelser (e.g. § 104 beside a stay) are given to.
_FORAELDRE = ("1.12.0.2", "1.8.1", "1.8.2", "1.12.0.1")
_UGYLDIGE_KODER = ("1.8", "1.12", "1.12.0", "1.19", "2.1", "1.18.3")
_UGYLDIGE_MAALGRUPPER = ("4.1", "2.6", "1.6", "9")
# Målgruppe weights (psykisk handicap dominates).
_MAALGRUPPE_VAEGT = {
    "1.1": 6, "1.2": 6, "1.3": 2, "1.4": 1, "1.5": 3,
    "2.1": 20, "2.2": 12, "2.3": 25, "2.4": 8, "2.5": 5,
    "3.1": 3, "3.2": 5, "3.3": 4,
}
_FUNKTIONSVURDERING = (("", 0.02), ("A", 0.03), ("B", 0.12), ("C", 0.35), ("D", 0.35), ("E", 0.13))
_FAGSYSTEMER = (("NEXUS", 0.45), ("CURA", 0.30), ("SENSUM", 0.10), ("KMDNEXUS", 0.15))

# Error and correction rates (share of lines).
_P_UGYLDIG_KODE = 0.004
_P_KODE_RETTET = 0.01
_P_UGYLDIG_MAALGRUPPE = 0.004
_P_MANGLER_MAALGRUPPE = 0.003
_P_MANGLER_START = 0.003
_P_SLUT_FOER_START = 0.003
_P_SLUT_RYKKET = 0.015
_P_OVERLAP_OPHOLD = 0.015
_P_SPS_UNDER_OPHOLD = 0.02
_P_BARN = 0.003
_P_DOED_AABEN = 0.3  # deaths the kommune never registers as an end

# DST-approved special rules (voksenhandicap.md): the reporting kommune and the one it reports for.
RAPPORTERER_FOR = {183: 187, 185: 155}


@dataclass(frozen=True)
class Systemskifte:
    kommunekode: int
    gammel: str
    ny: str
    skiftedato: date | None  # rule 2 only
    regel: int


SYSTEMSKIFTER = (
    Systemskifte(330, "CURA", "NEXUS", date(2016, 10, 1), 2),
    Systemskifte(657, "SENSUM", "NEXUS", date(2021, 4, 15), 2),
    Systemskifte(173, "KMDNEXUS", "NEXUS", date(2024, 2, 1), 2),
    Systemskifte(265, "NEXUS", "WEB", None, 3),
    Systemskifte(479, "CURA", "WEB", None, 3),
)
_P_WEB_REGEL3 = 0.2


@cache
def gyldige_koder() -> tuple[str, ...]:
    koder = tuple(kodelister.load("vh_ydelser")["ydelseskode"].to_list())
    assert set(koder) == set(_PARAM), "ydelse parameters must cover exactly the valid codes"
    return koder


@cache
def _opholdskoder() -> frozenset[str]:
    y = kodelister.load("vh_ydelser")
    return frozenset(y.filter(pl.col("opholdsydelse"))["ydelseskode"].to_list())


def alle_koder() -> tuple[str, ...]:
    """Valid codes first (index = position in gyldige_koder), then the invalid ones."""
    return gyldige_koder() + _UGYLDIGE_KODER


def skifte(kode: int) -> Systemskifte | None:
    return next((s for s in SYSTEMSKIFTER if s.kommunekode == kode), None)


def fagsystem(seed: int, kode: int) -> str:
    """The VH fagsystem of a kommune under rule 1."""
    navne, p = zip(*_FAGSYSTEMER)
    return str(f.stream(seed, kode, "fagsystem").choice(navne, p=np.array(p)))


# ---------------------------------------------------------------------------------------------
# Simulation of one kommune's lines


def _vaelg_personer(
    rng: np.random.Generator,
    bef: Befolkning,
    kidx: int,
    t: np.ndarray,
    alder_min: float,
    alder_max: float,
    brugt: np.ndarray | None,
    alder_ref: np.ndarray | None = None,
) -> np.ndarray:
    """A resident of the kommune per day in `t`, aged within [alder_min, alder_max) on
    `alder_ref` (default `t`); -1 where none was found. `brugt` (over the kommune's persons)
    prefers fresh persons so that independent episodes rarely share a citizen by chance."""
    lo, hi = int(bef.offset[kidx]), int(bef.offset[kidx + 1])
    ref = t if alder_ref is None else alder_ref
    res = np.full(len(t), -1, dtype=np.int64)
    todo = np.arange(len(t))
    for runde in range(60):
        if len(todo) == 0:
            break
        kand = rng.integers(lo, hi, len(todo))
        tt = t[todo]
        alder = (ref[todo] - bef.foed[kand]) / f.AAR
        accept = np.where(alder < 65, 1.0, np.where(alder < 80, 0.35, 0.1))
        ok = (
            bef.til_stede(kand, tt)
            & (bef.bopael(kand, tt) == kidx)
            & (alder >= alder_min)
            & (alder < alder_max)
            & (rng.random(len(todo)) < accept)
        )
        if brugt is not None and runde < 40:
            ok &= ~brugt[kand - lo]
            # one episode per fresh person per round
            _, foerste = np.unique(kand, return_index=True)
            eneste = np.zeros(len(kand), dtype=bool)
            eneste[foerste] = True
            ok &= eneste
        res[todo[ok]] = kand[ok]
        if brugt is not None:
            brugt[kand[ok] - lo] = True
        todo = todo[~ok]
    return res


def _episoder(rng: np.random.Generator, par: Ydelsesparam, s: float) -> tuple[np.ndarray, np.ndarray]:
    """Start and end days of one code's episodes: the stock on the first day plus the inflow."""
    h_vh, h1 = f.dag(f.VH_START), f.dag(f.HORISONT_SLUT)
    fra = max(h_vh, f.dag(par.fra))
    middel = sum(w * m for w, m in par.varighed) / sum(w for w, _ in par.varighed)
    n0 = rng.poisson(s) if fra == h_vh else 0
    d0 = f.mixture_varighed(rng, n0, par.varighed, laengdevaegtet=True)
    st0 = fra - np.floor(rng.random(n0) * d0)
    nf = rng.poisson(s / middel * (h1 - fra))
    stf = rng.integers(fra, h1 + 1, nf).astype(np.float64)
    df = f.mixture_varighed(rng, nf, par.varighed, laengdevaegtet=False)
    st = np.concatenate([st0, stf])
    d = np.concatenate([d0, df])
    return st.astype(np.int64), (st + np.maximum(np.floor(d), 0)).astype(np.int64)


def _maalgrupper(rng: np.random.Generator, n: int) -> np.ndarray:
    koder = list(_MAALGRUPPE_VAEGT)
    assert set(koder) == set(kodelister.load("vh_maalgrupper")["maalgruppekode"].to_list())
    p = np.array(list(_MAALGRUPPE_VAEGT.values()), dtype=float)
    valg = rng.choice(len(koder), size=(n, 3), p=p / p.sum())
    antal = rng.choice(3, size=n, p=[0.6, 0.3, 0.1]) + 1
    valg = np.where(np.arange(3)[None, :] < antal[:, None], valg, len(koder))
    valg.sort(axis=1)
    unik, inv = np.unique(valg, axis=0, return_inverse=True)
    tekster = np.array(
        [",".join(koder[i] for i in dict.fromkeys(r) if i < len(koder)) for r in unik], dtype=object
    )
    return tekster[inv.ravel()]


def _simuler(seed: int, bef: Befolkning, kidx: int, scale: float) -> dict[str, np.ndarray]:
    km = f.kommuner()
    kode = int(km.koder[kidx])
    rng = f.stream(seed, kode, "vh")
    andel = km.andel[kidx]
    koder = gyldige_koder()
    ophold = _opholdskoder()
    h_vh, h1 = f.dag(f.VH_START), f.dag(f.HORISONT_SLUT)
    brugt = np.zeros(int(bef.offset[kidx + 1] - bef.offset[kidx]), dtype=bool)

    st_l, en_l, kode_l, pid_l = [], [], [], []
    foraeldre: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []  # st, en, pid, kode
    raekkefoelge = [c for c in koder if c in _FORAELDRE] + [c for c in koder if c not in _FORAELDRE]
    for c in raekkefoelge:
        par = _PARAM[c]
        st, en = _episoder(rng, par, par.bestand * scale * andel)
        pid = np.full(len(st), -1, dtype=np.int64)
        tilknyt = rng.random(len(st)) < par.tilknyttet
        if tilknyt.any() and foraeldre:
            fst, fen, fpid, _ = (np.concatenate(x) for x in zip(*foraeldre))
            if len(fst):
                idx = np.flatnonzero(tilknyt)
                for _ in range(60):
                    if len(idx) == 0:
                        break
                    j = rng.integers(0, len(fst), len(idx))
                    t = st[idx]
                    ok = (fst[j] <= t) & (fen[j] >= t) & (fpid[j] >= 0)
                    ok &= bef.til_stede(np.maximum(fpid[j], 0), t)
                    pid[idx[ok]] = fpid[j[ok]]
                    # the attached ydelse goes with the housing it was given beside
                    en[idx[ok]] = np.minimum(en[idx[ok]], fen[j[ok]])
                    idx = idx[~ok]
        frie = np.flatnonzero(pid < 0)
        pid[frie] = _vaelg_personer(rng, bef, kidx, np.maximum(st[frie], f.dag(f.HORISONT_START)), 18, 100, brugt)
        if c in _FORAELDRE:
            foraeldre.append((st, en, pid, np.full(len(st), koder.index(c))))
        st_l.append(st), en_l.append(en), kode_l.append(np.full(len(st), koder.index(c))), pid_l.append(pid)

    # Planted overlaps: a second stay during a stay, § 85 in own home during a long-term stay.
    fst, fen, fpid, fkode = (np.concatenate(x) for x in zip(*foraeldre))
    opholds_idx = np.array([koder.index(c) for c in koder if c in ophold])
    for p_plant, forael_koder, nye_koder in (
        (_P_OVERLAP_OPHOLD, opholds_idx, opholds_idx),
        (_P_SPS_UNDER_OPHOLD, np.array([koder.index("1.8.1"), koder.index("1.12.0.1")]),
         np.array([koder.index("1.12.0.2")])),
    ):
        kandidat = np.flatnonzero(np.isin(fkode, forael_koder) & (fpid >= 0))
        valgt = kandidat[rng.random(len(kandidat)) < p_plant]
        slut = np.minimum(fen[valgt], h1)
        st = fst[valgt] + np.floor(rng.random(len(valgt)) * np.maximum(slut - fst[valgt], 1)).astype(np.int64)
        st_l.append(st)
        en_l.append(st + np.floor(rng.exponential(200, len(valgt))).astype(np.int64))
        kode_l.append(rng.choice(nye_koder, len(valgt)))
        pid_l.append(fpid[valgt])

    # Children: recipients under 17 on 1 January of the start year (DST deletes these).
    n_alle = sum(len(x) for x in st_l)
    nb = rng.poisson(_P_BARN * n_alle)
    st = rng.integers(h_vh, h1 + 1, nb)
    jan1 = f.jan1(st)
    st_l.append(st)
    en_l.append(st + np.floor(rng.exponential(300, nb)).astype(np.int64))
    kode_l.append(rng.choice([koder.index(c) for c in ("1.12.0.2", "1.1", "1.8.2")], nb))
    pid_l.append(_vaelg_personer(rng, bef, kidx, st, 14, 16.9, None, alder_ref=jan1))

    st, en, kidx_kode, pid = (np.concatenate(x) for x in (st_l, en_l, kode_l, pid_l))
    hold = (pid >= 0) & (en >= h_vh)
    hold[hold] &= bef.til_stede(pid[hold], np.maximum(st[hold], f.dag(f.HORISONT_START)))
    st, en, kidx_kode, pid = st[hold], en[hold], kidx_kode[hold], pid[hold]
    # Death or emigration ends the ydelse; some deaths are never registered.
    ud = bef.udgang[pid].astype(np.int64)
    rammer = ud <= en
    doed_aaben = rammer & bef.doed[pid] & (rng.random(len(pid)) < _P_DOED_AABEN)
    en = np.where(rammer, ud, en)
    en = np.where(doed_aaben | (en > h1), f.ALDRIG, en)
    hold = en >= h_vh
    st, en, kidx_kode, pid = st[hold], en[hold], kidx_kode[hold], pid[hold]
    orden = np.lexsort((pid, st))
    st, en, kidx_kode, pid = st[orden], en[orden], kidx_kode[orden], pid[orden]
    n = len(st)

    # Registration and its corrections, as load months.
    reg = np.maximum(f.maaned_af(st), f.maaned(f.VH_START))
    lag = rng.choice([0, 1, 2, 3, 4, 5, 6, 8], n, p=[0.88, 0.06, 0.02, 0.015, 0.01, 0.007, 0.005, 0.003])
    reg = reg + lag
    aaben = en == f.ALDRIG
    slut_kendt = np.where(aaben, 0, np.maximum(f.maaned_af(np.minimum(en, h1)) + rng.choice(
        [0, 1, 2, 3], n, p=[0.7, 0.22, 0.05, 0.03]), reg))
    u = rng.random((6, n))
    slut_foer_start = u[0] < _P_SLUT_FOER_START
    en = np.where(slut_foer_start, st - 1 - np.floor(u[1] * 60).astype(np.int64), en)
    slut_kendt = np.where(slut_foer_start, reg, slut_kendt)
    aaben = en == f.ALDRIG
    rykket = ~aaben & ~slut_foer_start & (u[2] < _P_SLUT_RYKKET)
    slut_pre = np.where(rykket, en + 15 + np.floor(u[3] * 105).astype(np.int64), f.ALDRIG)
    slut_ret = np.where(rykket, slut_kendt + 1 + np.floor(u[4] * 3).astype(np.int64), 0)

    ugyldig = rng.random(n) < _P_UGYLDIG_KODE
    kode_endelig = np.where(ugyldig, len(koder) + rng.integers(0, len(_UGYLDIGE_KODER), n), kidx_kode)
    rettet = ~ugyldig & (rng.random(n) < _P_KODE_RETTET)
    kode_pre = np.where(rettet, len(koder) + rng.integers(0, len(_UGYLDIGE_KODER), n), kode_endelig)
    kode_ret = np.where(rettet, reg + 1 + rng.integers(0, 3, n), 0)

    mg = _maalgrupper(rng, n)
    um = rng.random(n)
    mg = np.where(um < _P_MANGLER_MAALGRUPPE, "", mg)
    ugyldig_mg = (um >= _P_MANGLER_MAALGRUPPE) & (um < _P_MANGLER_MAALGRUPPE + _P_UGYLDIG_MAALGRUPPE)
    mg = np.where(
        ugyldig_mg,
        np.array(_UGYLDIGE_MAALGRUPPER, dtype=object)[rng.integers(0, len(_UGYLDIGE_MAALGRUPPER), n)],
        mg,
    )
    fv_navn, fv_p = zip(*_FUNKTIONSVURDERING)
    fv = np.array(fv_navn, dtype=object)[rng.choice(len(fv_navn), n, p=np.array(fv_p))]

    er_ophold = np.isin(kidx_kode, [koder.index(c) for c in koder if c in ophold])
    n_tilbud = max(3, round(40 * andel * 98 * min(scale * 20, 1)))
    tilbud = kode * 10000 + 1 + rng.integers(0, n_tilbud, n)
    fremmed = rng.random(n) < 0.2
    tilbud = np.where(fremmed, rng.choice(km.koder, n) * 10000 + 1 + rng.integers(0, 50, n), tilbud)
    opholdssted = np.where(er_ophold, tilbud, -1)

    ub = rng.random(n)
    if kode in RAPPORTERER_FOR:
        # Own lines of a reporting kommune: every row of the interpretation table occurs.
        betal = np.where(ub < 0.8, kode, np.where(ub < 0.92, -1, rng.choice(km.koder, n)))
        if n >= 3:
            betal[:3] = [kode, -1, km.koder[(kidx + 7) % len(km.koder)]]
    elif kode in RAPPORTERER_FOR.values():
        betal = np.full(n, kode)
    else:
        betal = np.where(ub < 0.88, kode, np.where(ub < 0.95, -1, rng.choice(km.koder, n)))

    return {
        "pid": pid,
        "cpr": bef.cpr[pid],
        "start": st,
        "mangler_start": rng.random(n) < _P_MANGLER_START,
        "slut": en,
        "slut_kendt": slut_kendt,
        "slut_pre": slut_pre,
        "slut_ret": slut_ret,
        "reg": reg,
        "kode": kode_endelig,
        "kode_pre": kode_pre,
        "kode_ret": kode_ret,
        "maalgrupper": mg,
        "funktionsvurdering": fv,
        "opholdssted": opholdssted,
        "betal": betal,
        "web": rng.random(n) < 0.03,
        "system_u": rng.random(n),  # decides the system under rule 3
        "pop": np.full(n, kode),
        "seq": np.arange(n),
    }


# ---------------------------------------------------------------------------------------------
# A delivering kommune: its lines and the views of them


@dataclass
class VHLeverandoer:
    kode: int
    linjer: dict[str, np.ndarray]
    systemer: tuple[str, ...]  # the fagsystemer it ever delivers from
    system: np.ndarray  # index into `systemer` of the system that delivers each line
    skift_mi: int | None  # rule 2: the first load month of the new system
    fryses: np.ndarray  # load month after which a line is frozen (rule 2 old system), else big

    @classmethod
    def efter_regel(cls, kode: int, linjer: dict[str, np.ndarray], sk: Systemskifte | None, system1: str,
                    andet_system: Callable[[], np.ndarray]):
        """The kommune's lines delivered by its systemskifte rule: rule 1 all from `system1`;
        rule 3 the lines where `andet_system()` holds from the second system; rule 2 the old
        system until the change, then the new one, except what the old showed as ended."""
        n = len(linjer["pid"])
        fryses = np.full(n, 10**9, dtype=np.int64)
        if sk is None:
            return cls(kode, linjer, (system1,), np.zeros(n, dtype=np.int64), None, fryses)
        if sk.regel == 3:
            return cls(kode, linjer, (sk.gammel, sk.ny), andet_system().astype(np.int64), None, fryses)
        S = f.maaned(sk.skiftedato)
        lev = cls(kode, linjer, (sk.gammel, sk.ny), np.zeros(n, dtype=np.int64), S, fryses)
        # Rule 2: what the old system's last delivery shows as ended stays there, frozen.
        v = lev.vis(S - 1)
        gammel = v["registreret"] & (v["slut"] != f.ALDRIG)
        lev.fryses = np.where(gammel, S - 1, 10**9)
        lev.system = (~gammel).astype(np.int64)
        return lev

    def vis(self, L: int) -> dict[str, np.ndarray]:
        """The lines' fields as known in load month L (all lines, no filter)."""
        x = self.linjer
        L_eff = np.minimum(L, self.fryses)
        kode = np.where(L_eff < x["kode_ret"], x["kode_pre"], x["kode"])
        kendt = (x["slut"] != f.ALDRIG) & (x["slut_kendt"] <= L_eff)
        slut = np.where(kendt, np.where(L_eff < x["slut_ret"], x["slut_pre"], x["slut"]), f.ALDRIG)
        return {"kode": kode, "slut": slut, "registreret": x["reg"] <= L_eff}

    def filer(self, L: int) -> dict[str, pl.DataFrame]:
        """The month's deliveries: fagsystem -> lines (fields named per the interface)."""
        v = self.vis(L)
        res = {}
        for si, navn in enumerate(self.systemer):
            if self.skift_mi is None:
                maske = v["registreret"] & (self.system == si)
            elif L < self.skift_mi:
                if si == 1:
                    continue
                maske = v["registreret"]  # before the change the old system holds everything
            else:
                if si == 0:
                    continue  # the old system's last delivery stays its newest
                maske = v["registreret"] & (self.fryses > L)
            res[navn] = self._ramme(np.flatnonzero(maske), v, si, navn)
        return res

    def _ramme(self, idx: np.ndarray, v: dict[str, np.ndarray], si: int, navn: str) -> pl.DataFrame:
        x = self.linjer
        ny_id = self.skift_mi is not None and si == 1
        start = np.where(x["mangler_start"][idx], -1, f.yyyymmdd(x["start"][idx]))
        slut = v["slut"][idx]
        slut_s = np.where(slut == f.ALDRIG, -1, f.yyyymmdd(np.minimum(slut, 10**6 - 1)))
        regel3 = self.skift_mi is None and len(self.systemer) == 2
        web = np.full(len(idx), navn == "WEB") if regel3 else x["web"][idx]
        df = pl.DataFrame(
            {
                "pop": x["pop"][idx],
                "seq": x["seq"][idx],
                "cpr": x["cpr"][idx],
                "betal": x["betal"][idx],
                "kode": np.array(alle_koder(), dtype=object)[v["kode"][idx]],
                "start": start,
                "slut": slut_s,
                "maalgrupper": x["maalgrupper"][idx],
                "funktionsvurdering": x["funktionsvurdering"][idx],
                "opholdssted": x["opholdssted"][idx],
                "web": web,
            },
            schema_overrides={"kode": pl.String, "maalgrupper": pl.String, "funktionsvurdering": pl.String},
        )
        return df.select(
            (
                pl.lit("N" if ny_id else "")
                + pl.col("pop").cast(pl.String).str.zfill(3)
                + pl.col("seq").cast(pl.String).str.zfill(7)
            ).alias("ydelse_id"),
            pl.col("cpr").cast(pl.String).str.zfill(10),
            pl.lit(f"{self.kode:03d}").alias("handlekommune"),
            pl.when(pl.col("betal") >= 0).then(pl.col("betal").cast(pl.String).str.zfill(3)).alias(
                "betalingskommune"
            ),
            pl.col("kode").alias("ydelseskode"),
            pl.when(pl.col("start") >= 0).then(pl.col("start").cast(pl.String)).alias("startdato"),
            pl.when(pl.col("slut") >= 0).then(pl.col("slut").cast(pl.String)).alias("slutdato"),
            pl.col("maalgrupper"),
            pl.col("funktionsvurdering"),
            pl.when(pl.col("opholdssted") >= 0).then(pl.col("opholdssted").cast(pl.String)).alias(
                "opholdssted"
            ),
            pl.when(pl.col("web")).then(pl.lit("WEB")).otherwise(pl.lit("S2S")).alias("indberetningsform"),
        ).sort("ydelse_id")


def simuler(seed: int, bef: Befolkning, kode: int, scale: float) -> VHLeverandoer:
    """The VH lines a kommune delivers (its own, and those of the kommune it reports for)."""
    km = f.kommuner()
    dele = [_simuler(seed, bef, km.idx(kode), scale)]
    if kode in RAPPORTERER_FOR:
        dele.append(_simuler(seed, bef, km.idx(RAPPORTERER_FOR[kode]), scale))
    linjer = {k: np.concatenate([d[k] for d in dele]) for k in dele[0]}
    return VHLeverandoer.efter_regel(kode, linjer, skifte(kode), fagsystem(seed, kode),
                                     lambda: linjer["system_u"] < _P_WEB_REGEL3)


# ---------------------------------------------------------------------------------------------
# Truth for the reference files and the accounts


def dst_modtagere(lev: VHLeverandoer, bef: Befolkning, til_mi: int) -> pl.DataFrame:
    """Unique recipients per (interpreted) handlekommune, valid ydelseskode and quarter, after
    DST's corrections, from the newest knowledge at `til_mi` (HAND07's `indhold`)."""
    x = lev.linjer
    v = lev.vis(til_mi)
    koder = gyldige_koder()
    gyldig_mg = set(kodelister.load("vh_maalgrupper")["maalgruppekode"].to_list())
    mg_ok = np.array([bool(s) and all(c in gyldig_mg for c in s.split(",")) for s in x["maalgrupper"]],
                     dtype=bool)
    start = x["start"]
    slut = v["slut"]
    # Under 17 on 1 January of year Y: born after 1 January of Y - 17.
    barn = f.yyyymmdd(bef.foed[x["pid"]]) > (f.aar_af(start) - 17) * 10000 + 101
    ok = (
        v["registreret"]
        & (v["kode"] < len(koder))
        & mg_ok
        & ~x["mangler_start"]
        & ((slut == f.ALDRIG) | (slut >= start))
        & ~barn
    )
    doed = bef.doed[x["pid"]] & (bef.udgang[x["pid"]] <= f.maaned_slut(til_mi))
    slut_eff = np.where((slut == f.ALDRIG) & doed, bef.udgang[x["pid"]], slut)
    start_m = f.maaned_af(start)
    k_fra = np.maximum(f.kvartal_af_maaned(f.maaned(f.VH_START)), (start_m // 12) * 4 + (start_m % 12) // 3)
    slut_m = f.maaned_af(np.minimum(slut_eff, f.dag(f.HORISONT_SLUT)))
    k_til = np.minimum((slut_m // 12) * 4 + (slut_m % 12) // 3, f.sidste_hele_kvartal(til_mi))
    idx = np.flatnonzero(ok & (k_til >= k_fra))
    return (
        pl.DataFrame(
            {
                "omraade": x["pop"][idx],
                "ydelse": v["kode"][idx],
                "pid": x["pid"][idx],
                "k_fra": k_fra[idx],
                "k_til": k_til[idx],
            }
        )
        .with_columns(kvartal=pl.int_ranges("k_fra", pl.col("k_til") + 1))
        .explode("kvartal")
        .unique(["omraade", "ydelse", "kvartal", "pid"])
        .group_by("omraade", "ydelse", "kvartal")
        .agg(pl.len().alias("indhold"))
        .with_columns(pl.col("ydelse").map_elements(lambda i: koder[i], return_dtype=pl.String))
        .sort("omraade", "ydelse", "kvartal")
    )


def helaarsmodtagere(lev: VHLeverandoer, bef: Befolkning, mi: int) -> dict[int, np.ndarray]:
    """Full-time recipients per paying population kommune and valid code in month mi (truth:
    the final lines, death as end), for the accounts."""
    x = lev.linjer
    koder = gyldige_koder()
    ms, me = f.maaned_start(mi), f.maaned_slut(mi)
    slut = np.where(x["slut"] == f.ALDRIG, np.where(bef.doed[x["pid"]], bef.udgang[x["pid"]], f.ALDRIG), x["slut"])
    dage = np.minimum(slut, me) - np.maximum(x["start"], ms) + 1
    ok = (dage > 0) & (x["kode"] < len(koder))
    res = {}
    for pop in np.unique(x["pop"]):
        m = ok & (x["pop"] == pop)
        res[int(pop)] = np.bincount(x["kode"][m], weights=dage[m], minlength=len(koder)) / (me - ms + 1)
    return res
