"""Landing through the graph: raadata.leverancer, the same file twice, re-runs, the quarantine check."""

from datetime import date

from flis_assets import snitflader
from flis_assets_tests.conftest import vh_line


def test_leverancer_records_every_file_and_quarantine_goes_on(flis):
    good = flis.deliver("vh", "2024-01", 101, "NEXUS", "20240105", [vh_line("1"), vh_line("2")])
    flis.deliver("vh", "2024-01", 147, "NEXUS", "20240105", [vh_line("1"), "1;2;3"])
    flis.deliver("vh", "2024-01", 151, "NEXUS", "20240105", [vh_line("1"), vh_line("2"), vh_line("3", slut="20241301")])
    outcome = flis.materialize("2024-01", perioder=False)
    assert outcome.fejlede_blokerende == [] and outcome.fejlede_trin == []
    assert "raadata/vh:ingen_karantaene (2024-01)" in outcome.advarsler

    lev = flis.sql("SELECT * FROM raadata.leverancer ORDER BY fil")
    assert lev["status"].to_list() == ["indlaest", "karantaene", "karantaene"]
    ok, bad = lev.row(0, named=True), lev.row(1, named=True)
    assert lev["aarsag"][2].endswith("VH_151_NEXUS_FULD_20240105.csv: linje 3: felt 7 (slutdato) er '20241301', "
                                     "men skal være en dato ÅÅÅÅMMDD eller tom")
    assert ok["fil"] == "incoming/vh/2024-01/VH_101_NEXUS_FULD_20240105.csv"
    assert (ok["kilde"], ok["kommunekode"], ok["fagsystem"], ok["leverancetype"]) == ("vh", 101, "NEXUS", "FULD")
    assert ok["leverancedato"].isoformat() == "2024-01-05" and ok["indlaesningsmaaned"].isoformat() == "2024-01-01"
    assert ok["antal_linjer"] == 2 and ok["aarsag"] is None
    import hashlib
    assert ok["sha256"] == hashlib.sha256(good.read_bytes()).hexdigest()
    assert bad["aarsag"] == (
        "incoming/vh/2024-01/VH_147_NEXUS_FULD_20240105.csv: linje 2: linjen har 3 felter, men snitfladen for vh har 11"
    )
    assert bad["fejllinje"] == 2
    # Quarantined whole: not one of its lines landed, and the kommune has no stock.
    assert flis.sql("SELECT count(*) AS n FROM raadata.vh WHERE fil NOT LIKE '%VH_101_%'")["n"][0] == 0
    assert flis.sql("SELECT DISTINCT kommunekode FROM dsa.vh")["kommunekode"].to_list() == [101]


def test_same_file_twice_lands_once_and_rerun_never_duplicates(flis):
    lines = [vh_line("1"), vh_line("2")]
    first = flis.deliver("vh", "2024-01", 101, "NEXUS", "20240105", lines)
    flis.materialize("2024-01", perioder=False)
    flis.materialize("2024-01", perioder=False)  # a re-run
    assert flis.sql("SELECT count(*) AS n FROM raadata.leverancer")["n"][0] == 1
    # The same content again: the same file re-sent, and next month's unchanged full stock.
    (flis.root / "incoming/vh/2024-02").mkdir(parents=True)
    (flis.root / "incoming/vh/2024-02" / first.name).write_bytes(first.read_bytes())
    flis.deliver("vh", "2024-02", 101, "NEXUS", "20240205", lines)
    outcome = flis.materialize("2024-02", perioder=False)
    assert outcome.ok and not outcome.advarsler
    assert flis.sql("SELECT count(*) AS n FROM raadata.vh")["n"][0] == 2  # the content landed once
    lev = flis.sql("SELECT fil, status, antal_linjer, indhold_fra FROM raadata.leverancer ORDER BY indlaest_tid")
    assert lev["status"].to_list() == ["indlaest"] * 3 and lev["antal_linjer"].to_list() == [2, 2, 2]
    assert lev["indhold_fra"].to_list() == [lev["fil"][0]] * 3
    stock = flis.sql("SELECT fil, linjenr FROM dsa.vh WHERE indlaesningsmaaned = '2024-02-01' ORDER BY linjenr")
    assert stock["fil"].to_list() == ["incoming/vh/2024-02/VH_101_NEXUS_FULD_20240205.csv"] * 2
    assert stock["linjenr"].to_list() == [1, 2]


def test_content_that_returns_is_the_newest_stock(flis):
    """January A, February B, March A again: March's delivery is the newest, with A's lines."""
    a, b = [vh_line("a")], [vh_line("b")]
    flis.deliver("vh", "2024-01", 101, "NEXUS", "20240105", a)
    flis.deliver("vh", "2024-02", 101, "NEXUS", "20240205", b)
    flis.deliver("vh", "2024-03", 101, "NEXUS", "20240305", a)
    assert flis.materialize("2024-01", "2024-03", perioder=False).ok
    got = flis.sql("SELECT indlaesningsmaaned::VARCHAR AS m, ydelse_id FROM dsa.vh ORDER BY 1")
    assert got.rows() == [("2024-01-01", "a"), ("2024-02-01", "b"), ("2024-03-01", "a")]


def test_a_ranged_run_knows_the_month_before_it_is_written(flis):
    """A ranged run reads each month while the one before is being written: February's unchanged
    stock still lands as January's content, and content quarantined in January is judged again."""
    lines, bad = [vh_line("1"), vh_line("2")], [vh_line("1"), "1;2;3"]
    for maaned, dato in (("2024-01", "20240105"), ("2024-02", "20240205")):
        flis.deliver("vh", maaned, 101, "NEXUS", dato, lines)
        flis.deliver("vh", maaned, 147, "NEXUS", dato, bad)
    outcome = flis.materialize("2024-01", "2024-02", perioder=False)
    assert outcome.fejlede_blokerende == [] and outcome.fejlede_trin == []
    assert flis.sql("SELECT count(*) AS n FROM raadata.vh")["n"][0] == 2  # January's content, once
    lev = flis.sql("SELECT fil, status, indhold_fra, fejllinje FROM raadata.leverancer ORDER BY fil")
    jan_101, feb_101 = "incoming/vh/2024-01/VH_101_NEXUS_FULD_20240105.csv", "incoming/vh/2024-02/VH_101_NEXUS_FULD_20240205.csv"
    assert lev.rows() == [
        (jan_101, "indlaest", jan_101, None),
        ("incoming/vh/2024-01/VH_147_NEXUS_FULD_20240105.csv", "karantaene", None, 2),
        (feb_101, "indlaest", jan_101, None),
        ("incoming/vh/2024-02/VH_147_NEXUS_FULD_20240205.csv", "karantaene", None, 2),
    ]


def test_landed_rows_are_never_changed(flis):
    path = flis.deliver("vh", "2024-01", 101, "NEXUS", "20240105", [vh_line("1", kode="1.1")])
    flis.materialize("2024-01", perioder=False)
    before = flis.sql("SELECT * FROM raadata.vh")
    path.write_text(vh_line("1", kode="1.3") + "\n")  # a source system overwrites its file in place
    flis.materialize("2024-01", perioder=False)
    assert flis.sql("SELECT * FROM raadata.vh").equals(before)
    lev = flis.sql("SELECT status, aarsag FROM raadata.leverancer ORDER BY indlaest_tid")
    assert lev["status"].to_list() == ["indlaest", "karantaene"]
    assert "filen er ændret, efter at den blev indlæst" in lev["aarsag"][1]


def test_a_lost_line_fails_the_blocking_check(flis):
    flis.deliver("vh", "2024-01", 101, "NEXUS", "20240105", [vh_line("1"), vh_line("2")])
    flis.deliver("skole", "2024-01", 101, "TEA", "20240105", ["0101151234;123456;3;ALMEN;1.5;20"])
    assert flis.materialize("2024-01", perioder=False).ok
    checks = ["dsa/vh:ingen_linjer_tabt", "dsa/skole:ingen_linjer_tabt"]
    assert flis.run_checks(checks, "2024-01") == {c: True for c in checks}
    flis.execute("DELETE FROM dsa.vh WHERE ydelse_id = '2'")
    flis.execute("DELETE FROM dsa.skole")
    assert flis.run_checks(checks, "2024-01") == {c: False for c in checks}


def _land(flis, kilde: str, maaned: str) -> dict[str, dict]:
    """Land one source's month directly (no Dagster run); the leverancer rows by file name."""
    from flis_assets.defs.raadata.assets import land_maaned
    from flis_assets.resources import duckdb_resource

    with duckdb_resource().get_connection() as con:
        rows = land_maaned(con, snitflader.kilde(kilde), date.fromisoformat(maaned + "-01"))
    return {r["fil"].rsplit("/", 1)[1]: r for r in rows}


def test_fast_reader_quarantines_exactly_the_bad_files_and_names_the_line(flis):
    """All of a month's files are read in one pass; each fault is still pinned to its own file and line."""
    flis.deliver("vh", "2024-01", 101, "NEXUS", "20240105", [vh_line("1"), vh_line("2")])
    # a line one field too wide evened out by one too narrow: the separators add up
    flis.deliver("vh", "2024-01", 147, "NEXUS", "20240105", [vh_line("1") + ";x", vh_line("2").rsplit(";", 1)[0]])
    flis.deliver("skole", "2024-01", 101, "TEA", "20240105", ["0101151234;123456;3;ALMEN;1.5;20"])
    flis.deliver("skole", "2024-01", 147, "TEA", "20240105",  # fits the pattern, not an INTEGER
                 ["0101151234;123456;3;ALMEN;1.5;20", "0101151234;123456;3;ALMEN;1.5;99999999999"])
    vh, skole = _land(flis, "vh", "2024-01"), _land(flis, "skole", "2024-01")
    assert vh["VH_101_NEXUS_FULD_20240105.csv"]["status"] == "indlaest"
    bad = vh["VH_147_NEXUS_FULD_20240105.csv"]
    assert (bad["status"], bad["fejllinje"]) == ("karantaene", 1)
    assert bad["aarsag"].endswith("linje 1: linjen har 12 felter, men snitfladen for vh har 11")
    assert skole["SKOLE_101_TEA_FULD_20240105.csv"]["status"] == "indlaest"
    bad = skole["SKOLE_147_TEA_FULD_20240105.csv"]
    assert (bad["status"], bad["fejllinje"]) == ("karantaene", 2)
    assert "felt 6 (skoledage) er '99999999999', men skal være et ikke-negativt heltal" in bad["aarsag"]
    landed = flis.sql("SELECT fil, linjenr FROM raadata.vh UNION ALL SELECT fil, linjenr FROM raadata.skole ORDER BY ALL")
    assert landed.rows() == [("incoming/skole/2024-01/SKOLE_101_TEA_FULD_20240105.csv", 1),
                             ("incoming/vh/2024-01/VH_101_NEXUS_FULD_20240105.csv", 1),
                             ("incoming/vh/2024-01/VH_101_NEXUS_FULD_20240105.csv", 2)]


def test_fast_reader_keeps_text_untouched_across_encodings_and_line_ends(flis):
    flis.deliver("vh", "2024-01", 101, "NEXUS", "20240105",
                 (vh_line("a", ophold="0042") + "\r\n" + vh_line("b", betaling="")).encode())  # CRLF, no last line end
    flis.deliver("oekonomi", "2024-01", 101, "OPUS", "20240105",  # Windows-1252: "ø" is one byte
                 ["202401;1;5;38;50;001;4;40;-1234,50", "202401;1;5;38;50;001;4;4ø;1,00"])
    vh, oek = _land(flis, "vh", "2024-01"), _land(flis, "oekonomi", "2024-01")
    assert [r["status"] for r in vh.values()] == ["indlaest"] and vh["VH_101_NEXUS_FULD_20240105.csv"]["antal_linjer"] == 2
    got = flis.sql("SELECT linjenr, felt_1, felt_4, felt_10, felt_11 FROM raadata.vh ORDER BY linjenr")
    assert got.rows() == [(1, "a", "101", "0042", "S2S"), (2, "b", "", "", "S2S")]
    bad = oek["OEKONOMI_101_OPUS_FULD_20240105.csv"]
    assert bad["status"] == "karantaene" and "linje 2: felt 8 (art) er '4ø'" in bad["aarsag"], bad["aarsag"]
