"""Every blocking check is proven to block.

For each blocking check of the definitions a hand-made bad case makes it fail (a named test, here
or elsewhere: `DAEKKET`), and a run in which it fails leaves what comes after its asset
unmaterialised. A new blocking check without such a test fails `test_every_blocking_check_is_covered`.

One small month (2024-03) is materialised once; each bad case edits a copy of its database and runs
the one check alone. The runs rename the table the check reads (as a refactor would), which also
proves that a check that cannot read what it guards fails rather than passes.
"""

import re
import shutil

import dagster as dg
import duckdb
import pytest

from flis_assets.checks import factory
from flis_assets_tests.conftest import cpr_line, module_flis, vh_line
from flis_assets_tests.noegletal.test_koblede import measure, pupil
from flis_assets_tests.omraader.aeldre.linjer import aeldre_line

MAANED = "2024-03"
P = "periode = '2024-03-01'"

# Skole as in test_sekundaer_diskretion: Frederiksberg (147) under five, København (101) its
# secondary cell. Voksenhandicap, Udsatte and Økonomi in Midtjylland, apart from it.
ELEVER = {101: 10, 147: 3, 151: 6, 153: 12}
SPECIALKLASSE = {101: 2, 147: 0, 151: 0, 153: 1}
VOKSNE = {751: 12, 730: 7}
BOERN_751 = [f"{i:02d}0215{7000 + i}" for i in range(1, 7)]


def paa_en_linje(statement: str) -> str:
    """`statement` (UPDATE or DELETE of a dsa table) on one line of its table."""
    tabel = re.search(r"dsa\.\w+", statement)[0]
    return f"{statement} WHERE rowid = (SELECT min(rowid) FROM {tabel})"


# A hand-made bad case per blocking check: the rule it must fail on, and SQL that breaks what the
# check guards in month 2024-03.
BAD_CASES = {
    "dsa/vh:skema": ("not_nullable (handlekommune)", paa_en_linje("UPDATE dsa.vh SET handlekommune = NULL")),
    "dsa/cpr:skema": ("not_nullable (koen)", paa_en_linje("UPDATE dsa.cpr SET koen = NULL")),
    "dsa/oekonomi:skema": ("not_nullable (art)", paa_en_linje("UPDATE dsa.oekonomi SET art = NULL")),
    "dsa/skole:skema": ("not_nullable (skolekode)", paa_en_linje("UPDATE dsa.skole SET skolekode = NULL")),
    "dsa/udsatte:skema": ("not_nullable (startdato)", paa_en_linje("UPDATE dsa.udsatte SET startdato = NULL")),
    "dsa/udsatte:ingen_linjer_tabt": ("LINJER_TABT_MELLEM_RAADATA_OG_DSA", paa_en_linje("DELETE FROM dsa.udsatte")),
    "dsa/oekonomi:ingen_linjer_tabt": ("LINJER_TABT_MELLEM_RAADATA_OG_DSA", paa_en_linje("DELETE FROM dsa.oekonomi")),
    "harmoniseret/skole_elever:afledte_felter": ("KLASSETRIN_0_9_FORKERT",
        f"UPDATE harmoniseret.skole_elever SET klassetrin_0_9 = NOT klassetrin_0_9 WHERE {P} AND kommunekode = 151"),
    "harmoniseret/udsatte_foranstaltninger:afledte_felter": ("AABEN_SIDSTE_DAG_FORKERT",
        f"UPDATE harmoniseret.udsatte_foranstaltninger SET aaben_sidste_dag = NOT aaben_sidste_dag WHERE {P}"),
    "dsa/aeldre:skema": ("not_nullable (cpr)", paa_en_linje("UPDATE dsa.aeldre SET cpr = NULL")),
    "dsa/aeldre:ingen_linjer_tabt": ("LINJER_TABT_MELLEM_RAADATA_OG_DSA", paa_en_linje("DELETE FROM dsa.aeldre")),
    "harmoniseret/aeldre_indsatser:linjer_bevaret": ("LINJE_DOBBELT_I_PERIODEN",
        f"INSERT INTO harmoniseret.aeldre_indsatser SELECT * FROM harmoniseret.aeldre_indsatser WHERE {P} LIMIT 1"),
    "harmoniseret/vh_ydelser:linjer_bevaret": ("LINJE_DOBBELT_I_PERIODEN",
        f"INSERT INTO harmoniseret.vh_ydelser SELECT * FROM harmoniseret.vh_ydelser WHERE {P} LIMIT 1"),
    "datamart/vh_benchmark:totaler_som_harmoniseret": ("BENCHMARK_AFVIGER_FRA_HARMONISERET",
        f"UPDATE datamart.vh_benchmark SET unikke_modtagere = unikke_modtagere + 1 WHERE {P} AND handlekommune = 751"),
    "noegletal/kube:taellere_som_datamart": ("TAELLER_AFVIGER_FRA_DATAMART",
        f"UPDATE noegletal.kube SET taeller = taeller + 1 WHERE {P} AND omraade = '751' AND NOT diskretioneret"),
    "noegletal/kube:diskretion": ("FAERRE_END_5_INDIVIDER_VIST",  # a figure shown for two people
        f"UPDATE noegletal.kube SET individer = 2 WHERE {P} AND omraade = '751' AND NOT diskretioneret"),
    # København published again: Frederiksberg is then Hovedstaden minus the three others
    "noegletal/koblede_populationer:diskretion_kan_ikke_udregnes": ("KAN_UDREGNES_AF_DET_PUBLICEREDE",
        f"""UPDATE noegletal.koblede_populationer SET diskretioneret = false, diskretion_aarsag = NULL, antal = 10
            WHERE {P} AND omraade = '101' AND population = 'naevner2' AND niveau = 'kommune'"""),
    "datapakker/indhold:noegletal_kan_ikke_udregnes": ("KAN_UDREGNES_AF_DET_PUBLICEREDE",
        f"""UPDATE datapakker.noegletal SET diskretioneret = false, diskretion_aarsag = NULL, taeller = 2,
            naevner = 10, individer = 10, vaerdi = 20
            WHERE {P} AND omraade = '101' AND noegletal_id = 'skole_segregering_0_9'"""),
    # 751's hjemmehjælp rows shown (twelve with personlig pleje, 3 h each; nobody with praktisk hjælp):
    # the hours per recipient, withheld in the cube, are their sum
    "datapakker/indhold:aeldre_hjemmehjaelp_kan_ikke_udregnes": ("NOEGLETAL_ER_SUMMEN_AF_VISTE_RAEKKER",
        f"""UPDATE datapakker.aeldre_datamart SET diskretioneret = false, diskretion_aarsag = NULL,
            hjemmehjaelp_modtagere = CASE WHEN indsatstype = 'PERSONLIG_PLEJE' THEN 12 ELSE 0 END,
            visiterede_timer = CASE WHEN indsatstype = 'PERSONLIG_PLEJE' THEN 36 ELSE 0 END
            WHERE {P} AND kommunekode = 751 AND indsatstype IN ('PERSONLIG_PLEJE', 'PRAKTISK_HJAELP')"""),
    "datapakker/indhold:populationer_kan_ikke_udregnes": ("KAN_UDREGNES_AF_DET_PUBLICEREDE",
        f"""UPDATE datapakker.noegletal_populationer SET diskretioneret = false, diskretion_aarsag = NULL, antal = 10
            WHERE {P} AND omraade = '101' AND population = 'naevner2'"""),
}

# Blocking checks whose failing case (and, for the packages, the files never written) is proven elsewhere.
ANDETSTEDS = {
    "dsa/vh:ingen_linjer_tabt": "raadata/test_leverancer.py::test_a_lost_line_fails_the_blocking_check",
    "dsa/skole:ingen_linjer_tabt": "raadata/test_leverancer.py::test_a_lost_line_fails_the_blocking_check",
    "dsa/cpr:ingen_linjer_tabt": "dsa/test_borger.py::test_a_person_lost_between_raadata_and_dsa_blocks_in_a_ranged_run",
    "datamart/befolkning:balance_med_bevaegelser":  # needs a previous period: the module has one month
        "omraader/borger/test_datamart.py::test_a_broken_balance_blocks_the_months_packages",
    "noegletal/kube:diskretion_kan_ikke_udregnes":
        "noegletal/test_sekundaer_diskretion.py::test_the_attack_check_passes_and_blocks_a_table_that_gives_a_cell_away",
    "datapakker/indhold:diskretion":
        "datapakker/test_datapakker.py::test_a_package_that_would_show_fewer_than_five_is_never_written",
    "datapakker/indhold:ingen_koblede_individlister":
        "datapakker/test_datapakker.py::test_a_package_combining_two_areas_individuals_is_never_written",
    "datapakker/indhold:kun_egne_individer":
        "datapakker/test_datapakker.py::test_a_package_with_another_kommunes_pupils_is_never_written",
    "datapakker/indhold:benchmark_kan_ikke_udregnes":
        "datapakker/test_datapakker.py::test_a_benchmark_package_giving_a_row_away_through_a_figure_is_never_written",
    "datapakker/indhold:kun_kendte_kommuner":
        "datapakker/test_pakker_robusthed.py::test_an_unknown_kommune_in_the_content_gets_no_folder_and_the_check_names_it",
}
DAEKKET = {**{c: f"checks/test_blokerende.py::test_a_bad_case_fails_the_check[{c}]" for c in BAD_CASES}, **ANDETSTEDS}
# The package checks' runs are proven with their files never written (test_datapakker.py).
BLOKERER_I_KOERSEL = sorted(c for c in DAEKKET if not c.startswith("datapakker/"))


def blocking_checks() -> dict[str, dg.AssetCheckKey]:
    """Blocking in Dagster, and the package checks, which `datapakker/filer` enforces month by month
    (`datapakker.checks.KONTROLLER`: Dagster can only block a whole ranged run)."""
    from flis_assets.defs.datapakker.checks import INDHOLD, KONTROLLER
    from flis_assets.definitions import build_defs

    graph = build_defs().resolve_asset_graph()
    pr_maaned = {dg.AssetCheckKey(INDHOLD, k.navn) for k in KONTROLLER}
    return {f"{k.asset_key.to_user_string()}:{k.name}": k for k in graph.asset_check_keys
            if graph.get_check_spec(k).blocking or k in pr_maaned}


def test_every_blocking_check_is_covered():
    """A blocking check without a named failing-case test (or a stale entry) fails the suite."""
    assert sorted(blocking_checks()) == sorted(DAEKKET)
    import importlib

    for check, test in DAEKKET.items():
        path, name = test.split("::")
        module = importlib.import_module("flis_assets_tests." + path.removesuffix(".py").replace("/", "."))
        assert callable(getattr(module, name.split("[")[0], None)), (check, test)


@pytest.fixture(scope="module")
def bl(tmp_path_factory):
    with module_flis(tmp_path_factory, "blokerende") as f:
        cprs = {k: [f"{i + 1:02d}0115{k:03d}{i % 10}" for i in range(n)] for k, n in ELEVER.items()}
        voksne = {k: [f"{i + 1:02d}0180{k:03d}{i % 10}" for i in range(n)] for k, n in VOKSNE.items()}
        f.deliver("cpr", MAANED, 0, "CPR", "20240305",
                  [cpr_line(c, foedt="20150101", bopael=str(k)) for k, cs in cprs.items() for c in cs]
                  + [cpr_line(c, foedt="19800101", bopael=str(k)) for k, cs in voksne.items() for c in cs]
                  + [cpr_line(c, foedt="20150101", bopael="751") for c in BOERN_751])
        for k, cs in cprs.items():
            f.deliver("skole", MAANED, k, "TEA", "20240305",
                      [pupil(c, "SPECIALKLASSE" if i < SPECIALKLASSE[k] else "ALMEN") for i, c in enumerate(cs)])
        for k, cs in voksne.items():
            f.deliver("vh", MAANED, k, "NEXUS", "20240305",
                      [vh_line(f"v{i}", cpr=c, handle=str(k), betaling=str(k), kode="1.8.1", ophold="1",
                               start="20240301") for i, c in enumerate(cs)])
        f.deliver("aeldre", MAANED, 751, "NEXUS", "20240305",  # Ældre for the same adults of 751
                  [aeldre_line(f"a{i}", c, visit="20240301", start="20240301") for i, c in enumerate(voksne[751])])
        f.deliver("udsatte", MAANED, 751, "DUBU", "20240305",
                  [measure(f"u{i}", c, "751", start="20240301") for i, c in enumerate(BOERN_751)])
        f.deliver("oekonomi", MAANED, 751, "OPUS", "20240305",
                  ["202403;1;5;38;50;001;4;40;1000,00", "202403;1;5;38;50;002;4;40;500,00"])
        outcome = f.materialize(MAANED)
        assert outcome.ok, outcome
        yield f


@pytest.fixture
def kopi(bl, tmp_path, monkeypatch):
    """The module's database copied: a test may break it (the graph then runs against the copy)."""
    path = tmp_path / "flis.duckdb"
    shutil.copy(bl.root / "flis.duckdb", path)
    monkeypatch.setenv("FLIS_DUCKDB", str(path))
    return path


def test_the_month_passes_every_blocking_check(bl):
    assert bl.run_checks(list(BAD_CASES), MAANED) == dict.fromkeys(BAD_CASES, True)


@pytest.mark.parametrize("check", list(BAD_CASES))
def test_a_bad_case_fails_the_check(bl, kopi, check):
    with duckdb.connect(str(kopi)) as con:
        assert con.execute(BAD_CASES[check][1]).fetchone()[0] > 0  # rows changed: the case is there
    e = bl.check_evaluations([check], MAANED)[check]
    assert not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    assert e.metadata["maaneder_med_fejl"].value == MAANED and e.metadata["antal_fejl"].value > 0
    assert f"| {MAANED}-01 | {BAD_CASES[check][0]}" in e.metadata["fejl_pr_regel"].value


def omdoeb_foerste_tabel(sql: str) -> str:
    """The check's first schema-qualified table renamed, as a refactor might have left it."""
    return re.sub(r"\b(raadata|dsa|harmoniseret|datamart|noegletal|datapakker|information_schema)\.(\w+)",
                  r"\1.\2_omdoebt", sql, count=1)


@pytest.mark.parametrize("check", BLOKERER_I_KOERSEL)
def test_a_failing_blocking_check_stops_what_comes_after_its_asset(bl, kopi, monkeypatch, check):
    """The check's asset and every asset right after it, in one run: the check cannot read its table,
    fails naming it, and nothing after the asset is materialised."""
    from flis_assets.definitions import build_defs

    key = blocking_checks()[check]
    laest, orig = factory.LAESER[key], factory.frames_in_turn
    monkeypatch.setattr(factory, "frames_in_turn", lambda con, sql, *a: orig(
        con, omdoeb_foerste_tabel(sql) if sql == laest else sql, *a))
    defs = build_defs()
    graph = defs.resolve_asset_graph()
    asset = set(graph.get(key.asset_key).execution_set_asset_keys)
    efter = set(graph.get(key.asset_key).child_keys) - asset  # a sibling's own children may run
    valgt = asset | {k for c in efter for k in graph.get(c).execution_set_asset_keys}
    job = defs.resolve_implicit_global_asset_job_def().get_subset(asset_selection=valgt)
    res = job.execute_in_process(instance=bl.instance, partition_key=f"{MAANED}-01", raise_on_error=False)

    ev = {f"{e.asset_key.to_user_string()}:{e.check_name}": e for e in res.get_asset_check_evaluations()}[check]
    tabel = re.search(r"\b\w+\.\w+_omdoebt", omdoeb_foerste_tabel(laest))[0]
    assert not ev.passed and f"tabellen {tabel} findes ikke ({MAANED})" in ev.metadata["ikke_kontrolleret"].value
    materialiseret = {m.asset_key for m in res.get_asset_materialization_events()}
    assert key.asset_key in materialiseret and efter and not (materialiseret & efter)
