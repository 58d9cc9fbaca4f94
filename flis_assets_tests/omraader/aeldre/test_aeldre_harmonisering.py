"""Ældre (aeldre.md) from hand-made deliveries through the real assets: DSA by the systemskifte
rules (a change in Ældre, none in Voksenhandicap for the same kommune), changed periods from a care
home's visitation, and every harmonisation rule and annotation at its boundaries."""

import pytest

from flis_assets_tests.conftest import cpr_line, module_flis, vh_line
from flis_assets_tests.omraader.aeldre.linjer import MAD, PH, PHJ, aeldre_line, care

# Persons (cpr, foedselsdato, doedsdato)
EJ = ("0101401111", "19400101", "")
HH = ("0202401111", "19400615", "")
DOED = ("0303401111", "19400303", "20240410")
VENT = ("0404401111", "19400404", "")
AENDRET = ("0505401111", "19400505", "")
DOED_FOER_FLYTNING = ("0606401111", "19400606", "20240320")
PERSONER = [EJ, HH, DOED, VENT, AENDRET, DOED_FOER_FLYTNING]

LINES = [
    # TIMER_UGYLDIGE: missing, 0 or less, more than 168 (168 itself is valid); not for madservice
    aeldre_line("t-0", EJ[0], timer="0"),
    aeldre_line("t-168", EJ[0], PH, timer="168"),
    aeldre_line("t-168.5", EJ[0], PH, timer="168.5"),
    aeldre_line("t-tom", EJ[0], timer=""),
    aeldre_line("t-neg", EJ[0], timer="-1"),
    aeldre_line("mad", EJ[0], MAD, timer=""),
    aeldre_line("ugyldig-par", EJ[0], ("PERSONLIG_PLEJE", "SEL 83.1.2")),
    aeldre_line("uden-visit", EJ[0], MAD, visit="", timer=""),
    aeldre_line("ingen-dato", EJ[0], MAD, visit="", start="", timer=""),
    aeldre_line("slut-foer", EJ[0], MAD, visit="20240101", start="20240301", slut="20240201", timer=""),
    aeldre_line("midl", EJ[0], midl="J"),
    # the plejeboliggaranti: two calendar months exactly, and one day more; 31 Dec -> end of February
    care("pb-2m", VENT[0], "20240115", "20240315"),
    care("pb-2m1", VENT[0], "20240115", "20240316"),
    care("pb-3112", VENT[0], "20231231", "20240229", indsats=PHJ),
    care("pb-3112-1", VENT[0], "20231231", "20240301", indsats=PHJ),
    care("pb-vent", VENT[0], "20240310"),  # still waiting
    care("sfv", VENT[0], "20240301", "20240220"),  # START_FOER_VISITATION
    # home help inside a care-home stay (15 March - 10 April), and lines that are not hjemmehjælp
    aeldre_line("hh", HH[0], timer="5"),
    aeldre_line("hh-midl", HH[0], midl="J"),
    aeldre_line("hh-mad", HH[0], MAD, timer=""),
    care("hh-pb", HH[0], "20240201", "20240315", "20240410"),
    # a care-home stay that never began: the citizen died before the day of moving in
    aeldre_line("dff-hh", DOED_FOER_FLYTNING[0]),
    care("dff-pb", DOED_FOER_FLYTNING[0], "20240201", "20240401"),
    # death on an open line, and on an ended one
    aeldre_line("doed-aaben", DOED[0], PH, visit="20230101", start="20230101", timer="2"),
    aeldre_line("doed-slut", DOED[0], PH, visit="20230101", start="20230101", slut="20231231", timer="2"),
]
# A care-home line whose visitation moves back in June's delivery (from January to November 2023).
AENDRET_MAJ = care("aendret", AENDRET[0], "20240105", "20240301")
AENDRET_JUN = care("aendret", AENDRET[0], "20231115", "20240320")

# 147 changes system in Ældre only; 153 in both areas, each its own line (named by its fagsystemer)
SYSTEMSKIFTE = ("kommunekode;fagsystem_gammel;fagsystem_ny;skiftedato;regel\n147;KMD;NEXUS;20240201;2\n"
                "153;CURA;NEXUS;;3\n153;KMD;NEXUS;20240201;2\n")


@pytest.fixture(scope="module")
def a(tmp_path_factory):
    with module_flis(tmp_path_factory, "aeldre") as f:
        f.reference("systemskifte.csv", SYSTEMSKIFTE)
        f.deliver("cpr", "2024-05", 0, "CPR", "20240505", [cpr_line(c, foedt=b, doed=d) for c, b, d in PERSONER])
        f.deliver("aeldre", "2024-06", 101, "NEXUS", "20240605", LINES)
        # alone in its kommune, so no other line's periods hide what its change flags
        f.deliver("aeldre", "2024-05", 151, "NEXUS", "20240505", [AENDRET_MAJ])
        f.deliver("aeldre", "2024-06", 151, "NEXUS", "20240605", [AENDRET_JUN])
        # 147 changes KMD -> NEXUS in Ældre; its VH stays in CURA (rule 1 there)
        f.deliver("aeldre", "2024-05", 147, "KMD", "20240505",
                  [aeldre_line("kmd-aaben", EJ[0]), aeldre_line("kmd-slut", EJ[0], slut="20240131")])
        f.deliver("aeldre", "2024-06", 147, "NEXUS", "20240605", [aeldre_line("nexus", EJ[0])])
        f.deliver("vh", "2024-05", 147, "CURA", "20240505", [vh_line("vh-maj", handle="147")])
        f.deliver("vh", "2024-06", 147, "CURA", "20240605", [vh_line("vh-jun", handle="147")])
        f.deliver("aeldre", "2024-05", 153, "KMD", "20240505", [aeldre_line("153-kmd-slut", EJ[0], slut="20240131")])
        f.deliver("aeldre", "2024-06", 153, "NEXUS", "20240605", [aeldre_line("153-nexus", EJ[0])])
        f.deliver("vh", "2024-06", 153, "CURA", "20240605", [vh_line("153-cura", handle="153")])
        f.deliver("vh", "2024-06", 153, "NEXUS", "20240605", [vh_line("153-nexus", handle="153")])
        outcome = f.materialize("2024-05", "2024-06")
        yield f, outcome


def rules(a, indsats_id, periode="2024-06"):
    f, _ = a
    return sorted(f.sql("SELECT regel FROM harmoniseret.aeldre_opmaerkninger WHERE indsats_id = ? AND periode = ?",
                        [indsats_id, periode + "-01"])["regel"])


def line(a, indsats_id, periode="2024-06"):
    f, _ = a
    got = f.sql("SELECT * FROM harmoniseret.aeldre_indsatser WHERE indsats_id = ? AND periode = ?",
                [indsats_id, periode + "-01"])
    assert got.height == 1, (indsats_id, periode, got.height)
    return got.row(0, named=True)


def periods(a, indsats_id):
    f, _ = a
    return f.sql("SELECT strftime(periode, '%Y-%m') AS p FROM harmoniseret.aeldre_indsatser WHERE indsats_id = ? "
                 "ORDER BY 1", [indsats_id])["p"].to_list()


def test_run_has_no_blocking_failure(a):
    f, outcome = a
    assert outcome.fejlede_trin == [] and outcome.fejlede_blokerende == []
    assert "dsa/aeldre:gyldighedsregler (2024-06)" in outcome.advarsler


def test_systemskifte_rule_2_in_aeldre_while_vh_keeps_rule_1(a):
    f, outcome = a
    got = f.sql("SELECT indsats_id, systemskifte_regel AS r FROM dsa.aeldre WHERE kommunekode = 147 "
                "AND indlaesningsmaaned = '2024-06-01' ORDER BY 1")
    assert got["indsats_id"].to_list() == ["kmd-slut", "nexus"] and set(got["r"]) == {2}
    vh = f.sql("SELECT ydelse_id, systemskifte_regel AS r FROM dsa.vh WHERE kommunekode = 147 "
               "AND indlaesningsmaaned = '2024-06-01'")
    assert vh.rows() == [("vh-jun", 1)]  # the Ældre change names no VH system
    assert "dsa/vh:fagsystemer_efter_systemskifte (2024-06)" not in outcome.advarsler
    assert "dsa/aeldre:fagsystemer_efter_systemskifte (2024-06)" not in outcome.advarsler


def test_a_kommune_changing_in_both_areas_has_a_line_for_each(a):
    f, outcome = a
    got = f.sql("SELECT kilde, id, r FROM (SELECT 'aeldre' AS kilde, indsats_id AS id, systemskifte_regel AS r, "
                "kommunekode, indlaesningsmaaned FROM dsa.aeldre UNION ALL SELECT 'vh', ydelse_id, systemskifte_regel, "
                "kommunekode, indlaesningsmaaned FROM dsa.vh) WHERE kommunekode = 153 "
                "AND indlaesningsmaaned = '2024-06-01' ORDER BY ALL")
    assert got.rows() == [("aeldre", "153-kmd-slut", 2), ("aeldre", "153-nexus", 2),
                          ("vh", "153-cura", 3), ("vh", "153-nexus", 3)]


def test_timer_boundaries(a):
    assert rules(a, "t-0") == ["TIMER_UGYLDIGE"]
    assert rules(a, "t-168") == []
    assert rules(a, "t-168.5") == ["TIMER_UGYLDIGE"]
    assert rules(a, "t-tom") == ["TIMER_UGYLDIGE"]
    assert rules(a, "t-neg") == ["TIMER_UGYLDIGE"]
    assert rules(a, "mad") == []
    assert line(a, "t-168")["hjemmehjaelp"] and not line(a, "t-168")["slettes_af_dst"]
    t0 = line(a, "t-0")
    assert t0["slettes_af_dst"] and t0["opmaerkninger"] == "TIMER_UGYLDIGE (Slettes)" and t0["timer_pr_uge"] == 0


def test_line_rules_in_every_period_of_the_line(a):
    assert periods(a, "t-0")[0] == "2024-01" and all(rules(a, "t-0", p) == ["TIMER_UGYLDIGE"] for p in periods(a, "t-0"))


def test_invalid_pair_is_not_hjemmehjaelp(a):
    assert rules(a, "ugyldig-par") == ["UGYLDIG_INDSATS"]
    assert not line(a, "ugyldig-par")["hjemmehjaelp"]


def test_missing_visitationsdato_is_placed_from_the_start(a):
    assert rules(a, "uden-visit") == ["MANGLENDE_VISITATIONSDATO"]
    assert periods(a, "uden-visit")[0] == "2024-01"


def test_lines_that_cannot_be_placed_belong_to_their_load_month(a):
    assert rules(a, "slut-foer") == ["SLUTDATO_FOER_STARTDATO"]
    assert periods(a, "slut-foer") == ["2024-06"]
    assert rules(a, "ingen-dato") == ["MANGLENDE_VISITATIONSDATO"]
    assert periods(a, "ingen-dato") == ["2024-06"]


def test_care_home_guarantee_two_calendar_months(a):
    assert (line(a, "pb-2m", "2024-03")["ventedage"], line(a, "pb-2m", "2024-03")["over_garanti"]) == (60, False)
    assert (line(a, "pb-2m1", "2024-03")["ventedage"], line(a, "pb-2m1", "2024-03")["over_garanti"]) == (61, True)
    assert line(a, "pb-3112", "2024-02")["over_garanti"] is False  # 31 Dec: guaranteed until 29 Feb
    assert line(a, "pb-3112-1", "2024-03")["over_garanti"] is True
    # waiting before the start: from the visitation's month, ventende until the month of moving in
    assert periods(a, "pb-2m")[0] == "2024-01"
    assert [line(a, "pb-2m", p)["ventende"] for p in ("2024-01", "2024-02", "2024-03")] == [True, True, False]
    assert line(a, "pb-2m", "2024-01")["ventedage"] == 16 and line(a, "pb-2m", "2024-06")["ventedage"] == 60
    assert line(a, "pb-3112", "2023-12")["ventedage"] == 0
    assert rules(a, "pb-2m1", "2024-03") == []  # over the guarantee is an annotation, not a rule


def test_citizen_still_waiting_across_periods(a):
    assert periods(a, "pb-vent") == ["2024-03", "2024-04", "2024-05", "2024-06"]
    got = [(line(a, "pb-vent", p)["ventedage"], line(a, "pb-vent", p)["over_garanti"], line(a, "pb-vent", p)["ventende"])
           for p in ("2024-03", "2024-04", "2024-05", "2024-06")]
    assert got == [(21, False, True), (51, False, True), (82, True, True), (112, True, True)]


def test_start_before_visitation(a):
    sfv = line(a, "sfv", "2024-02")
    assert str(sfv["alternativ_visitationsdato"]) == "2024-02-20" and sfv["ventedage"] == 0
    assert periods(a, "sfv")[0] == "2024-02"
    assert all(rules(a, "sfv", p) == ["START_FOER_VISITATION"] for p in periods(a, "sfv"))
    assert line(a, "pb-2m", "2024-03")["alternativ_visitationsdato"] is None


def test_home_help_inside_a_care_home_stay_marked_where_it_overlaps(a):
    for p, marked in (("2024-02", False), ("2024-03", True), ("2024-04", True), ("2024-05", False)):
        for indsats_id in ("hh", "hh-midl", "hh-mad"):
            assert (rules(a, indsats_id, p) == ["HJEMMEHJAELP_I_PLEJEBOLIG"]) == marked, (indsats_id, p)
    assert rules(a, "hh-pb", "2024-03") == []  # the care-home line itself is not marked
    assert line(a, "hh", "2024-03")["hjemmehjaelp"]  # the datamart counts its days outside the stay
    assert line(a, "hh", "2024-03")["opmaerkninger"] == "HJEMMEHJAELP_I_PLEJEBOLIG (Markeres)"
    assert not line(a, "hh-midl")["hjemmehjaelp"] and not line(a, "hh-mad")["hjemmehjaelp"]
    pb = line(a, "hh-pb", "2024-03")
    assert pb["plejebolig"] and not pb["hjemmehjaelp"] and not line(a, "hh")["plejebolig"]


def test_a_stay_the_citizen_died_before_is_no_stay(a):
    assert rules(a, "dff-hh", "2024-03") == ["DOEDSDATO_SOM_SLUTDATO"]
    assert periods(a, "dff-pb") == ["2024-02", "2024-03"] and line(a, "dff-pb", "2024-03")["ventende"]


def test_death_ends_an_open_line_from_the_death_on(a):
    aaben = line(a, "doed-aaben", "2024-04")
    assert str(aaben["alternativ_slutdato"]) == "2024-04-10" and aaben["slutdato"] is None
    assert rules(a, "doed-aaben", "2024-04") == ["DOEDSDATO_SOM_SLUTDATO"]
    assert rules(a, "doed-aaben", "2024-03") == []
    assert periods(a, "doed-aaben")[-1] == "2024-04"
    assert line(a, "doed-slut", "2023-12")["alternativ_slutdato"] is None and rules(a, "doed-slut", "2023-12") == []


def test_age_at_the_end_of_the_period(a):
    assert line(a, "hh", "2024-05")["alder"] == 83 and line(a, "hh", "2024-06")["alder"] == 84


def test_changed_care_home_line_flags_its_old_and_new_periods(a):
    f, _ = a
    got = f.sql("SELECT strftime(periode, '%Y-%m') AS p FROM dsa.aendrede_perioder WHERE kilde = 'aeldre' "
                "AND kommunekode = 151 AND indlaesningsmaaned = '2024-06-01' ORDER BY 1")["p"].to_list()
    # from the new visitation (November 2023) on, though the start moved only within March
    assert got == ["2023-11", "2023-12", "2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06"]
    assert periods(a, "aendret")[0] == "2023-11"


def test_opmaerkninger_table_and_report_name_no_cpr(a):
    f, _ = a
    row = f.sql("SELECT * FROM harmoniseret.aeldre_opmaerkninger WHERE indsats_id = 't-0' AND periode = '2024-06-01'")
    assert row.select("kommunekode", "fagsystem", "cpr", "regel", "dst_handling").row(0) == (
        101, "NEXUS", EJ[0], "TIMER_UGYLDIGE", "Slettes")
    rapport = f.sql("SELECT * FROM rapporter.aeldre_harmoniseringsregelrapport WHERE periode = '2024-03-01' "
                    "AND regel = 'HJEMMEHJAELP_I_PLEJEBOLIG'")
    assert rapport.select("kommunekode", "unikke_borgere", "linjer").row(0) == (101, 1, 3)
    assert "cpr" not in rapport.columns


def test_checks_name_no_cpr(a):
    f, _ = a
    evaluations = f.check_evaluations(["dsa/aeldre:gyldighedsregler", "harmoniseret/aeldre_indsatser:linjer_bevaret"],
                                      "2024-06")
    assert not evaluations["dsa/aeldre:gyldighedsregler"].passed
    assert evaluations["harmoniseret/aeldre_indsatser:linjer_bevaret"].passed
    for e in evaluations.values():
        assert not any(p[0] in str(e.metadata) for p in PERSONER)
