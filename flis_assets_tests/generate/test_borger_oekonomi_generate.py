"""The generator's Borger and Økonomi side: residence moves, the accounts of the key figures'
hovedfunktioner, and FOLK1A/REGK31 consistent with the deliveries."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from flis_assets import snitflader
from flis_assets.generate import faelles as f
from flis_assets.generate import generate
from flis_assets.omraader.borger.generate import cpr_udtraek, simuler
from flis_assets.omraader.oekonomi import generate as oekonomi
from flis_assets.omraader.udsatte import generate as udsatte
from flis_assets.omraader.voksenhandicap import generate as vh

SEED = 11
SCALE = 0.02
KOMMUNER = [101, 751, 860]
FRA, TIL = date(2024, 12, 1), date(2025, 1, 1)  # FOLK1A 2025K1, REGK31 2024
# Net operating expenses per person of the target group and year (borger-oekonomi.md).
NIVEAU = {
    "3.22": ((6, 17), 60_000, 80_000),
    "5.25": ((0, 6), 70_000, 100_000),
    "5.28": ((0, 17), 10_000, 20_000),
    "5.30": ((67, 999), 40_000, 60_000),
    "6.45": ((0, 999), 4_000, 8_000),
}


@pytest.fixture(scope="module")
def ud(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bo")
    generate(out, KOMMUNER, FRA, TIL, scale=SCALE, seed=SEED, progress=False)
    return out


def _linjer(sti: Path) -> list[list[str]]:
    tekst = sti.read_bytes().decode(snitflader.kilde(sti.parent.parent.name).encoding)
    return [linje.split(";") for linje in tekst.splitlines()]


def _cpr(ud: Path, maaned: str) -> list[list[str]]:
    (sti,) = (ud / "incoming" / "cpr" / maaned).glob("*.csv")
    return _linjer(sti)


def _oekonomi(ud: Path, maaned: str) -> dict[str, list[list[str]]]:
    return {p.name.split("_")[1]: _linjer(p) for p in (ud / "incoming" / "oekonomi" / maaned).glob("*.csv")}


def _reference(ud: Path, navn: str) -> list[list[str]]:
    return [r.split(";") for r in (ud / "reference" / navn).read_text(encoding="utf-8").splitlines()]


def _alder(foedselsdato: str, paa: int) -> int:
    return (paa - int(foedselsdato)) // 10000


def _netto_aar(linjer: list[list[str]]) -> dict[str, float]:
    """Net operating expenses (dranst 1, hovedart not 0) per hovedfunktion like 5.30, DKK."""
    res: Counter = Counter()
    for r in linjer:
        if r[1] == "1" and r[6] != "0":
            res[f"{r[2]}.{r[3]}"] += float(r[8].replace(",", "."))
    return res


def test_movers_per_year_several_moves_and_returns_from_abroad():
    """Moves read from month-end residences of the CPR extracts, as the datamart reads them."""
    bef = simuler(SEED, 0.005)
    alle = np.ones(len(bef), dtype=bool)

    def udtraek(maaneder: range) -> pl.DataFrame:
        return pl.concat([cpr_udtraek(bef, mi, alle).with_columns(m=pl.lit(mi)) for mi in maaneder])

    for aar in (2015, 2024):
        df = udtraek(range(aar * 12 - 1, aar * 12 + 12)).filter(pl.col("bopaelskommune").is_not_null())
        start = df.filter((pl.col("m") == aar * 12 - 1) & pl.col("doedsdato").is_null())["cpr"]
        flyt = (
            df.join(df.with_columns(pl.col("m") - 1), on=["cpr", "m"], suffix="_nu")
            .filter(pl.col("bopaelskommune") != pl.col("bopaelskommune_nu"))
            .group_by("cpr")
            .len()
        )
        andel = flyt.filter(pl.col("cpr").is_in(start.implode())).height / start.len()
        assert 0.03 < andel < 0.05, (aar, andel)
        assert flyt["len"].max() >= 2  # some move more than once in a year
    # Left the country (no residence, not dead) and later back with a residence: same number.
    df = udtraek(range(2021 * 12, 2024 * 12))
    ud = df.filter(pl.col("bopaelskommune").is_null() & pl.col("doedsdato").is_null()).group_by("cpr").agg(
        ud=pl.col("m").min()
    )
    tilbage = df.join(ud, on="cpr").filter(pl.col("bopaelskommune").is_not_null() & (pl.col("m") > pl.col("ud")))
    assert tilbage["cpr"].n_unique() >= 0.05 * ud.height > 0


def test_balance_of_movements_on_two_consecutive_extracts(ud):
    foer_rows, nu_rows = _cpr(ud, "2024-12"), _cpr(ud, "2025-01")
    foer = {r[0]: r[3] for r in foer_rows if r[3] and not r[4]}  # residents at the end of December
    nu = {r[0]: r for r in nu_rows}
    koder = {f"{k:03d}" for k in KOMMUNER}
    # every resident of the kommuner before is in the next extract (the extract also holds
    # residents of other kommuner the deliveries refer to, e.g. pupils, but not all of those)
    assert {c for c, k in foer.items() if k in koder} <= set(nu)
    bev: dict[str, Counter] = defaultdict(Counter)
    for c, r in nu.items():
        b, n, doed, foedt = foer.get(c), r[3] or None, bool(r[4]), r[1].startswith("202501")
        if n and b is None:
            bev[n]["foedte" if foedt else "indvandrede"] += 1
        if n and b and n != b:
            bev[n]["tilflyttede"] += 1
            bev[b]["fraflyttede"] += 1
        if b and n is None:
            bev[b]["udvandrede"] += 1
        if doed and n:
            bev[n]["doede"] += 1
    sandhed = simuler(SEED, SCALE)
    km = f.kommuner()
    for k in KOMMUNER:
        kk = f"{k:03d}"
        b = bev[kk]
        foer_antal = sum(v == kk for v in foer.values())
        nu_antal = sum(r[3] == kk and not r[4] for r in nu.values())
        assert nu_antal == (
            foer_antal + b["foedte"] - b["doede"] + b["tilflyttede"] - b["fraflyttede"]
            + b["indvandrede"] - b["udvandrede"]
        ), kk
        # the extract's residents are the simulated register's, counted independently
        me = f.maaned_slut(f.maaned(TIL))
        pid = np.arange(len(sandhed))
        assert nu_antal == int((sandhed.til_stede(pid, me) & (sandhed.bopael(pid, me) == km.idx(k))).sum())
    stor = bev["101"]
    assert all(stor[x] > 0 for x in ("foedte", "doede", "tilflyttede", "fraflyttede", "indvandrede", "udvandrede"))


def test_same_seed_gives_the_same_bytes(ud, tmp_path):
    generate(tmp_path, KOMMUNER, FRA, TIL, scale=SCALE, seed=SEED, progress=False)

    def filer(rod: Path) -> dict[str, bytes]:
        dele = ("incoming/cpr", "incoming/oekonomi", "reference/FOLK1A.csv", "reference/REGK31.csv")
        return {str(p.relative_to(rod)): p.read_bytes() for d in dele for p in sorted((rod / d).rglob("*"))
                if p.is_file()} | {d: (rod / d).read_bytes() for d in dele if (rod / d).is_file()}

    a = filer(ud)
    assert len(a) == 2 + 2 + 2 * len(KOMMUNER)
    assert a == filer(tmp_path)


def test_reference_cells_do_not_depend_on_the_other_kommuner_or_the_range(ud, tmp_path):
    generate(tmp_path, [860], date(2024, 10, 1), TIL, scale=SCALE, seed=SEED, progress=False)
    for navn in ("FOLK1A.csv", "REGK31.csv"):
        alene = [r for r in _reference(tmp_path, navn)[1:] if r[0] == "860" and r[-2] in ("2025K1", "2024")]
        assert alene and alene == [r for r in _reference(ud, navn)[1:] if r[0] == "860"], navn
    assert _oekonomi(tmp_path, "2025-01")["860"] == _oekonomi(ud, "2025-01")["860"]


def test_accounts_per_person_in_realistic_ranges_and_varied(ud):
    """The January delivery holds the whole previous year: its net per person of each
    hovedfunktion's target group (residents at the end of December) is in the spec's range."""
    dec = _cpr(ud, "2024-12")
    pr_person: dict[str, dict[str, float]] = defaultdict(dict)
    for k, linjer in _oekonomi(ud, "2025-01").items():
        assert {r[0] for r in linjer} == {f"2024{m:02d}" for m in range(1, 13)}
        netto = _netto_aar(linjer)
        for hf, ((lo, hi), mindst, hoejst) in NIVEAU.items():
            n = sum(r[3] == k and not r[4] and lo <= _alder(r[1], 20241231) < hi for r in dec)
            pr_person[hf][k] = netto[hf] / n
            assert mindst <= pr_person[hf][k] <= hoejst, (k, hf, round(pr_person[hf][k]))
    for hf in NIVEAU:  # kommuner differ
        assert max(pr_person[hf].values()) > 1.02 * min(pr_person[hf].values()), hf
    rows = [r for linjer in _oekonomi(ud, "2025-01").values() for r in linjer]
    nye = [r for r in rows if f"{r[2]}.{r[3]}" in NIVEAU]
    # months vary: the folkeskole's July (summer holiday) is below its March
    skole = defaultdict(float)
    for r in nye:
        if r[2] == "3" and r[3] == "22" and r[1] == "1" and r[6] != "0":
            skole[r[0][4:]] += float(r[8].replace(",", "."))
    assert skole["07"] < 0.8 * skole["03"]
    assert {r[4] for r in nye if r[2:4] == ["5", "30"]} >= {"26", "27"}  # hjemmehjælp and more
    assert {r[1] for r in nye} == {"1", "2", "3"}  # drift, refunds, construction
    assert any(r[6] == "0" for r in nye)  # calculated costs
    assert any(r[6] in "78" and r[8].startswith("-") for r in nye)  # incomes
    assert any(r[6] in "12345" and r[8].startswith("-") for r in nye)  # a re-posting's negative line
    assert all(r[6] == r[7][0] for r in rows)


def test_vh_and_udsatte_accounts_do_not_depend_on_the_new_ones(ud):
    """With nobody in the target groups only the VH/udsatte/noise lines remain: they are the
    same lines, in the same order, as in the full delivery."""
    bef = simuler(SEED, SCALE)
    uds = udsatte.simuler(SEED, bef, SCALE)
    lev = vh.simuler(SEED, bef, 101, SCALE)
    L = f.maaned(TIL)
    vhh = {p: vh.helaarsmodtagere(lev, bef, p).get(101) for p in oekonomi.perioder(L)}
    udh = {p: oekonomi.udsatte_helaar(uds, p)[f.kommuner().idx(101)] for p in oekonomi.perioder(L)}
    tom = lambda p: np.zeros((len(f.kommuner().koder), len(NIVEAU)), dtype=np.int64)  # noqa: E731
    alene = oekonomi.fil(SEED, 101, L, vhh, udh, vh.gyldige_koder(), SCALE, tom)
    fuld = oekonomi.fil(SEED, 101, L, vhh, udh, vh.gyldige_koder(), SCALE, oekonomi.Maalgrupper(bef))
    assert alene.height > 0 and fuld.height > 1.5 * alene.height
    a, b = alene.rows(), fuld.rows()
    i = iter(b)
    assert all(any(r == x for x in i) for r in a)  # a subsequence of the full delivery
    assert {f"{r[2]}.{r[3]}" for r in a} == {"5.38", "5.28", "5.32"}


def test_folk1a_is_the_population_of_the_extract_before_the_quarter(ud):
    ref = _reference(ud, "FOLK1A.csv")
    assert ref[0] == ["omraade", "koen", "alder", "tid", "indhold"]
    folk1a = {(r[0], r[1], int(r[2]), r[3]): int(r[4]) for r in ref[1:]}
    assert {k[3] for k in folk1a} == {"2025K1"}  # the quarter starting after December
    assert len(folk1a) == len(KOMMUNER) * 2 * 111
    egen = Counter(
        (r[3], r[2], min(_alder(r[1], 20250101), 110), "2025K1")
        for r in _cpr(ud, "2024-12")
        if r[3] in {f"{k:03d}" for k in KOMMUNER} and not r[4]
    )
    forskel = {k: v - egen[k] for k, v in folk1a.items() if v != egen[k]}
    assert 0 < len(forskel) <= 0.02 * len(folk1a)
    assert all(abs(d) <= 3 for d in forskel.values())
    assert sum(egen[k] for k in folk1a) == sum(egen.values())  # every resident is in a cell


def test_regk31_is_the_year_of_the_january_delivery(ud):
    ref = _reference(ud, "REGK31.csv")
    assert ref[0] == ["omraade", "funktion", "tid", "indhold"]
    regk = {(r[0], r[1], r[2]): int(r[3]) for r in ref[1:]}
    assert {k[2] for k in regk} == {"2024"}
    egen = {(k, hf, "2024"): v / 1000 for k, linjer in _oekonomi(ud, "2025-01").items()
            for hf, v in _netto_aar(linjer).items()}
    assert set(regk) == set(egen)
    assert {k[1] for k in regk} >= set(NIVEAU) | {"5.38"}
    forskel = {k: egen[k] - v for k, v in regk.items()}
    assert sum(abs(d) <= 0.5 for d in forskel.values()) >= 0.85 * len(regk)
    assert all(abs(d) <= 0.5 or abs(d) > 1 for d in forskel.values())
    assert any(abs(d) > 1 for d in forskel.values())


def test_reference_files_are_header_only_without_a_quarter_or_complete_year(tmp_path):
    generate(tmp_path, [173], date(2024, 2, 1), date(2024, 2, 1), scale=0.005, seed=SEED, progress=False)
    assert (tmp_path / "reference" / "FOLK1A.csv").read_text() == "omraade;koen;alder;tid;indhold\n"
    assert (tmp_path / "reference" / "REGK31.csv").read_text() == "omraade;funktion;tid;indhold\n"
