"""Validity checks of the harmonised pupils and measures: hand-made faults, named without CPR numbers."""

import pytest

from flis_assets_tests.conftest import cpr_line, module_flis
from flis_assets_tests.noegletal.test_koblede import measure, pupil

C = [f"{i:02d}0115{5000 + i}" for i in range(1, 8)]
CHECKS = ["harmoniseret/skole_elever:gyldighedsregler", "harmoniseret/skole_elever:afledte_felter",
          "harmoniseret/udsatte_foranstaltninger:gyldighedsregler",
          "harmoniseret/udsatte_foranstaltninger:afledte_felter", "dsa/skole:gyldighedsregler"]


@pytest.fixture(scope="module")
def evaluations(tmp_path_factory):
    with module_flis(tmp_path_factory, "suc") as f:
        f.deliver("cpr", "2024-03", 0, "CPR", "20240305", [cpr_line(c, foedt="20150101") for c in C])
        f.deliver("skole", "2024-03", 101, "TEA", "20240305", [
            pupil(C[0], fravaer="25.0", skoledage="20"),  # more days absent than school days
            pupil(C[1]), pupil(C[2])])
        f.deliver("skole", "2024-03", 147, "TEA", "20240305", [pupil(C[2]), pupil(C[3])])  # C[2] in two kommuner
        f.deliver("udsatte", "2024-03", 101, "DUBU", "20240305", [
            measure("ok", C[4], "101"),
            f"ukendt-kommune;{C[5]};999;ANBRINGELSE;SEL 52.3.7;20230101;",
            f"anden-lov;{C[6]};101;FOREBYGGENDE;BL 11;20230101;",
        ])
        f.materialize("2024-03", perioder=False)
        f.materialize_periods("2024-03", "2024-03")
        yield f.check_evaluations(CHECKS, "2024-03")


def failing(evaluation) -> str:
    return evaluation.metadata["fejlende_noegler"].value if "fejlende_noegler" in evaluation.metadata else ""


def test_derived_flags_hold(evaluations):
    assert evaluations["harmoniseret/skole_elever:afledte_felter"].passed
    assert evaluations["harmoniseret/udsatte_foranstaltninger:afledte_felter"].passed


def test_pupils_validity_rules_name_school_and_rule(evaluations):
    e = evaluations["harmoniseret/skole_elever:gyldighedsregler"]
    assert not e.passed
    text = failing(e)
    assert "FRAVAER_OVER_SKOLEDAGE" in text and "ELEV_I_FLERE_KOMMUNERS_SKOLER" in text
    assert "123456" in text  # the school


def test_staged_pupils_are_named_by_file_and_line(evaluations):
    text = failing(evaluations["dsa/skole:gyldighedsregler"])
    assert "FRAVAER_OVER_SKOLEDAGE" in text and "SKOLE_101_TEA_FULD_20240305.csv | 1 |" in text


def test_measures_validity_rules_name_the_measure(evaluations):
    e = evaluations["harmoniseret/udsatte_foranstaltninger:gyldighedsregler"]
    text = failing(e)
    assert not e.passed and "ukendt-kommune" in text and "anden-lov" in text and "| ok |" not in text


def test_no_check_shows_a_cpr_number(evaluations):
    for e in evaluations.values():
        assert not any(c in str(v.value) for v in e.metadata.values() for c in C)
