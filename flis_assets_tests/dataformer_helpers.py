"""Shapes of data the generator never makes, cut out of a generated data root, and an oracle
that reads the delivered files alone (sources.md, voksenhandicap.md) to say what the
harmonised layer must hold per kommune and period. Used by `test_dataformer.py`.
"""

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb

from flis_assets import snitflader
from flis_assets.resources import query_pl

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Koersel:
    returncode: int
    stderr: str


def flis_cli(root: Path, *args: str, timeout: float) -> Koersel:
    """`flis ...` as a subprocess over data root `root`: a hang fails on `timeout` instead of hanging."""
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "FLIS_DUCKDB")}
    env["FLIS_DATA_DIR"] = str(root)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    res = subprocess.run([sys.executable, "-m", "flis_assets.cli", *args], env=env, capture_output=True,
                         text=True, timeout=timeout)
    return Koersel(res.returncode, res.stderr)


def sql(root: Path, query: str, params=None):
    with duckdb.connect(str(root / "flis.duckdb"), read_only=True) as con:
        return query_pl(con, query, params)


# --- cutting shapes -------------------------------------------------------------------------

def filer(root: Path, kilde: str, maaned: str | None = None, kommune: int | None = None) -> list[Path]:
    folder = root / "incoming" / kilde
    moenster = f"{maaned or '*'}/*_{'%03d' % kommune if kommune is not None else '*'}_*.csv"
    return sorted(folder.glob(moenster))


def slet(stier: list[Path]) -> None:
    assert stier, "the shape must remove something the generator made"
    for p in stier:
        p.unlink()


def afslut(stier: list[Path], start: int, slut: int) -> None:
    """Deliveries (VH, Udsatte) whose every line ended the day it started: nobody is counted after it."""
    assert stier
    for p in stier:
        linjer = [ln.split(";") for ln in p.read_text(encoding="utf-8").splitlines()]
        for f in linjer:
            f[slut] = f[start]
        p.write_text("".join(";".join(f) + "\n" for f in linjer), encoding="utf-8")


def nul_beloeb(stier: list[Path]) -> None:
    """Økonomi deliveries whose every amount is zero."""
    enc = snitflader.kilde("oekonomi").encoding
    for p in stier:
        linjer = [";".join([*ln.split(";")[:-1], "0,00"]) for ln in p.read_bytes().decode(enc).splitlines()]
        p.write_bytes("".join(ln + "\n" for ln in linjer).encode(enc))


def behold_cpr(stier: list[Path], antal: int) -> None:
    """VH deliveries cut to the lines of their first `antal` recipients with an open ydelse (the
    same in every file), so that the kommune still has recipients whatever the population."""
    filer = {p: p.read_text(encoding="utf-8").splitlines() for p in stier}
    valgte: list[str] = []
    for linjer in filer.values():
        for f in (ln.split(";") for ln in linjer):
            if f[1] not in valgte and len(valgte) < antal and f[5] and not f[6]:
                valgte.append(f[1])
    for p, linjer in filer.items():
        p.write_text("".join(ln + "\n" for ln in linjer if ln.split(";")[1] in valgte), encoding="utf-8")


# --- the oracle ------------------------------------------------------------------------------

def _dato(s: str) -> date | None:
    return date(int(s[:4]), int(s[4:6]), int(s[6:8])) if s else None


def _maaned(folder: str) -> date:
    return date.fromisoformat(folder + "-01")


def _sidste_dag(m: date) -> date:
    return (m.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


@dataclass(frozen=True)
class Leverance:
    maaned: date
    kommune: int
    fagsystem: str
    dato: date
    sti: Path

    @property
    def rang(self):  # newer first: later delivery date, then later load month (sources.md)
        return (self.dato, self.maaned)


def leverancer(root: Path, kilde: str) -> list[Leverance]:
    out = []
    for p in sorted((root / "incoming" / kilde).glob("*/*.csv")):
        _, kommune, fagsystem, _, dato = p.stem.split("_")
        out.append(Leverance(_maaned(p.parent.name), int(kommune), fagsystem, _dato(dato), p))
    return out


def systemskifte(root: Path) -> dict[int, tuple[str, str, int]]:
    linjer = (root / "reference" / "systemskifte.csv").read_text(encoding="utf-8").splitlines()[1:]
    return {int(k): (g, n, int(r)) for k, g, n, _, r in (ln.split(";") for ln in linjer if ln)}


def vh_bestand(root: Path, m: date) -> dict[tuple, tuple]:
    """The VH stock after load month m by the systemskifte rules 1-3: (kommune, fagsystem, id) ->
    (cpr, startdato, slutdato)."""
    regler = systemskifte(root)
    kendte = [lv for lv in leverancer(root, "vh") if lv.maaned <= m]
    nyeste_pr_system: dict[tuple, Leverance] = {}
    for lv in kendte:
        k = (lv.kommune, lv.fagsystem)
        if k not in nyeste_pr_system or lv.rang > nyeste_pr_system[k].rang:
            nyeste_pr_system[k] = lv
    valgt: list[tuple[Leverance, bool]] = []  # delivery, ended lines only
    for kommune in sorted({lv.kommune for lv in kendte}):
        egne = {s: lv for (k, s), lv in nyeste_pr_system.items() if k == kommune}
        gammel, ny, regel = regler.get(kommune, (None, None, 1))
        if regel == 1:
            valgt.append((max(egne.values(), key=lambda lv: lv.rang), False))
        else:
            for s in (gammel, ny):
                if s in egne:
                    valgt.append((egne[s], regel == 2 and s == gammel and ny in egne))
    out = {}
    for lv, kun_afsluttede in valgt:
        for ln in lv.sti.read_text(encoding="utf-8").splitlines():
            f = ln.split(";")
            if kun_afsluttede and not f[6]:
                continue
            out[(lv.kommune, lv.fagsystem, f[0])] = (f[1], _dato(f[5]), _dato(f[6]))
    return out


def doedsdatoer(root: Path) -> dict[str, date]:
    """Death dates by the newest record of each person over every CPR extract."""
    nyeste: dict[str, tuple] = {}
    for lv in leverancer(root, "cpr"):
        for ln in lv.sti.read_text(encoding="utf-8").splitlines():
            f = ln.split(";")
            if f[0] not in nyeste or lv.rang >= nyeste[f[0]][0]:
                nyeste[f[0]] = (lv.rang, _dato(f[4]))
    return {c: d for c, (_, d) in nyeste.items() if d}


def _placerbar(start, slut) -> bool:
    return start is not None and (slut is None or slut >= start)


def vh_forventet(root: Path, load_months: list[date], perioder: set[date]) -> dict[tuple, int]:
    """(kommune, periode) -> lines harmoniseret.vh_ydelser must hold, from the files alone: a placeable
    line in every period its validity (ended by the death date when open) overlaps, an unplaceable one
    in the load months it sat unplaceable in the stock."""
    nyeste = vh_bestand(root, max(load_months))
    doed = doedsdatoer(root)
    tidligere = {m: vh_bestand(root, m) for m in load_months}
    out: dict[tuple, int] = {}
    for key, (cpr, start, slut) in nyeste.items():
        if _placerbar(start, slut):
            til = slut if slut is not None else doed.get(cpr)
            if til is not None and til < start:
                til = _sidste_dag(start)
            hvor = [p for p in perioder if start <= _sidste_dag(p) and (til is None or til >= p)]
        else:
            hvor = [m for m in load_months if m in perioder and key in tidligere[m]
                    and not _placerbar(*tidligere[m][key][1:])]
        for p in hvor:
            out[(key[0], p)] = out.get((key[0], p), 0) + 1
    return out


def nyeste_pr_kommune(root: Path, kilde: str, m: date) -> dict[int, Leverance]:
    out: dict[int, Leverance] = {}
    for lv in leverancer(root, kilde):
        if lv.maaned <= m and (lv.kommune not in out or lv.rang > out[lv.kommune].rang):
            out[lv.kommune] = lv
    return out


def felter(lv: Leverance, kilde: str) -> list[list[str]]:
    """The delivery's lines split into fields."""
    return [ln.split(";") for ln in lv.sti.read_bytes().decode(snitflader.kilde(kilde).encoding).splitlines()]


def skole_forventet(root: Path, perioder: list[date]) -> dict[tuple, int]:
    """Pupils of period p: each kommune's newest delivery known after load month p."""
    return {(k, p): len(felter(lv, "skole")) for p in perioder
            for k, lv in nyeste_pr_kommune(root, "skole", p).items() if felter(lv, "skole")}


def udsatte_forventet(root: Path, load_months: list[date], perioder: list[date]) -> dict[tuple, int]:
    """Measures of period p from the newest stock: those whose validity overlaps p."""
    out: dict[tuple, int] = {}
    for k, lv in nyeste_pr_kommune(root, "udsatte", max(load_months)).items():
        for f in felter(lv, "udsatte"):
            start, slut = _dato(f[5]), _dato(f[6])
            if slut is not None and slut < start:
                continue
            for p in perioder:
                if start <= _sidste_dag(p) and (slut is None or slut >= p):
                    out[(k, p)] = out.get((k, p), 0) + 1
    return out


def oekonomi_forventet(root: Path, m: date) -> dict[tuple, int]:
    """Accounts per (kommune, booking month) after load month m: the newest delivery holding the month."""
    nyeste: dict[tuple, tuple] = {}
    for lv in leverancer(root, "oekonomi"):
        if lv.maaned > m:
            continue
        pr_periode: dict[date, int] = {}
        for f in felter(lv, "oekonomi"):
            p = date(int(f[0][:4]), int(f[0][4:]), 1)
            pr_periode[p] = pr_periode.get(p, 0) + 1
        for p, n in pr_periode.items():
            if (lv.kommune, p) not in nyeste or lv.rang > nyeste[(lv.kommune, p)][0]:
                nyeste[(lv.kommune, p)] = (lv.rang, n)
    return {k: n for k, (_, n) in nyeste.items()}
