"""Linked key figures: skole × udsatte over CPR, their companions and four populations."""

import pytest

from flis_assets_tests.conftest import cpr_line, module_flis


def pupil(cpr, tilbud="ALMEN", klassetrin="3", fravaer="1.0", skoledage="20"):
    return f"{cpr};123456;{klassetrin};{tilbud};{fravaer};{skoledage}"


def measure(mid, cpr, handle, start="20230101", slut="", typ="ANBRINGELSE"):
    return f"{mid};{cpr};{handle};{typ};SEL 52.3.7;{start};{slut}"


C = [f"{i:02d}0115{4000 + i}" for i in range(1, 21)]  # children born 2015


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    with module_flis(tmp_path_factory, "kb") as f:
        f.deliver("cpr", "2024-03", 0, "CPR", "20240305", [cpr_line(c, foedt="20150101") for c in C])
        # Six children placed by København (101) attend school in Frederiksberg (147): two in special classes.
        f.deliver("udsatte", "2024-03", 101, "DUBU", "20240305", [
            *[measure(f"m{i}", C[i], "101") for i in range(6)],
            measure("slut-foer", C[6], "101", slut="20240330"),  # ends before the last day of March
            measure("slut-sidste-dag", C[7], "101", slut="20240331"),  # open on the last day
            measure("10-klasse", C[8], "101"),
        ])
        f.deliver("skole", "2024-03", 147, "TEA", "20240305", [
            pupil(C[0], "SPECIALKLASSE", fravaer="4.0"), pupil(C[1], "SPECIALKLASSE", fravaer="2.0"),
            *[pupil(C[i]) for i in range(2, 6)],
            pupil(C[6]), pupil(C[7]),
            pupil(C[8], klassetrin="10"),  # 10th grade: not in 0-9
        ])
        f.deliver("skole", "2024-03", 101, "TEA", "20240305", [pupil(C[i], fravaer="0.5") for i in range(10, 20)])
        outcome = f.materialize("2024-03", perioder=False)
        outcome = f.materialize_periods("2024-03", "2024-03")
        assert outcome.fejlede_trin == [], outcome
        yield f


def cube(kb, omraade, noegletal_id, niveau="kommune"):
    return kb.sql("SELECT * FROM noegletal.kube WHERE periode = '2024-03-01' AND niveau = ? AND omraade = ? "
                  "AND noegletal_id = ?", [niveau, omraade, noegletal_id]).row(0, named=True)


def test_linked_figure_belongs_to_the_measures_handlekommune_wherever_the_pupil_goes_to_school(kb):
    seg = cube(kb, "101", "koblet_segregering_0_9_udsatte")
    # N1 ∩ N2: the six placed pupils plus the one whose measure ends on the last day; not the one
    # ending before it, not the 10th grader
    assert seg["individer"] == 7 and seg["naevner"] == 7 and seg["taeller"] == 2
    assert seg["vaerdi"] == pytest.approx(100 * 2 / 7)
    fra = cube(kb, "101", "koblet_fravaer_0_9_udsatte")
    assert fra["taeller"] == pytest.approx(4 + 2 + 5 * 1.0) and fra["naevner"] == 7 * 20


def test_unlinked_companions_over_the_kommunes_own_schools(kb):
    frb = cube(kb, "147", "skole_segregering_0_9")
    assert frb["naevner"] == 8 and frb["taeller"] == 2  # the 10th grader is not counted
    kbh = cube(kb, "101", "skole_fravaer_0_9")
    assert kbh["vaerdi"] == pytest.approx(100 * 0.5 / 20) and kbh["individer"] == 10


def test_four_populations_each_counted_in_its_own_area(kb):
    pop = {(r["omraade"], r["population"]): r for r in kb.sql(
        "SELECT * FROM noegletal.koblede_populationer WHERE periode = '2024-03-01' AND niveau = 'kommune' "
        "AND noegletal_id = 'koblet_segregering_0_9_udsatte'").iter_rows(named=True)}
    assert pop[("101", "taeller1")]["antal"] == 8 and pop[("101", "naevner1")]["antal"] == 8  # open on the last day
    assert pop[("147", "naevner2")]["antal"] == 8 and pop[("101", "naevner2")]["antal"] == 10
    # two special-class pupils in Frederiksberg: fewer than five, withheld
    assert pop[("147", "taeller2")]["diskretioneret"] and pop[("147", "taeller2")]["antal"] is None


def test_no_cpr_and_no_individual_lists_in_the_cube(kb):
    for table in ("noegletal.kube", "noegletal.koblede_populationer"):
        assert "cpr" not in kb.sql(f"SELECT * FROM {table} LIMIT 0").columns
