"""The synthetic-data generator: formats, determinism, and the situations later layers need."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from flis_assets import kodelister, snitflader
from flis_assets.generate import generate
from flis_assets.omraader.borger.generate import modulus11_ok, simuler

SEED = 7
SCALE = 0.05
KOMMUNER = [101, 155, 173, 183, 185, 187, 265]
FRA, TIL = date(2024, 1, 1), date(2024, 3, 1)
MAANEDER = ["2024-01", "2024-02", "2024-03"]
GYLDIGE_KODER = set(kodelister.load("vh_ydelser")["ydelseskode"].to_list())
OPHOLD = set(kodelister.load("vh_ydelser").filter(kodelister.load("vh_ydelser")["opholdsydelse"])["ydelseskode"])
FILNAVN = re.compile(r"^([A-Z]+)_(\d{3})_([A-Z0-9]+)_(FULD)_(\d{8})\.csv$")


@pytest.fixture(scope="module")
def ud(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("a")
    generate(out, KOMMUNER, FRA, TIL, scale=SCALE, seed=SEED, progress=False)
    return out


def _filer(rod: Path) -> dict[str, bytes]:
    return {str(p.relative_to(rod)): p.read_bytes() for p in sorted(rod.rglob("*")) if p.is_file()}


def _linjer(sti: Path) -> list[list[str]]:
    kilde = snitflader.kilde(sti.parent.parent.name)
    tekst = sti.read_bytes().decode(kilde.encoding)
    return [linje.split(";") for linje in tekst.split("\n")[:-1]]


def _leverancer(ud: Path, kilde: str, maaned: str) -> dict[tuple[int, str], Path]:
    res = {}
    for p in sorted((ud / "incoming" / kilde / maaned).glob("*.csv")):
        m = FILNAVN.match(p.name)
        res[(int(m.group(2)), m.group(3))] = p
    return res


def _vh(ud: Path, maaned: str) -> dict[tuple[int, str], list[dict[str, str]]]:
    navne = [f.navn for f in snitflader.kilde("vh").felter]
    return {k: [dict(zip(navne, r)) for r in _linjer(p)] for k, p in _leverancer(ud, "vh", maaned).items()}


def _cpr(ud: Path, maaned: str) -> dict[str, list[str]]:
    (p,) = _leverancer(ud, "cpr", maaned).values()
    return {r[0]: r for r in _linjer(p)}


def test_same_seed_gives_byte_identical_files(ud, tmp_path):
    generate(tmp_path, KOMMUNER, FRA, TIL, scale=SCALE, seed=SEED, progress=False)
    a, b = _filer(ud), _filer(tmp_path)
    assert sorted(a) == sorted(b)
    assert [k for k in a if a[k] != b[k]] == []
    assert any(k.endswith(".xlsx") for k in a)


def test_month_files_do_not_depend_on_range_or_other_kommuner(ud, tmp_path):
    generate(tmp_path, [173, 461], date(2024, 2, 1), date(2024, 2, 1), scale=SCALE, seed=SEED, progress=False)
    egne = [p for p in _filer(tmp_path) if p.startswith("incoming/") and "_173_" in p]
    assert len(egne) == 5  # vh, udsatte, skole, oekonomi, aeldre
    a, b = _filer(ud), _filer(tmp_path)
    for p in egne:
        assert a[p] == b[p], p


def test_file_names_and_reference_files(ud):
    kilder = snitflader.kilder()
    set_kilder = set()
    for p in (ud / "incoming").rglob("*"):
        if p.is_dir():
            continue
        kilde, maaned = p.parent.parent.name, p.parent.name
        m = FILNAVN.match(p.name)
        assert m, p.name
        praefiks, kode, system, _, leveret = m.groups()
        assert praefiks == kilder[kilde].praefiks
        assert maaned in MAANEDER and leveret.startswith(maaned.replace("-", ""))
        assert 1 <= int(leveret[6:]) <= 28
        if kilder[kilde].fagsystemer:
            assert system in kilder[kilde].fagsystemer
        assert (int(kode) == 0) == (kilde == "cpr")
        assert kilde == "cpr" or int(kode) in KOMMUNER
        set_kilder.add(kilde)
    assert set_kilder == set(kilder)
    ref = ud / "reference"
    assert sorted(p.name for p in ref.iterdir()) == sorted(
        ["systemskifte.csv", "HAND07.csv", "FOLK1A.csv", "REGK31.csv", "AED06.csv"]
        + [f"godkendte_kommuner_{y}.xlsx" for y in range(2013, 2025)]
    )
    for maaned in MAANEDER:
        assert len(_leverancer(ud, "cpr", maaned)) == 1
        for kilde in ("udsatte", "skole", "oekonomi"):
            assert {k for k, _ in _leverancer(ud, kilde, maaned)} == set(KOMMUNER)


def test_every_field_matches_the_interface(ud):
    antal = 0
    for p in sorted((ud / "incoming").rglob("*.csv")):
        kilde = snitflader.kilde(p.parent.parent.name)
        raw = p.read_bytes()
        assert b"\r" not in raw and (raw == b"" or raw.endswith(b"\n"))
        regexer = [re.compile(f.regex) if f.regex else None for f in kilde.felter]
        for nr, felter in enumerate(_linjer(p), 1):
            assert len(felter) == kilde.antal_felter, (p.name, nr)
            for felt, rx, v in zip(kilde.felter, regexer, felter):
                assert rx is None or rx.fullmatch(v), (p.name, nr, felt.navn, v)
            antal += 1
    assert antal > 100_000


def test_no_cpr_number_passes_modulus_11_and_numbers_are_unique(ud):
    bef = simuler(SEED, SCALE)
    assert len(np.unique(bef.cpr)) == len(bef.cpr)
    assert not modulus11_ok(bef.cpr).any()
    for maaned in MAANEDER:
        cpr = _cpr(ud, maaned)
        tal = np.array([int(c) for c in cpr])
        assert len(cpr) == len(_linjer(next(iter(_leverancer(ud, "cpr", maaned).values()))))
        assert not modulus11_ok(tal).any()
        # DDMMYY agrees with the birth date
        assert all(c[:6] == r[1][6:8] + r[1][4:6] + r[1][2:4] for c, r in cpr.items())
    alle = set()
    for kilde in ("vh", "skole", "udsatte"):
        for p in (ud / "incoming" / kilde).rglob("*.csv"):
            felt = [f.navn for f in snitflader.kilde(kilde).felter].index("cpr")
            alle |= {r[felt] for r in _linjer(p)}
    assert not modulus11_ok(np.array(sorted(int(c) for c in alle))).any()


def test_cpr_extract_has_births_deaths_emigrations(ud):
    for maaned in MAANEDER:
        rows = list(_cpr(ud, maaned).values())
        m = maaned.replace("-", "")
        assert any(r[4].startswith(m) and r[3] for r in rows)  # died this month, with residence
        assert all(r[4] == "" or r[4].startswith(m) for r in rows)  # only this month's dead
        assert any(r[1].startswith(m) for r in rows)  # born this month
        assert any(r[3] == "" and r[4] == "" for r in rows)  # emigrating this month
    # emigrants vanish from later extracts
    jan, feb = _cpr(ud, "2024-01"), _cpr(ud, "2024-02")
    udvandret = [c for c, r in jan.items() if r[3] == "" and r[4] == ""]
    assert udvandret and not any(c in feb for c in udvandret)


def test_ishoej_and_taarnby_report_for_vallensbaek_and_dragoer(ud):
    for maaned in MAANEDER:
        vh = _vh(ud, maaned)
        assert not any(k in (155, 187) for k, _ in vh)
        for handle, for_ in ((183, 187), (185, 155)):
            rows = [r for (k, _), rr in vh.items() if k == handle for r in rr]
            assert {r["handlekommune"] for r in rows} == {f"{handle:03d}"}
            betal = {r["betalingskommune"] for r in rows}
            assert {f"{for_:03d}", f"{handle:03d}", ""} <= betal
            assert betal - {f"{for_:03d}", f"{handle:03d}", ""}  # a third kommune


def test_systemskifte_rule_2_and_3(ud):
    ref = (ud / "reference" / "systemskifte.csv").read_text().splitlines()
    assert ref[0] == "kommunekode;fagsystem_gammel;fagsystem_ny;skiftedato;regel"
    regler = {r.split(";")[0]: r.split(";") for r in ref[1:]}
    assert regler["173"] == ["173", "KMDNEXUS", "NEXUS", "20240201", "2"]
    assert regler["265"] == ["265", "NEXUS", "WEB", "", "3"]
    assert set(regler) == {"173", "265"}
    jan, feb, mar = (_vh(ud, m) for m in MAANEDER)
    # rule 2: the old system until the change, the new one from the skift month
    assert {s for k, s in jan if k == 173} == {"KMDNEXUS"}
    assert {s for k, s in feb if k == 173} == {"NEXUS"} == {s for k, s in mar if k == 173}
    gammel, ny = jan[(173, "KMDNEXUS")], feb[(173, "NEXUS")]
    assert not {r["ydelse_id"] for r in gammel} & {r["ydelse_id"] for r in ny}
    aabne = {(r["cpr"], r["ydelseskode"], r["startdato"]) for r in gammel if r["slutdato"] == ""}
    nye = {(r["cpr"], r["ydelseskode"], r["startdato"]) for r in ny}
    assert len(aabne & nye) >= 0.9 * len(aabne) > 0  # open ydelser move with their startdato
    assert any(r["startdato"] and r["startdato"] < "20240201" for r in ny)
    assert not any(r["slutdato"] and r["slutdato"] < "20230101" for r in ny)  # ended stay behind
    # rule 3: two systems in parallel, disjoint, S2S and WEB
    for vh in (jan, feb, mar):
        assert {s for k, s in vh if k == 265} == {"NEXUS", "WEB"}
        assert {r["indberetningsform"] for r in vh[(265, "NEXUS")]} == {"S2S"}
        assert {r["indberetningsform"] for r in vh[(265, "WEB")]} == {"WEB"}
        assert not {r["ydelse_id"] for r in vh[(265, "NEXUS")]} & {r["ydelse_id"] for r in vh[(265, "WEB")]}
        # every other kommune from exactly one system
        for k in (101, 183, 185):
            assert len([s for kk, s in vh if kk == k]) == 1


def test_retroactive_corrections(ud):
    aendret = nyregistreret = 0
    for forrige, denne in zip(MAANEDER, MAANEDER[1:]):
        a, b = _vh(ud, forrige), _vh(ud, denne)
        start = forrige.replace("-", "") + "01"
        for key in a.keys() & b.keys():
            foer = {r["ydelse_id"]: r for r in a[key]}
            for r in b[key]:
                gl = foer.get(r["ydelse_id"])
                if gl is None:
                    nyregistreret += bool(r["startdato"]) and r["startdato"] < start
                elif gl != r and r["startdato"] and r["startdato"] < start:
                    aendret += 1
    assert aendret > 0 and nyregistreret > 0


def test_vh_plants_the_dst_rule_hits(ud):
    rows = [r for rr in _vh(ud, "2024-03").values() for r in rr]
    mg = set(kodelister.load("vh_maalgrupper")["maalgruppekode"].to_list())
    assert any(r["ydelseskode"] not in GYLDIGE_KODER for r in rows)
    assert any(r["maalgrupper"] == "" for r in rows)
    assert any(r["maalgrupper"] and not set(r["maalgrupper"].split(",")) <= mg for r in rows)
    assert any(r["startdato"] == "" for r in rows)
    assert any(r["slutdato"] and r["startdato"] and r["slutdato"] < r["startdato"] for r in rows)
    assert {r["funktionsvurdering"] for r in rows} >= set("ABCDE")
    assert {r["indberetningsform"] for r in rows} == {"S2S", "WEB"}
    assert all((r["opholdssted"] != "") == (r["ydelseskode"] in OPHOLD) for r in rows if r["ydelseskode"] in GYLDIGE_KODER)
    # overlapping stays, and § 85 in own home during a long-term stay
    pr_borger = defaultdict(list)
    for r in rows:
        if r["startdato"] and r["ydelseskode"] in GYLDIGE_KODER:
            pr_borger[r["cpr"]].append((r["ydelseskode"], r["startdato"], r["slutdato"] or "99999999"))

    def overlap(a, b):
        return a[1] <= b[2] and b[1] <= a[2]

    ophold = sps = 0
    for linjer in pr_borger.values():
        for i, a in enumerate(linjer):
            for b in linjer[i + 1:]:
                ophold += a[0] in OPHOLD and b[0] in OPHOLD and overlap(a, b)
                sps += {a[0], b[0]} in ({"1.12.0.2", "1.8.1"}, {"1.12.0.2", "1.12.0.1"}) and overlap(a, b)
    assert ophold > 0 and sps > 0
    # children: under 17 on 1 January of the start year (birth dates from CPR)
    cpr = _cpr(ud, "2024-03")
    boern = [r for r in rows if r["cpr"] in cpr and r["startdato"]
             and cpr[r["cpr"]][1] > f"{int(r['startdato'][:4]) - 17}0101"]
    assert boern
    # dead citizens with ydelser left open
    doede = {c for c, r in cpr.items() if r[4]}
    assert any(r["cpr"] in doede for r in rows)


def test_skole_and_udsatte_persons_are_cpr_persons(ud):
    for maaned in MAANEDER:
        cpr = _cpr(ud, maaned)
        for p in _leverancer(ud, "skole", maaned).values():
            assert all(r[0] in cpr for r in _linjer(p))
        slut = maaned.replace("-", "") + "31"
        for p in _leverancer(ud, "udsatte", maaned).values():
            aabne = [r for r in _linjer(p) if r[6] == "" or r[6] >= slut]
            assert aabne and all(r[1] in cpr for r in aabne)


def test_skole_realism(ud):
    rows = [r for p in _leverancer(ud, "skole", "2024-03").values() for r in _linjer(p)]
    uds = {r[1] for p in _leverancer(ud, "udsatte", "2024-03").values() for r in _linjer(p) if r[6] == ""}
    assert {r[2] for r in rows} == {str(k) for k in range(11)}
    assert sum(r[2] == "10" for r in rows) < sum(r[2] == "9" for r in rows) / 2
    andel = sum(r[3] == "SPECIALKLASSE" for r in rows) / len(rows)
    assert 0.03 < andel < 0.09
    assert any(r[3] == "SPECIALSKOLE" for r in rows)
    u_rows = [r for r in rows if r[0] in uds]
    assert sum(r[3] != "ALMEN" for r in u_rows) / len(u_rows) > 2 * sum(r[3] != "ALMEN" for r in rows) / len(rows)
    fravaer = sum(float(r[4]) for r in rows) / sum(int(r[5]) for r in rows)
    assert 0.03 < fravaer < 0.08
    # some pupils go to school outside their kommune
    cpr = _cpr(ud, "2024-03")
    assert any(cpr[r[0]][3] != r[1][:3] for r in rows)


def test_oekonomi_cp1252_decimal_comma_and_corrections(ud):
    bro = kodelister.load("vh_kontoplan_bro")
    bro_funktioner = {f"{r:02d}" for r in bro["funktion"].to_list()}
    lev = {m: _leverancer(ud, "oekonomi", m) for m in MAANEDER}
    for m, filer in lev.items():
        for p in filer.values():
            rows = _linjer(p)  # decodes as cp1252
            assert all(re.fullmatch(r"-?\d+,\d\d", r[8]) for r in rows)
            assert any(r[8].startswith("-") for r in rows)
            assert any(r[3] == "38" and r[4] in bro_funktioner and r[6] != "0" for r in rows)
            assert any(r[6] == "0" for r in rows) and any(r[3] == "28" for r in rows)
    assert {r[0] for r in _linjer(lev["2024-01"][(101, next(iter(lev["2024-01"]))[1])])} == {
        f"2023{m:02d}" for m in range(1, 13)
    }
    p_feb = next(v for (k, _), v in lev["2024-02"].items() if k == 101)
    p_mar = next(v for (k, _), v in lev["2024-03"].items() if k == 101)
    assert {r[0] for r in _linjer(p_mar)} == {"202401", "202402"}
    feb = {tuple(r[:8]): r[8] for r in _linjer(p_feb)}
    mar = {tuple(r[:8]): r[8] for r in _linjer(p_mar) if r[0] == "202401"}
    assert any(feb.get(k) not in (None, v) for k, v in mar.items())


def test_godkendte_and_hand07(ud):
    svar = defaultdict(set)
    for y in range(2013, 2025):
        wb = openpyxl.load_workbook(ud / "reference" / f"godkendte_kommuner_{y}.xlsx")
        assert wb.sheetnames == ["Godkendte"]
        rows = list(wb["Godkendte"].iter_rows(values_only=True))
        assert rows[0] == ("kommunekode", "ydelseskode", "kvartal", "godkendt")
        for k, c, q, g in rows[1:]:
            assert re.fullmatch(r"\d{3}", k) and c in GYLDIGE_KODER and re.fullmatch(r"\d{4}K[1-4]", q)
            assert g in ("Ja", "Nej") and q <= "2024K1"  # the last whole quarter at TIL
            svar[(k, c, q)].add(g)
    assert any(len(v) == 2 for v in svar.values())  # a later list restates a quarter
    hand = (ud / "reference" / "HAND07.csv").read_text().splitlines()
    assert hand[0] == "omraade;ydelse;tid;indhold"
    rows = [r.split(";") for r in hand[1:]]
    assert {r[0] for r in rows} == {f"{k:03d}" for k in KOMMUNER}
    assert {r[2] for r in rows} >= {"2013K3", "2023K4"} and max(r[2] for r in rows) == "2024K1"
    assert all(r[1] in GYLDIGE_KODER and int(r[3]) >= 0 for r in rows)
