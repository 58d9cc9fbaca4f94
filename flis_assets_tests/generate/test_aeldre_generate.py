"""The synthetic Ældre deliveries and AED06: formats, determinism, magnitudes, planted rule hits,
care-home waits, retroactive corrections, and AED06 recomputed from the delivered lines."""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from flis_assets import snitflader
from flis_assets.generate import faelles as f
from flis_assets.generate import generate
from flis_assets.omraader.aeldre import generate as aeldre
from flis_assets.omraader.borger.generate import simuler

SEED = 11
SCALE = 0.1
# 540 changes system in Ældre on 1 February 2024 (rule 2), 849 reports in parallel (rule 3).
KOMMUNER = [147, 461, 540, 849]
FRA, TIL = date(2023, 12, 1), date(2024, 3, 1)
MAANEDER = ["2023-12", "2024-01", "2024-02", "2024-03"]
FILNAVN = re.compile(r"^AELDRE_(\d{3})_([A-Z0-9]+)_FULD_(\d{8})\.csv$")
NAVNE = [felt.navn for felt in snitflader.kilde("aeldre").felter]
GYLDIGE = set(aeldre.indsatser()[: len(aeldre.indsatser()) - len(aeldre._UGYLDIGE_PAR)])
PLEJEBOLIG = {"PLEJEBOLIG", "PLEJEHJEM"}
HJEMMEHJAELP = {"PERSONLIG_PLEJE", "PRAKTISK_HJAELP"}
ALDRIG = "99999999"


@pytest.fixture(scope="module")
def ud(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("aeldre")
    generate(out, KOMMUNER, FRA, TIL, scale=SCALE, seed=SEED, progress=False)
    return out


@pytest.fixture(scope="module")
def bef():
    return simuler(SEED, SCALE)


def _filer(ud: Path, maaned: str) -> dict[tuple[int, str], Path]:
    res = {}
    for p in sorted((ud / "incoming" / "aeldre" / maaned).iterdir()):
        m = FILNAVN.match(p.name)
        assert m, p.name
        res[(int(m.group(1)), m.group(2))] = p
    return res


def _linjer(p: Path) -> list[dict[str, str]]:
    return [dict(zip(NAVNE, linje.split(";"))) for linje in p.read_text("utf-8").split("\n")[:-1]]


def _maaned(ud: Path, maaned: str) -> dict[tuple[int, str], list[dict[str, str]]]:
    return {k: _linjer(p) for k, p in _filer(ud, maaned).items()}


def _alle(ud: Path, maaned: str) -> list[dict[str, str]]:
    return [r for rr in _maaned(ud, maaned).values() for r in rr]


def _cpr(ud: Path, maaned: str) -> dict[str, list[str]]:
    (p,) = (ud / "incoming" / "cpr" / maaned).iterdir()
    return {r[0]: r for r in (linje.split(";") for linje in p.read_text().split("\n")[:-1])}


def _d(s: str) -> date:
    return date.max if s == ALDRIG else date(int(s[:4]), int(s[4:6]), int(s[6:]))


def _garanti(visit: date) -> date:
    m = visit.month + 2
    aar, m = visit.year + (m - 1) // 12, (m - 1) % 12 + 1
    return date(aar, m, min(visit.day, calendar.monthrange(aar, m)[1]))


def _doed(bef, cprs: set[str]) -> dict[str, str]:
    """Death date (YYYYMMDD) per CPR number of the simulated population, for the dead."""
    idx = np.flatnonzero(np.isin(bef.cpr, np.array(sorted(int(c) for c in cprs))) & bef.doed)
    return {f"{c:010d}": str(d) for c, d in zip(bef.cpr[idx], f.yyyymmdd(bef.udgang[idx]))}


def test_files_follow_the_interface_and_the_systemskifte_rules(ud):
    regexer = [re.compile(felt.regex) if felt.regex else None for felt in snitflader.kilde("aeldre").felter]
    for maaned in MAANEDER:
        filer = _filer(ud, maaned)
        for (kode, system), p in filer.items():
            assert p.name.split("_")[-1].startswith(maaned.replace("-", "")), p.name
            raw = p.read_bytes()
            assert raw.endswith(b"\n") and b"\r" not in raw
            for nr, r in enumerate(_linjer(p), 1):
                assert len(r) == len(NAVNE), (p.name, nr)
                for felt, rx in zip(NAVNE, regexer):
                    assert rx is None or rx.fullmatch(r[felt]), (p.name, nr, felt, r[felt])
        systemer = defaultdict(set)
        for kode, system in filer:
            systemer[kode].add(system)
        assert set(systemer) == set(KOMMUNER)
        assert len(systemer[147]) == len(systemer[461]) == 1
        assert systemer[540] == ({"KMDCARE"} if maaned < "2024-02" else {"CURA"})
        assert systemer[849] == {"CURA", "NEXUS"}
        # rule 3 here: the training lines in one system, the rest in the other
        traening = {"REHABILITERING", "GENOPTRAENING", "VEDLIGEHOLDELSESTRAENING"}
        assert all(r["indsatstype"] in traening or (r["indsatstype"], r["paragraf"]) not in GYLDIGE
                   for r in _linjer(filer[(849, "NEXUS")]))
        assert not any(r["indsatstype"] in traening and (r["indsatstype"], r["paragraf"]) in GYLDIGE
                       for r in _linjer(filer[(849, "CURA")]))
    # rule 2: the old system's ended lines stay behind, the open ones move with their dates
    gammel, ny = _maaned(ud, "2024-01")[(540, "KMDCARE")], _maaned(ud, "2024-02")[(540, "CURA")]
    assert not {r["indsats_id"] for r in gammel} & {r["indsats_id"] for r in ny}
    aabne = {(r["cpr"], r["indsatstype"], r["startdato"]) for r in gammel if r["slutdato"] == ""}
    assert len(aabne & {(r["cpr"], r["indsatstype"], r["startdato"]) for r in ny}) >= 0.9 * len(aabne) > 0
    ref = (ud / "reference" / "systemskifte.csv").read_text().splitlines()
    assert ref[1:] == ["540;KMDCARE;CURA;20240201;2", "849;CURA;NEXUS;;3"]


def test_same_seed_same_bytes_whatever_the_range(ud, tmp_path):
    generate(tmp_path, [540, 849], date(2024, 2, 1), date(2024, 2, 1), scale=SCALE, seed=SEED, progress=False)
    egne = sorted((tmp_path / "incoming" / "aeldre").rglob("*.csv"))
    assert len(egne) == 3  # 540 CURA, 849 CURA and NEXUS
    for p in egne:
        assert p.read_bytes() == (ud / p.relative_to(tmp_path)).read_bytes(), p.name
    # no complete quarter in the range: AED06 is its header only
    assert (tmp_path / "reference" / "AED06.csv").read_text() == "omraade;ydelsestype;tid;indhold\n"
    anden = tmp_path / "anden"
    generate(anden, [540], date(2024, 2, 1), date(2024, 2, 1), scale=SCALE, seed=SEED + 1, progress=False)
    p = egne[0]
    assert next((anden / "incoming" / "aeldre" / "2024-02").iterdir()).read_bytes() != p.read_bytes()


def _hjemmehjaelp_paa(r: dict[str, str], dag: str) -> bool:
    return (r["indsatstype"] in HJEMMEHJAELP and r["midlertidig"] == "N" and r["boform"] == "EGET_HJEM"
            and bool(r["startdato"]) and r["startdato"] <= dag and (r["slutdato"] or ALDRIG) >= dag)


def test_magnitudes_are_realistic(ud):
    dag = "20240331"
    rows = _alle(ud, "2024-03")
    cpr = _cpr(ud, "2024-03")
    levende = {c: r for c, r in cpr.items() if not r[4]}
    indbyggere = sum(r[3] in {f"{k:03d}" for k in KOMMUNER} for r in levende.values())

    def alder(c: str) -> float:
        return (_d(dag) - _d(levende[c][1])).days / 365.25

    timer = defaultdict(float)
    for r in rows:
        if _hjemmehjaelp_paa(r, dag) and r["cpr"] in levende and r["timer_pr_uge"] and 0 < float(r["timer_pr_uge"]) <= 168:
            timer[r["cpr"]] += float(r["timer_pr_uge"])
    t = np.array(list(timer.values()))
    assert 0.018 < len(t) / indbyggere < 0.036  # about 156,000 of 5.9 M
    assert 2.6 < t.mean() < 3.9
    assert 0.55 < (t < 2).mean() < 0.78
    assert 0.003 < (t >= 20).mean() < 0.05
    assert np.mean([alder(c) >= 67 for c in timer]) > 0.9
    beboere = {r["cpr"] for r in rows if r["indsatstype"] in PLEJEBOLIG and r["startdato"] and r["startdato"] <= dag
               and (r["slutdato"] or ALDRIG) >= dag and r["cpr"] in levende}
    assert 0.004 < sum(alder(c) >= 65 for c in beboere) / indbyggere < 0.009  # about 38,000 of 5.9 M
    assert np.mean([alder(c) >= 80 for c in beboere]) > 0.7
    # temporary lines and personlig pleje delivered in the care home exist
    assert any(r["midlertidig"] == "J" and r["indsatstype"] in HJEMMEHJAELP for r in rows)
    assert any(r["boform"] == "PLEJEBOLIG" and r["indsatstype"] == "PERSONLIG_PLEJE" for r in rows)
    assert {r["indsatstype"] for r in rows} >= {t for t, _ in GYLDIGE}
    # the private share of praktisk hjælp varies between kommuner, from none to about half
    andele = [aeldre.privat_andel(SEED, int(k)) for k in f.kommuner().koder]
    assert min(andele) == 0 and 0.4 < max(andele) <= 0.5


def test_care_home_waits(ud):
    rows = [r for r in _alle(ud, "2024-03") if r["indsatstype"] in PLEJEBOLIG and r["visitationsdato"]
            and (r["indsatstype"], r["paragraf"]) in GYLDIGE]
    flyttet = [r for r in rows if r["startdato"] and r["visitationsdato"] >= "20150101"]
    inden = [_d(r["startdato"]) <= _garanti(_d(r["visitationsdato"])) for r in flyttet]
    assert 0.7 < np.mean(inden) < 0.97  # mostly within the guarantee, with a tail beyond
    assert all(r["startdato"] > r["visitationsdato"] for r in flyttet)
    # citizens waiting at the end of one month who move in later
    jan = {r["indsats_id"]: r for r in _alle(ud, "2024-01") if r["indsatstype"] in PLEJEBOLIG}
    ventende = {i for i, r in jan.items() if not r["startdato"] and not r["slutdato"]}
    senere = {r["indsats_id"] for r in _alle(ud, "2024-03") if r["indsats_id"] in ventende and r["startdato"]}
    assert ventende and senere


def test_planted_rule_hits(ud, bef):
    rows = _alle(ud, "2024-03")
    n = len(rows)
    hits = {
        "UGYLDIG_INDSATS": [r for r in rows if (r["indsatstype"], r["paragraf"]) not in GYLDIGE],
        "MANGLENDE_VISITATIONSDATO": [r for r in rows if not r["visitationsdato"]],
        "SLUTDATO_FOER_STARTDATO": [r for r in rows if r["slutdato"] and r["startdato"]
                                    and r["slutdato"] < r["startdato"]],
        "TIMER_UGYLDIGE": [r for r in rows if r["indsatstype"] in HJEMMEHJAELP and (
            not r["timer_pr_uge"] or not 0 < float(r["timer_pr_uge"]) <= 168)],
        "START_FOER_VISITATION": [r for r in rows if r["startdato"] and r["visitationsdato"]
                                  and r["startdato"] < r["visitationsdato"]],
    }
    for regel, ramt in hits.items():
        assert 0 < len(ramt) < 0.05 * n, regel
    timer = {r["timer_pr_uge"] for r in hits["TIMER_UGYLDIGE"]}
    assert "" in timer and any(float(t) == 0 for t in timer if t)
    assert any(float(t) < 0 for t in timer if t) and any(float(t) > 168 for t in timer if t)
    assert all(r["timer_pr_uge"] == "" for r in rows
               if r["indsatstype"] not in HJEMMEHJAELP and (r["indsatstype"], r["paragraf"]) in GYLDIGE)
    # home help in the own home overlapping a care-home stay of the same citizen
    ophold = defaultdict(list)
    for r in rows:
        if r["indsatstype"] in PLEJEBOLIG and r["startdato"]:
            ophold[r["cpr"]].append((r["startdato"], r["slutdato"] or ALDRIG))
    overlap = [r for r in rows if r["boform"] == "EGET_HJEM" and r["indsatstype"] not in PLEJEBOLIG
               and r["startdato"] and any(r["startdato"] <= b and a <= (r["slutdato"] or ALDRIG)
                                          for a, b in ophold[r["cpr"]])]
    assert 0 < len(overlap) < 0.05 * n
    # open lines of dead citizens remain, but most lines end at the death
    doed = {c: d for c, d in _doed(bef, {r["cpr"] for r in rows}).items() if d <= "20240331"}
    ramt = [r for r in rows if r["cpr"] in doed and not r["slutdato"]]
    lukket = [r for r in rows if r["cpr"] in doed and r["slutdato"] == doed[r["cpr"]]]
    assert 0 < len(ramt) < 0.1 * len(lukket)
    assert not [r for r in rows if r["cpr"] in doed and r["startdato"] and r["startdato"] > doed[r["cpr"]]]


def test_retroactive_corrections(ud):
    """A later delivery corrects a line's slutdato, or brings a line that began before its month."""
    pr_maaned = [{(k, s, r["indsats_id"]): r for (k, s), rr in _maaned(ud, m).items() for r in rr} for m in MAANEDER]
    rettet = [i for a, b in zip(pr_maaned, pr_maaned[1:]) for i in a.keys() & b.keys()
              if a[i]["slutdato"] and a[i]["slutdato"] != b[i]["slutdato"]]
    sene = [i for m, a, b in zip(MAANEDER, pr_maaned, pr_maaned[1:]) for i in b.keys() - a.keys()
            if i[0] != 540 and b[i]["startdato"] and b[i]["startdato"] < m.replace("-", "") + "01"]  # 540: new ids
    assert rettet and sene


def test_aed06_is_the_delivered_home_help_after_dsts_corrections(ud, bef):
    """Recomputes 2024K1 from the files the DSA would choose at the last load month."""
    filer = {}
    for maaned in MAANEDER:  # the newest delivery per kommune and system
        filer.update(_filer(ud, maaned))
    rows = []
    for (kode, system), p in filer.items():
        kun_afsluttede = (kode, system) == (540, "KMDCARE")  # rule 2: the old system's ended lines
        rows += [(kode, r) for r in _linjer(p) if not kun_afsluttede or r["slutdato"]]
    doed = {c: d for c, d in _doed(bef, {r["cpr"] for _, r in rows}).items() if d <= "20240331"}

    def slettes(r):
        return ((r["indsatstype"], r["paragraf"]) not in GYLDIGE or not r["visitationsdato"]
                or (r["slutdato"] and r["startdato"] and r["slutdato"] < r["startdato"])
                or (r["indsatstype"] in HJEMMEHJAELP and not (r["timer_pr_uge"] and 0 < float(r["timer_pr_uge"]) <= 168)))

    def gyldig(r):  # days valid, with the death date as the end of an open line
        return _d(r["startdato"]), _d(r["slutdato"] or doed.get(r["cpr"], ALDRIG))

    rows = [(k, r) for k, r in rows if not slettes(r) and r["startdato"]]
    ophold = defaultdict(list)
    for _, r in rows:
        if r["indsatstype"] in PLEJEBOLIG:
            ophold[r["cpr"]].append(gyldig(r))
    k0, k1 = date(2024, 1, 1), date(2024, 3, 31)
    modtagere = defaultdict(set)
    for kode, r in rows:
        if r["indsatstype"] in HJEMMEHJAELP and r["midlertidig"] == "N" and r["boform"] == "EGET_HJEM":
            a, b = gyldig(r)
            dag = max(a, k0)
            while dag <= min(b, k1):
                if not any(s <= dag <= e for s, e in ophold[r["cpr"]]):
                    modtagere[(f"{kode:03d}", r["indsatstype"])].add(r["cpr"])
                    break
                dag += timedelta(days=1)
    aed06 = (ud / "reference" / "AED06.csv").read_text().splitlines()
    assert aed06[0] == "omraade;ydelsestype;tid;indhold"
    celler = {(o, y): int(n) for o, y, t, n in (r.split(";") for r in aed06[1:]) if t == "2024K1"}
    assert len(aed06) == 1 + len(celler) == 1 + 2 * len(KOMMUNER)
    forventet = {k: len(modtagere[k]) for k in celler}
    assert min(forventet.values()) > 10
    afvig = [k for k in celler if celler[k] != forventet[k]]
    assert len(afvig) <= 2 and all(abs(celler[k] - forventet[k]) <= 3 for k in afvig), (celler, forventet)
