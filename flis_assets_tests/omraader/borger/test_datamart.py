"""Borger's datamart from hand-made CPR extracts: the population by sex and age, the movements by
the pinned state comparison, the balance (a blocking check) and the FOLK1A reconciliation.

København (101), Frederiksberg (147) and Ballerup (151), load months January to April 2024:

| person | what happens |
| --- | --- |
| A, K | live in 101 and 151 all along |
| B | born 15 February in 147 |
| C | dies 10 February in 101 |
| D | moves 101 -> 147 in February |
| E | moves 147 -> 101 in March |
| F | emigrates from 151 in February (no bopael), absent in March, returns to 151 in April |
| G | lives in 101, dies 20 March in 147 (moved there first) |
| H | lives in 151; the April extract reports the death on 15 February in 147 (a late report) |
| J | lives in 151, dies 5 March without a Danish residence |
| I1, I2, I3 | in 147, born 1910, June 1913 and March 1914: 110+ all, 110, 109 -> 110 in March |
"""

import shutil

import dagster as dg
import pytest

from flis_assets.omraader.borger import datamart
from flis_assets_tests.conftest import cpr_line, module_flis

A, B, C, D, E, F, G, H, J, K = (f"0{i}0180{1000 + i}" for i in range(10))
I1, I2, I3 = "0101101110", "1506131110", "0103141110"
AELDSTE = [cpr_line(I1, foedt="19100101", bopael="147"), cpr_line(I2, foedt="19130615", bopael="147"),
           cpr_line(I3, foedt="19140301", bopael="147")]
UDTRAEK = {
    "2024-01": [cpr_line(A), cpr_line(C, foedt="19500101"), cpr_line(D), cpr_line(E, bopael="147"),
                cpr_line(F, bopael="151"), cpr_line(G), cpr_line(H, bopael="151"), cpr_line(J, bopael="151"),
                cpr_line(K, bopael="151"), *AELDSTE],
    "2024-02": [cpr_line(A), cpr_line(B, foedt="20240215", koen="M", bopael="147"),
                cpr_line(C, foedt="19500101", doed="20240210"), cpr_line(D, bopael="147"), cpr_line(E, bopael="147"),
                cpr_line(F, bopael=""), cpr_line(G), cpr_line(H, bopael="151"), cpr_line(J, bopael="151"),
                cpr_line(K, bopael="151"), *AELDSTE],
    "2024-03": [cpr_line(A), cpr_line(B, foedt="20240215", koen="M", bopael="147"), cpr_line(D, bopael="147"),
                cpr_line(E), cpr_line(G, bopael="147", doed="20240320"), cpr_line(H, bopael="151"),
                cpr_line(J, bopael="", doed="20240305"), cpr_line(K, bopael="151"), *AELDSTE],
    "2024-04": [cpr_line(A), cpr_line(B, foedt="20240215", koen="M", bopael="147"), cpr_line(D, bopael="147"),
                cpr_line(E), cpr_line(F, bopael="151"), cpr_line(H, bopael="147", doed="20240215"),
                cpr_line(K, bopael="151"), *AELDSTE],
}
# FOLK1A on 1 April 2024 (2024K2) against FLIS at the end of March: 101 and 151 agree, 147 has one more.
FOLK1A = "omraade;koen;alder;tid;indhold\n101;K;44;2024K2;2\n147;M;0;2024K2;1\n147;K;44;2024K2;2\n" \
         "147;K;110;2024K2;3\n151;K;44;2024K2;1\n"
BALANCE = "datamart/befolkning:balance_med_bevaegelser"
FOLK1A_CHECK = "datamart/folk1a_afstemning:folk1a_afvigelser"


def lever(f, maaneder) -> None:
    for m in maaneder:
        f.deliver("cpr", m, 0, "CPR", m.replace("-", "") + "05", UDTRAEK[m])


def bevaegelser(f, periode: str) -> dict[tuple[int, str], int]:
    rows = f.sql("SELECT kommunekode, bevaegelse, antal FROM datamart.befolkningsbevaegelser WHERE periode = ?",
                 [periode]).rows()
    return {(k, b): n for k, b, n in rows}


def indbyggere(f, periode: str) -> dict[int, int]:
    return dict(f.sql("SELECT kommunekode, sum(antal)::INTEGER FROM datamart.befolkning WHERE periode = ? GROUP BY 1",
                      [periode]).rows())


@pytest.fixture(scope="module")
def marts(tmp_path_factory):
    """Loaded through March: H's death not yet known. Then April is loaded on top (`april`)."""
    with module_flis(tmp_path_factory, "borger") as f:
        f.reference("FOLK1A.csv", FOLK1A)
        lever(f, ["2024-01", "2024-02", "2024-03"])
        outcome = f.materialize("2024-01", "2024-03")
        assert outcome.ok and not outcome.fejlede_blokerende, outcome
        foer = {"bevaegelser": bevaegelser(f, "2024-02-01"), "indbyggere": indbyggere(f, "2024-02-01")}
        lever(f, ["2024-04"])
        outcome = f.materialize("2024-04")
        assert outcome.ok and not outcome.fejlede_blokerende, outcome
        yield f, foer


@pytest.fixture(scope="module")
def april(marts):
    return marts[0]


def test_population_by_sex_and_single_year_of_age(april):
    got = april.sql("SELECT kommunekode, koen, alder, antal FROM datamart.befolkning WHERE periode = '2024-01-01' "
                    "ORDER BY ALL").rows()
    assert got == [(101, "K", 44, 3), (101, "K", 74, 1), (147, "K", 44, 1), (147, "K", 109, 1), (147, "K", 110, 2),
                   (151, "K", 44, 4)]


def test_110_and_older_are_counted_in_110(april):
    def aeldste(periode):
        return april.sql("SELECT alder, antal FROM datamart.befolkning WHERE periode = ? AND alder >= 100 "
                         "ORDER BY 1", [periode]).rows()

    assert aeldste("2024-02-01") == [(109, 1), (110, 2)]  # born 1910 (114) and June 1913 (110)
    assert aeldste("2024-03-01") == [(110, 3)]  # born 1 March 1914: 110 at the end of March


def test_residents_each_period(april):
    assert indbyggere(april, "2024-01-01") == {101: 4, 147: 4, 151: 4}
    assert indbyggere(april, "2024-02-01") == {101: 2, 147: 6, 151: 2}  # H dead by the newest register
    assert indbyggere(april, "2024-03-01") == {101: 2, 147: 5, 151: 1}
    assert indbyggere(april, "2024-04-01") == {101: 2, 147: 5, 151: 2}


def test_the_first_period_has_no_movements(april):
    assert bevaegelser(april, "2024-01-01") == {}


def test_birth_death_moves_and_emigration_in_february(april):
    assert bevaegelser(april, "2024-02-01") == {
        (101, "doede"): 1, (101, "fraflyttede"): 1,  # C died, D moved to 147
        (147, "foedte"): 1, (147, "tilflyttede"): 2, (147, "doede"): 1,  # B born, D moved in, H died there
        (151, "udvandrede"): 1, (151, "fraflyttede"): 1,  # F emigrated, H left (both reported in April)
    }


def test_a_death_in_another_kommune_and_a_death_abroad_in_march(april):
    assert bevaegelser(april, "2024-03-01") == {
        (101, "tilflyttede"): 1, (147, "fraflyttede"): 1,  # E 147 -> 101
        (101, "fraflyttede"): 1, (147, "tilflyttede"): 1, (147, "doede"): 1,  # G died in 147, lived in 101
        (151, "udvandrede"): 1,  # J died without a Danish residence
    }


def test_a_return_from_abroad_is_an_immigration(april):
    assert bevaegelser(april, "2024-04-01") == {(151, "indvandrede"): 1}


def test_moves_between_kommuner(april):
    got = april.sql("SELECT periode::VARCHAR, fra_kommune, til_kommune, antal FROM datamart.flytninger ORDER BY ALL")
    assert got.rows() == [("2024-02-01", 101, 147, 1), ("2024-02-01", 151, 147, 1),
                          ("2024-03-01", 101, 147, 1), ("2024-03-01", 147, 101, 1)]


def test_a_death_reported_later_changes_the_earlier_period(marts):
    f, foer = marts
    assert foer["indbyggere"][151] == 3 and (147, "doede") not in foer["bevaegelser"]  # known after March
    assert indbyggere(f, "2024-02-01")[151] == 2  # H died in 147, where the newest register places the death
    assert bevaegelser(f, "2024-02-01")[(147, "doede")] == 1 and bevaegelser(f, "2024-02-01")[(151, "fraflyttede")] == 1


def test_the_balance_of_a_kommune(april):
    """147 in March: 6 before, + 1 tilflyttet (G) - 1 fraflyttet (E) - 1 død (G) = 5."""
    foer, nu = indbyggere(april, "2024-02-01")[147], indbyggere(april, "2024-03-01")[147]
    b = {k[1]: v for k, v in bevaegelser(april, "2024-03-01").items() if k[0] == 147}
    assert nu == foer + sum(datamart.FORTEGN[navn] * antal for navn, antal in b.items())
    assert (foer, nu) == (6, 5)
    e = april.check_evaluations([BALANCE], "2024-01", "2024-04")[BALANCE]
    assert e.passed and e.metadata["maaneder_kontrolleret"].value == "2024-01, 2024-02, 2024-03, 2024-04"


def test_movements_in_the_first_period_fail_the_balance(april):
    """The first period has no previous register to move from: a movement there is an error."""
    april.execute("INSERT INTO datamart.befolkningsbevaegelser VALUES ('2024-01-01', 151, 'foedte', 1)")
    try:
        e = april.check_evaluations([BALANCE], "2024-01")[BALANCE]
    finally:
        april.execute("DELETE FROM datamart.befolkningsbevaegelser WHERE periode = '2024-01-01'")
    assert not e.passed and "| 151 | Ballerup |  | 1 |  | BEVAEGELSER_UDEN_FORRIGE_PERIODE |" in \
        e.metadata["fejlende_noegler"].value


def test_folk1a_difference_shown_and_matches_not(april):
    got = april.sql("SELECT kvartal, kommunekode, flis, folk1a, difference FROM datamart.folk1a_afstemning "
                    "ORDER BY ALL").rows()
    assert got == [("2024K2", 101, 2, 2, 0), ("2024K2", 147, 5, 6, -1), ("2024K2", 151, 1, 1, 0)]
    e = april.check_evaluations([FOLK1A_CHECK], "2024-03")[FOLK1A_CHECK]
    assert not e.passed and e.severity.value == "WARN"
    noegler = e.metadata["fejlende_noegler"].value
    assert "| 147 | Frederiksberg | 2024K2 | 5 | 6 | -1 | AFVIGER_FRA_FOLK1A |" in noegler
    assert "| 101 |" not in noegler and "| 151 |" not in noegler
    assert april.check_evaluations([FOLK1A_CHECK], "2024-02")[FOLK1A_CHECK].passed  # no quarter starts on 1 March


def test_a_broken_balance_blocks_the_months_packages(flis, monkeypatch):
    """A movement too many in February (a corrupted row) fails the blocking check, and February's
    packages are not written; January's are."""
    lever(flis, ["2024-01", "2024-02"])
    assert flis.materialize("2024-01", "2024-02").ok
    pakker = flis.root / "datapakker" / "101"
    assert (pakker / "2024-01").is_dir() and (pakker / "2024-02").is_dir()
    assert flis.check_evaluations([BALANCE], "2024-02")[BALANCE].passed

    shutil.rmtree(pakker / "2024-02")
    foer = indhold_materialiseret(flis, "2024-02-01")
    monkeypatch.setattr(datamart, "BEVAEGELSER_SQL", datamart.BEVAEGELSER_SQL + """
        UNION ALL SELECT DATE '2024-02-01', 101, 'foedte', 1 WHERE DATE '2024-02-01' BETWEEN $fra AND $til""")
    outcome = flis.materialize_periods("2024-02", "2024-02")
    assert outcome.fejlede_blokerende == [f"{BALANCE} (2024-02)"], outcome
    assert not (pakker / "2024-02").exists()
    assert indhold_materialiseret(flis, "2024-02-01") == foer  # the content was not rebuilt either
    e = flis.check_evaluations([BALANCE], "2024-02")[BALANCE]
    assert not e.passed and e.severity.value == "ERROR"
    noegler = e.metadata["fejlende_noegler"].value
    assert "INDBYGGERE_STEMMER_IKKE_MED_BEVAEGELSERNE" in noegler and "| 101 |" in noegler
    assert A not in noegler


def indhold_materialiseret(f, periode: str) -> int:
    """How often the packages' content of `periode` has been materialised."""
    filter_ = dg.AssetRecordsFilter(asset_key=dg.AssetKey(["datapakker", "indhold"]), asset_partitions=[periode])
    return len(f.instance.fetch_materializations(filter_, limit=1000).records)
