"""What a steward sees of each materialisation in the Dagster UI: rows per month, the column schema,
the table, and where the packages were written."""

from datetime import date

import dagster as dg
import duckdb
import pytest

from flis_assets import settings
from flis_assets.definitions import build_defs
from flis_assets.resources import tabel_metadata
from flis_assets_tests.conftest import cpr_line, module_flis, vh_line

PEOPLE = ["0101801234", "0202802345", "0303803456"]


@pytest.fixture(scope="module")
def koert(tmp_path_factory):
    """Two load months as one ranged run; the third person's service ends in January, and a line
    without a target group hits a harmonisation rule (so the rule report has rows)."""
    with module_flis(tmp_path_factory, "metadata") as f:
        for m in ("2024-01", "2024-02"):
            f.deliver("cpr", m, 0, "CPR", m.replace("-", "") + "05", [cpr_line(c) for c in PEOPLE])
            f.deliver("vh", m, 101, "NEXUS", m.replace("-", "") + "05",
                      [vh_line(f"y{i}", cpr=c, kode="1.8.1", start="20240101", slut="20240115" if i == 2 else "",
                               ophold="1") for i, c in enumerate(PEOPLE)]
                      + [vh_line("uden-maalgruppe", cpr=PEOPLE[0], kode="1.1", start="20240101", maalgrupper="")])
        assert f.materialize("2024-01", "2024-02").ok
        yield f


def materialisations(f, *key: str) -> dict[str, dict]:
    recs = f.instance.fetch_materializations(dg.AssetKey(list(key)), limit=100).records
    return {r.partition_key and r.partition_key[:7]: r.asset_materialization.metadata for r in recs}


@pytest.mark.parametrize("key, table, akse", [
    (("raadata", "vh"), "raadata.vh", "Indlæsningsmåned"),
    (("dsa", "vh"), "dsa.vh", "Indlæsningsmåned"),
    (("dsa", "aendrede_perioder"), "dsa.aendrede_perioder", "Indlæsningsmåned"),
    (("harmoniseret", "vh_ydelser"), "harmoniseret.vh_ydelser", "Statistisk periode"),
    (("datamart", "vh_benchmark"), "datamart.vh_benchmark", "Statistisk periode"),
    (("noegletal", "kube"), "noegletal.kube", "Statistisk periode"),
    (("rapporter", "harmoniseringsregelrapport"), "rapporter.harmoniseringsregelrapport", "Statistisk periode"),
])
def test_every_table_materialisation_carries_dagsters_table_metadata(koert, key, table, akse):
    metas = materialisations(koert, *key)
    assert set(metas) == {"2024-01", "2024-02"}, key
    meta = metas["2024-02"]
    assert meta["dagster/table_name"].value == table
    columns = {c.name: c.type for c in meta["dagster/column_schema"].schema.columns}
    with_types = dict(koert.sql(f"DESCRIBE {table}").select("column_name", "column_type").rows())
    assert columns == with_types
    total = koert.sql(f"SELECT count(*) AS n FROM {table}")["n"][0]
    assert meta["dagster/row_count"].value == total > 0
    assert meta["flis/partitionsakse"].value == akse.lower()
    assert meta["raekker_pr_maaned"].value.startswith(f"| {akse} | Rækker |")


def test_a_ranged_run_shows_the_rows_of_each_month_and_their_total(koert):
    meta = materialisations(koert, "harmoniseret", "vh_ydelser")["2024-01"]
    per = dict(koert.sql("SELECT strftime(periode, '%Y-%m') AS p, count(*) AS n FROM harmoniseret.vh_ydelser "
                        "WHERE periode >= '2024-01-01' GROUP BY 1").rows())
    assert per["2024-01"] > per["2024-02"] > 0  # the third person's service ended in January
    assert meta["dagster/partition_row_count"].value == per["2024-01"] + per["2024-02"]
    tabel = meta["raekker_pr_maaned"].value.splitlines()
    assert tabel[2:] == [f"| 2024-01 | {per['2024-01']} |", f"| 2024-02 | {per['2024-02']} |",
                         f"| **I alt** | **{per['2024-01'] + per['2024-02']}** |"]


def test_a_month_without_rows_shows_zero_and_counts_use_danish_thousands():
    con = duckdb.connect()
    # a TIMESTAMP month column counts too (DATE + INTERVAL gives one)
    con.execute("CREATE TABLE t AS SELECT DATE '2024-01-01' + INTERVAL (i % 2) MONTH AS indlaesningsmaaned FROM range(2500) r(i)")
    meta = tabel_metadata(con, "t", "indlaesningsmaaned", [date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)])
    assert meta["raekker_pr_maaned"].value.splitlines() == [
        "| Indlæsningsmåned | Rækker |", "| --- | ---: |", "| 2024-01 | 1.250 |", "| 2024-02 | 1.250 |",
        "| 2024-03 | 0 |", "| **I alt** | **2.500** |"]
    assert meta["dagster/partition_row_count"] == meta["dagster/row_count"] == 2500


def test_dsa_counts_the_stock_of_each_load_month(koert):
    meta = materialisations(koert, "dsa", "vh")["2024-02"]
    per = dict(koert.sql("SELECT strftime(indlaesningsmaaned, '%Y-%m') AS m, count(*) AS n FROM dsa.vh GROUP BY 1").rows())
    assert per == {"2024-01": 4, "2024-02": 4}
    assert meta["raekker_pr_maaned"].value.splitlines()[2:] == ["| 2024-01 | 4 |", "| 2024-02 | 4 |", "| **I alt** | **8** |"]


def test_package_content_counts_each_table_per_period(koert):
    meta = materialisations(koert, "datapakker", "indhold")["2024-01"]
    per = dict(koert.sql("SELECT strftime(periode, '%Y-%m') AS p, count(*) AS n FROM datapakker.vh_individ GROUP BY 1").rows())
    tabel = meta["raekker_pr_maaned"].value.splitlines()
    kolonne = tabel[0].split(" | ").index("vh_individ")
    assert [r.split(" | ")[kolonne].strip(" |*") for r in tabel[2:]] == \
        [str(per["2024-01"]), str(per["2024-02"]), str(per["2024-01"] + per["2024-02"])]
    assert meta["dagster/partition_row_count"].value == sum(
        v.value for k, v in meta.items() if k.startswith("datapakker."))


def test_written_packages_name_their_folder(koert):
    meta = materialisations(koert, "datapakker", "filer")["2024-02"]
    root = settings.data_dir() / "datapakker"
    assert meta["dagster/uri"].value == root.as_uri()
    assert meta["mapper"].value == str(root / "{kommunekode}" / "2024-02")
    assert (root / "101" / "2024-02").is_dir()


def test_reference_tables_show_their_columns(koert):
    meta = materialisations(koert, "referencedata", "godkendte_kommuner")[None]
    assert meta["dagster/table_name"].value == "referencedata.godkendte_kommuner"
    assert [c.name for c in meta["dagster/column_schema"].schema.columns] == \
        koert.sql("DESCRIBE referencedata.godkendte_kommuner")["column_name"].to_list()


def test_monthly_assets_say_which_month_their_partitions_are():
    specs = {s.key.to_user_string(): s for s in build_defs().resolve_all_asset_specs()}
    assert specs["dsa/vh"].description.startswith("Partitioneret efter indlæsningsmåned")
    assert specs["raadata/cpr"].metadata["flis/partitionsakse"] == "indlæsningsmåned"
    assert specs["harmoniseret/vh_ydelser"].description.startswith("Partitioneret efter statistisk periode")
    assert specs["datapakker/filer"].metadata["flis/partitionsakse"] == "statistisk periode"
    assert "flis/partitionsakse" not in specs["referencedata/kodelister"].metadata  # not partitioned
