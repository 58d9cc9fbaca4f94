"""End to end: generate three load months for a few kommuner and run the real graph over them."""

from datetime import date

import pytest

from flis_assets_tests.conftest import module_flis

from flis_assets.generate import generate, historik

# København; Ishøj and Tårnby reporting for Vallensbæk and Dragør; 173 changes system
# (rule 2, 2024-02-01); 265 reports in parallel (rule 3).
KOMMUNER = [101, 183, 187, 185, 155, 173, 265]


@pytest.fixture(scope="module")
def e2e(tmp_path_factory):
    with module_flis(tmp_path_factory, "e2e") as f:
        generate(f.root, KOMMUNER, date(2024, 1, 1), date(2024, 3, 1), scale=0.02, seed=7, progress=False)
        # stocks from 2023 (the whole history since 2013 runs in the README example, `make test-langsom`)
        historik.afkort(f.root, date(2023, 1, 1))
        yield f, f.materialize("2024-01", "2024-03")


def test_no_blocking_check_fails_and_no_delivery_is_quarantined(e2e):
    f, outcome = e2e
    assert outcome.fejlede_blokerende == [] and outcome.fejlede_trin == []
    assert not [w for w in outcome.advarsler if "ingen_karantaene" in w]
    # The generated data carries DST content errors: the warning check catches them.
    assert "dsa/vh:gyldighedsregler (2024-03)" in outcome.advarsler


def test_every_file_is_recorded_and_landed_whole(e2e):
    f, _ = e2e
    files = sorted(p.relative_to(f.root).as_posix() for p in (f.root / "incoming").rglob("*.csv"))
    lev = f.sql("SELECT fil, status, antal_linjer, indhold_fra FROM raadata.leverancer ORDER BY fil")
    assert lev["fil"].to_list() == files and set(lev["status"]) == {"indlaest"}
    for row in lev.iter_rows(named=True):
        lines = (f.root / row["fil"]).read_bytes().count(b"\n")
        assert row["antal_linjer"] == lines, row["fil"]


def test_landed_lines_are_the_files_lines_untouched(e2e):
    f, _ = e2e
    from flis_assets import snitflader

    for kilde in snitflader.kilder().values():
        felter = ", ".join(f"felt_{i}" for i in range(1, kilde.antal_felter + 1))
        landed = f.sql(f"SELECT fil, concat_ws(';', {felter}) AS linje FROM raadata.{kilde.kilde} ORDER BY fil, linjenr")
        for fil, group in landed.group_by("fil", maintain_order=True):
            text = (f.root / fil[0]).read_bytes().decode(kilde.encoding)
            assert group["linje"].to_list() == text.splitlines(), fil[0]


def test_stock_per_kommune_and_month(e2e):
    f, _ = e2e
    vh = f.sql("""SELECT indlaesningsmaaned::VARCHAR AS m, list(DISTINCT kommunekode ORDER BY kommunekode) AS k
                  FROM dsa.vh GROUP BY 1 ORDER BY 1""")
    # Vallensbæk and Dragør do not deliver VH: Ishøj and Tårnby report for them.
    assert vh["k"].to_list() == [[101, 173, 183, 185, 265]] * 3
    rule = f.sql("""SELECT indlaesningsmaaned::VARCHAR AS m, kommunekode, systemskifte_regel AS r,
                           list(DISTINCT fagsystem ORDER BY fagsystem) AS s
                    FROM dsa.vh WHERE kommunekode IN (173, 265) GROUP BY ALL ORDER BY ALL""")
    assert rule.rows() == [
        ("2024-01-01", 173, 2, ["KMDNEXUS"]),  # before the new system has delivered: the old one whole
        ("2024-01-01", 265, 3, ["NEXUS", "WEB"]),
        ("2024-02-01", 173, 2, ["KMDNEXUS", "NEXUS"]),
        ("2024-02-01", 265, 3, ["NEXUS", "WEB"]),
        ("2024-03-01", 173, 2, ["KMDNEXUS", "NEXUS"]),
        ("2024-03-01", 265, 3, ["NEXUS", "WEB"]),
    ]
    old_open = f.sql("""SELECT count(*) AS n FROM dsa.vh WHERE kommunekode = 173 AND fagsystem = 'KMDNEXUS'
                        AND slutdato IS NULL AND indlaesningsmaaned = '2024-03-01'""")["n"][0]
    assert old_open == 0
    for kilde in ("skole", "udsatte", "oekonomi"):
        got = f.sql(f"SELECT DISTINCT kommunekode FROM dsa.{kilde} WHERE indlaesningsmaaned = '2024-03-01' ORDER BY 1")
        assert got["kommunekode"].to_list() == sorted(KOMMUNER), kilde
    assert f.sql("SELECT count(*) AS n FROM dsa.cpr_register(DATE '2024-03-01')")["n"][0] > 1000


def test_retroactive_corrections_change_earlier_periods(e2e):
    f, _ = e2e
    earlier = f.sql("""SELECT DISTINCT kilde FROM dsa.aendrede_perioder
                       WHERE indlaesningsmaaned = '2024-03-01' AND periode < '2024-03-01' ORDER BY 1""")
    assert {"vh", "oekonomi"} <= set(earlier["kilde"])
    assert f.sql("SELECT count(*) AS n FROM dsa.aendrede_perioder WHERE periode > indlaesningsmaaned")["n"][0] == 0


def test_hovedgrupper_hold_at_least_the_total(e2e):
    """Every line has a målgruppe, so its days count under one hovedgruppe or more."""
    f, _ = e2e
    got = f.sql("""
        SELECT periode, tidsenhed, handlekommune, ydelseskode,
            sum(helaarsmodtagere) FILTER (WHERE dimension = 'i_alt') AS i_alt,
            coalesce(sum(helaarsmodtagere) FILTER (WHERE dimension = 'hovedgruppe'), 0) AS hovedgrupper
        FROM datamart.vh_dimensioner GROUP BY ALL""")
    assert got.height > 0
    assert got.filter(got["hovedgrupper"] < got["i_alt"] - 1e-9).rows() == []


def test_no_withheld_number_follows_from_all_published_figures_and_rows_together(e2e):
    """The packages' figures at every level and benchmark rows of the last month, attacked as one linear
    programme (~10 s: one programme or two per withheld number)."""
    from flis_assets_tests.noegletal.samlet_angreb import punkter

    f, _ = e2e
    noegletal = f.sql("SELECT * FROM datapakker.noegletal WHERE periode = DATE '2024-03-01'")
    rows = f.sql("SELECT * FROM datapakker.vh_datamart WHERE periode = DATE '2024-03-01'")
    assert rows["diskretioneret"].any() and noegletal["diskretioneret"].any()
    assert punkter(noegletal, rows) == []
