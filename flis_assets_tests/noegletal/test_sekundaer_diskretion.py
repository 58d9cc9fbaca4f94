"""Secondary discretion through the real graph: the cube, the attack check and the package."""

import pytest

from flis_assets_tests.conftest import cpr_line, module_flis
from flis_assets_tests.noegletal.test_koblede import pupil

ELEVER = {101: 10, 147: 3, 151: 6, 153: 12}  # all in Hovedstaden; Frederiksberg (147) under five
SPECIALKLASSE = {101: 2, 147: 0, 151: 0, 153: 1}
CHECK = "noegletal/kube:diskretion_kan_ikke_udregnes"


@pytest.fixture(scope="module")
def sk(tmp_path_factory):
    with module_flis(tmp_path_factory, "sk") as f:
        cprs = {k: [f"{i + 1:02d}0115{k:03d}{i % 10}" for i in range(n)] for k, n in ELEVER.items()}
        f.deliver("cpr", "2024-03", 0, "CPR", "20240305",
                  [cpr_line(c, foedt="20150101", bopael=str(k)) for k, cs in cprs.items() for c in cs])
        for k, cs in cprs.items():
            f.deliver("skole", "2024-03", k, "TEA", "20240305",
                      [pupil(c, "SPECIALKLASSE" if i < SPECIALKLASSE[k] else "ALMEN") for i, c in enumerate(cs)])
        f.materialize("2024-03", perioder=False)
        outcome = f.materialize_periods("2024-03", "2024-03")
        assert outcome.fejlede_trin == [] and outcome.fejlede_blokerende == [], outcome
        yield f


def rows(sk, table, **where):
    cond = " AND ".join(f"{k} = ?" for k in where)
    return {r["omraade"]: r for r in sk.sql(f"SELECT * FROM {table} WHERE periode = '2024-03-01' AND {cond}",
                                            list(where.values())).iter_rows(named=True)}


def test_the_cheapest_safe_neighbour_of_a_small_kommune_is_withheld_as_secondary(sk):
    k = rows(sk, "noegletal.kube", noegletal_id="skole_segregering_0_9")
    assert k["147"]["diskretion_aarsag"] == "primaer" and k["147"]["taeller"] is None
    # Frederiksberg = Hovedstaden minus its neighbours, unless one more is withheld. Not the smallest,
    # Gentofte: it has no special-class pupils either, so both would be 0 = Hovedstaden minus the rest.
    assert k["101"]["diskretion_aarsag"] == "sekundaer"
    assert k["101"]["vaerdi"] is None and k["101"]["naevner"] is None and k["101"]["individer"] is None
    assert k["151"]["naevner"] == 6 and k["153"]["naevner"] == 12 and k["Hovedstaden"]["naevner"] == 31
    assert not k["151"]["diskretioneret"] and k["151"]["diskretion_aarsag"] is None


def test_school_populations_withhold_what_the_companion_figure_withholds(sk):
    # N2 is skole_segregering_0_9's denominator again. Alone it would withhold Gentofte (the smallest);
    # then the two tables together would give Frederiksberg away.
    p = rows(sk, "noegletal.koblede_populationer", noegletal_id="koblet_segregering_0_9_udsatte",
             population="naevner2", niveau="kommune")
    assert p["147"]["diskretion_aarsag"] == "primaer" and p["101"]["diskretion_aarsag"] == "sekundaer"
    assert p["101"]["antal"] is None and p["151"]["antal"] == 6
    k = rows(sk, "noegletal.kube", noegletal_id="skole_segregering_0_9", niveau="kommune")
    assert {o for o in p if p[o]["diskretioneret"]} == {o for o in k if k[o]["diskretioneret"]} == {"101", "147"}


def test_the_package_carries_the_secondary_suppression(sk):
    k = rows(sk, "datapakker.noegletal", noegletal_id="skole_segregering_0_9")
    assert k["101"]["diskretion_aarsag"] == "sekundaer" and k["101"]["taeller"] is None
    checks = ["datapakker/indhold:noegletal_kan_ikke_udregnes", "datapakker/indhold:populationer_kan_ikke_udregnes"]
    assert sk.run_checks(checks, "2024-03") == dict.fromkeys(checks, True)


def test_the_attack_check_passes_and_blocks_a_table_that_gives_a_cell_away(sk):
    assert sk.run_checks([CHECK], "2024-03") == {CHECK: True}
    # publish København again: Frederiksberg is then Hovedstaden minus the three others
    sk.execute("""UPDATE noegletal.kube SET diskretioneret = false, diskretion_aarsag = NULL, taeller = 2,
                  naevner = 10, individer = 10, vaerdi = 20
                  WHERE periode = '2024-03-01' AND omraade = '101' AND noegletal_id = 'skole_segregering_0_9'""")
    e = sk.check_evaluations([CHECK], "2024-03")[CHECK]
    assert not e.passed
    shown = e.metadata["fejlende_noegler"].value  # Frederiksberg's numbers, each a single point
    assert "| skole_segregering_0_9 | 147 | naevner | 3.0 | 3.0 |" in shown
