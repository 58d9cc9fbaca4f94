"""A re-delivery into an old load month, loaded after later months: every later DSA month it affects
is rebuilt (VH newest stock by delivery date, Økonomi replace-by-period), and only then."""

import pytest

from flis_assets import run, snitflader
from flis_assets_tests.conftest import cpr_line, module_flis, vh_line
from flis_assets_tests.dsa.test_oekonomi import line as oekonomi_line


CPR = "0101801234"


@pytest.fixture(scope="module")
def genleveret(tmp_path_factory):
    sagt: list[str] = []
    mp = pytest.MonkeyPatch()
    mp.setattr(run, "meld", sagt.append)
    with module_flis(tmp_path_factory, "genlevering") as f:
        f.deliver("vh", "2024-01", 147, "CURA", "20240105", [vh_line("147-jan", handle="147")])
        f.deliver("vh", "2024-03", 147, "CURA", "20240305", [vh_line("147-mar", handle="147")])
        f.deliver("vh", "2024-01", 751, "NEXUS", "20240105", [vh_line("751-jan", handle="751")])
        f.deliver("oekonomi", "2024-01", 101, "OPUS", "20240105", [oekonomi_line("202312", "100,00")])
        f.deliver("oekonomi", "2024-02", 101, "OPUS", "20240210", [oekonomi_line("202312", "200,00")])
        f.deliver("cpr", "2024-01", 0, "CPR", "20240105", [cpr_line(CPR, bopael="101")])
        f.deliver("cpr", "2024-02", 0, "CPR", "20240205", [cpr_line(CPR, bopael="101")])
        assert f.materialize("2024-01", "2024-03", perioder=False).ok
        foer = f.sql("SELECT * FROM dsa.vh ORDER BY ALL")
        uaendret = f.materialize("2024-01", perioder=False)  # nothing new: later months stay as built
        assert uaendret.ok and sagt == []
        assert f.sql("SELECT * FROM dsa.vh ORDER BY ALL").equals(foer)
        # Dated the month's last day: newer than 147's and 751's January files, and than Økonomi's
        # first January file, though older than its February one (a later date is quarantined).
        f.deliver("vh", "2024-01", 147, "CURA", "20240131", [vh_line("147-gen", handle="147")])
        f.deliver("vh", "2024-01", 751, "NEXUS", "20240131", [vh_line("751-gen", handle="751")])
        f.deliver("oekonomi", "2024-01", 101, "OPUS", "20240131", [oekonomi_line("202312", "300,00")])
        # A corrected January extract moves the person; February's extract still says 101.
        f.deliver("cpr", "2024-01", 0, "CPR", "20240131", [cpr_line(CPR, bopael="147")])
        outcome = f.materialize("2024-01", perioder=False)
        yield f, outcome, sagt
    mp.undo()


def ids(f, maaned, kommune):
    return f.sql("SELECT ydelse_id FROM dsa.vh WHERE indlaesningsmaaned = ? AND kommunekode = ? ORDER BY 1",
                 [maaned, kommune])["ydelse_id"].to_list()


def test_the_later_run_ends_without_failure(genleveret):
    f, outcome, sagt = genleveret
    assert outcome.ok
    assert sagt == ["Leverancerne i indlæsningsmåned 2024-01 er ændret, og indlæsningsmånederne 2024-02..2024-03 "
                    "byggede på dem: genopbygger DSA (cpr, oekonomi, vh) og ændrede perioder for indlæsningsmånederne "
                    "2024-02..2024-03."]


def test_a_redelivery_is_every_later_vh_stock_it_is_newest_in(genleveret):
    f, *_ = genleveret
    assert [ids(f, f"2024-0{m}-01", 751) for m in (1, 2, 3)] == [["751-gen"]] * 3
    assert [ids(f, f"2024-0{m}-01", 147) for m in (1, 2, 3)] == [["147-gen"], ["147-gen"], ["147-mar"]]


def test_a_redelivery_replaces_the_period_where_it_is_newest_and_not_after(genleveret):
    """January's re-delivery replaces 2023-12 in January; February's newer delivery keeps it after."""
    f, *_ = genleveret
    got = [f.sql(f"SELECT sum(beloeb)::DOUBLE AS b FROM dsa.oekonomi_bestand(DATE '2024-0{m}-01')")["b"][0]
           for m in (1, 2, 3)]
    assert got == [300.0, 200.0, 200.0]


def test_a_later_cpr_extract_is_a_change_against_the_corrected_register(genleveret):
    """CPR keeps each month's changes: February's extract (101) now differs from the corrected January (147)."""
    f, *_ = genleveret
    got = [f.sql(f"SELECT bopaelskommune FROM dsa.cpr_register(DATE '2024-0{m}-01') WHERE cpr = ?",
                 [CPR])["bopaelskommune"].to_list() for m in (1, 2, 3)]
    assert got == [[147], [101], [101]]


def test_the_later_months_changed_periods_are_recomputed_once(genleveret):
    f, *_ = genleveret
    dobbelt = f.sql("""SELECT count(*) AS n FROM (SELECT 1 FROM dsa.aendrede_perioder
                       GROUP BY indlaesningsmaaned, kilde, kommunekode, periode HAVING count(*) > 1)""")["n"][0]
    assert dobbelt == 0
    grundlag = f.sql("SELECT kilde, count(*) AS n FROM dsa.bestandsgrundlag GROUP BY 1 ORDER BY 1")
    assert dict(grundlag.iter_rows()) == {k: 3 for k in snitflader.kilder()}  # every source, once per month


def test_the_sensor_requests_the_later_months_after_a_ui_run_of_the_old_month(flis):
    """In the UI a person materialises the old load month alone: the sensor asks for the later months."""
    import dagster as dg

    from flis_assets.defs.automation import genopbyg_senere_bestande
    from flis_assets.definitions import build_defs

    flis.deliver("vh", "2024-01", 751, "NEXUS", "20240105", [vh_line("751-jan", handle="751")])
    assert flis.materialize("2024-01", "2024-03", perioder=False).ok
    defs = build_defs()

    def tick(cursor=None):
        return genopbyg_senere_bestande.evaluate_tick(dg.build_sensor_context(instance=flis.instance, cursor=cursor,
                                                                              definitions=defs))

    foer = tick()
    assert foer.run_requests == [] and "Ingen senere" in foer.skip_message
    flis.deliver("vh", "2024-01", 751, "NEXUS", "20240131", [vh_line("751-gen", handle="751")])
    graph = defs.resolve_asset_graph()
    keys = [k for k in graph.get_all_asset_keys() if graph.get(k).group_name in ("raadata", "dsa")]
    assert defs.resolve_implicit_global_asset_job_def().get_subset(asset_selection=set(keys)).execute_in_process(
        instance=flis.instance, partition_key="2024-01-01", raise_on_error=False).success
    efter = tick(foer.cursor)
    (req,) = efter.run_requests
    subset = req.asset_graph_subset
    assert {k.to_user_string(): sorted(subset.get_partitions_subset(k).get_partition_keys())
            for k in subset.asset_keys} == {"dsa/vh": ["2024-02-01", "2024-03-01"],
                                            "dsa/aendrede_perioder": ["2024-02-01", "2024-03-01"]}
    assert req.tags["flis/aarsag"] == ("genlevering: DSA (vh) for indlæsningsmånederne 2024-02, 2024-03 "
                                       "byggede på ændrede leverancer")
    # once they are built again, nothing more is asked for
    assert flis.materialize("2024-02", "2024-03", perioder=False).ok
    assert tick(foer.cursor).run_requests == []
