"""Changed periods of Ældre: a care-home line belongs to periods from its visitation (kilder.csv
`gyldig_fra`), so a change of its citizen's CPR facts (kilder.csv `borger`) touches those too."""

from flis_assets_tests.conftest import cpr_line
from flis_assets_tests.omraader.aeldre.linjer import care


def test_a_late_registered_death_touches_a_care_home_line_from_its_visitation(flis):
    cpr = "0707401111"
    linje = care("venter", cpr, "20231115", "20240301")  # visited November, moved in March
    for m in ("2024-01", "2024-02"):
        flis.deliver("aeldre", m, 151, "NEXUS", m.replace("-", "") + "05", [linje])
    flis.deliver("cpr", "2024-01", 0, "CPR", "20240105", [cpr_line(cpr, foedt="19400707", bopael="151")])
    flis.deliver("cpr", "2024-02", 0, "CPR", "20240205",
                 [cpr_line(cpr, foedt="19400707", bopael="151", doed="20240110")])
    assert flis.materialize("2024-01", "2024-02", perioder=False).ok
    got = flis.sql("SELECT DISTINCT strftime(periode, '%Y-%m') AS p FROM dsa.aendrede_perioder "
                   "WHERE kilde = 'cpr' AND indlaesningsmaaned = '2024-02-01' ORDER BY 1")["p"].to_list()
    assert got == ["2023-11", "2023-12", "2024-01", "2024-02"]
