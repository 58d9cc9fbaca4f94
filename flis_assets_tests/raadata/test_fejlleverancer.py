"""Bad deliveries an operator tries: each is quarantined with a reason, or reported, and never
stops the other kommuner's data."""

import re
from datetime import date

import pytest

from flis_assets import snitflader
from flis_assets.defs.raadata.landing import Karantaene, parse_linjer
from flis_assets.defs.raadata import tables
from flis_assets_tests.conftest import vh_line

VH = snitflader.kilde("vh")


def _land(flis, kilde: str, maaned: str) -> dict[str, dict]:
    """Land one source's month directly (no Dagster run); the new leverancer rows by file name."""
    from flis_assets.defs.raadata.assets import land_maaned
    from flis_assets.resources import duckdb_resource

    with duckdb_resource().get_connection() as con:
        rows = land_maaned(con, snitflader.kilde(kilde), date.fromisoformat(maaned + "-01"))
    return {r["fil"].rsplit("/", 1)[1]: r for r in rows}


def test_a_quarantined_file_resent_with_the_right_name_lands_with_all_its_lines(flis):
    lines = [vh_line(str(i)) for i in range(1, 6)]
    bad = flis.deliver("vh", "2026-02", 101, "NEXUS", "20260231", lines)  # no such date
    assert _land(flis, "vh", "2026-02")[bad.name]["status"] == "karantaene"
    # the same bytes re-sent with the right name, the quarantined file still in the folder
    flis.deliver("vh", "2026-02", 101, "NEXUS", "20260226", lines)
    outcome = flis.materialize("2026-02", perioder=False)
    assert outcome.fejlede_blokerende == [] and outcome.fejlede_trin == []
    lev = flis.sql("SELECT fil, status, indhold_fra, antal_linjer FROM raadata.leverancer ORDER BY fil")
    good = "incoming/vh/2026-02/VH_101_NEXUS_FULD_20260226.csv"
    assert lev.rows() == [(good, "indlaest", good, 5),
                          ("incoming/vh/2026-02/VH_101_NEXUS_FULD_20260231.csv", "karantaene", None, None)]
    assert flis.sql("SELECT count(*) AS n FROM dsa.vh")["n"][0] == 5
    # a re-run of the landed month duplicates nothing and stays green
    outcome = flis.materialize("2026-02", perioder=False)
    assert outcome.fejlede_blokerende == [] and outcome.fejlede_trin == []
    assert flis.sql("SELECT count(*) AS n FROM raadata.leverancer")["n"][0] == 2
    assert flis.sql("SELECT count(*) AS n FROM raadata.vh")["n"][0] == 5


def test_a_quarantined_file_corrected_in_place_lands(flis):
    path = flis.deliver("vh", "2026-02", 101, "NEXUS", "20260210", [vh_line("1"), "1;2;3"])
    assert _land(flis, "vh", "2026-02")[path.name]["status"] == "karantaene"
    flis.deliver("vh", "2026-02", 101, "NEXUS", "20260210", [vh_line("1"), vh_line("2")])  # same name
    row = _land(flis, "vh", "2026-02")[path.name]
    assert (row["status"], row["antal_linjer"], row["aarsag"]) == ("indlaest", 2, None)
    assert _land(flis, "vh", "2026-02") == {}  # a re-run records nothing new
    assert flis.sql("SELECT count(*) AS n FROM raadata.vh")["n"][0] == 2


def test_a_delivery_dated_after_its_load_month_is_quarantined(flis):
    flis.deliver("vh", "2026-04", 101, "NEXUS", "20260620", [vh_line("fremtid")])
    flis.deliver("vh", "2026-04", 147, "NEXUS", "20260430", [vh_line("1")])  # the month's last day
    flis.deliver("vh", "2026-05", 101, "NEXUS", "20260516", [vh_line("maj")])
    assert flis.materialize("2026-04", "2026-05", perioder=False).ok
    row = flis.sql("SELECT status, aarsag FROM raadata.leverancer WHERE fil LIKE '%20260620%'").row(0)
    assert row == ("karantaene", "incoming/vh/2026-04/VH_101_NEXUS_FULD_20260620.csv: leverancedatoen 20260620 i "
                   "filnavnet ligger efter indlæsningsmåneden 2026-04; en leverance kan ikke være leveret senere "
                   "end den måned, den indlæses i")
    got = flis.sql("SELECT kommunekode, ydelse_id FROM dsa.vh WHERE indlaesningsmaaned = '2026-05-01' ORDER BY 1")
    assert got.rows() == [(101, "maj"), (147, "1")]


def test_a_leading_bom_is_not_content(flis):
    """Excel's "CSV UTF-8" starts the file with a BOM: the lines land without it, the recorded
    SHA-256 stays that of the file as delivered."""
    import hashlib

    bom = b"\xef\xbb\xbf"
    vh = flis.deliver("vh", "2024-01", 101, "NEXUS", "20240105",
                      bom + (vh_line("1010000000") + "\n" + vh_line("2") + "\n").encode())
    flis.deliver("skole", "2024-01", 101, "TEA", "20240105", bom + b"0101151234;123456;3;ALMEN;1.5;20\n")
    flis.deliver("oekonomi", "2024-01", 101, "OPUS", "20240105", bom + b"202401;1;5;38;50;001;4;40;-1234,50\n")
    for kilde in ("vh", "skole", "oekonomi"):
        rows = _land(flis, kilde, "2024-01")
        assert [(r["status"], r["aarsag"], r["antal_linjer"]) for r in rows.values()] in (
            [("indlaest", None, 1)], [("indlaest", None, 2)]), rows
    assert flis.sql("SELECT felt_1 FROM raadata.vh ORDER BY linjenr")["felt_1"].to_list() == ["1010000000", "2"]
    assert flis.sql("SELECT felt_1 FROM raadata.skole")["felt_1"].to_list() == ["0101151234"]
    assert flis.sql("SELECT felt_1 FROM raadata.oekonomi")["felt_1"].to_list() == ["202401"]
    sha = flis.sql("SELECT sha256 FROM raadata.leverancer WHERE kilde = 'vh'")["sha256"][0]
    assert sha == hashlib.sha256(vh.read_bytes()).hexdigest()
    # the slow path reads it alike, and a file that is only a BOM is empty
    assert parse_linjer(bom + vh_line("x").encode(), VH)["felt_1"].to_list() == ["x"]
    with pytest.raises(Karantaene, match="filen er tom"):
        parse_linjer(bom, VH)


def test_a_nul_byte_is_quarantined_naming_line_and_field(flis):
    flis.deliver("vh", "2024-01", 101, "NEXUS", "20240105", [vh_line("1"), vh_line("2", maalgrupper="2.1\x002.3")])
    flis.deliver("vh", "2024-01", 147, "NEXUS", "20240105", [vh_line("1")])
    rows = _land(flis, "vh", "2024-01")
    bad = rows["VH_101_NEXUS_FULD_20240105.csv"]
    assert (bad["status"], bad["fejllinje"]) == ("karantaene", 2)
    assert bad["aarsag"].endswith("linje 2: felt 8 (maalgrupper) indeholder et NUL-tegn (byte 0x00), "
                                  "som ikke må forekomme i en leverance")
    assert rows["VH_147_NEXUS_FULD_20240105.csv"]["status"] == "indlaest"
    assert "\x00" not in "".join(flis.sql("SELECT felt_8 FROM raadata.vh")["felt_8"].to_list())


def test_a_huge_wrong_value_is_shown_cut(flis):
    stor = "9" * 1_000_000
    with pytest.raises(Karantaene) as e:
        parse_linjer((vh_line(start=stor) + "\n").encode(), VH)
    assert str(e.value) == (f"linje 1: felt 6 (startdato) er '{'9' * 40}…' (1000000 tegn), "
                            "men skal være en dato ÅÅÅÅMMDD eller tom")
    flis.deliver("skole", "2024-01", 101, "TEA", "20240105", [f"0101151234;123456;3;ALMEN;1.5;{stor}"])
    row = _land(flis, "skole", "2024-01")["SKOLE_101_TEA_FULD_20240105.csv"]
    assert row["status"] == "karantaene" and len(row["aarsag"]) < 200, len(row["aarsag"])


def test_a_repeated_key_quarantines_that_file_only(flis):
    """The same ydelse_id twice in one kommune's file: that delivery is quarantined naming both
    lines and the key; every other kommune's data is updated."""
    flis.deliver("vh", "2024-01", 101, "NEXUS", "20240105", [vh_line("1"), vh_line("2")])
    flis.deliver("vh", "2024-01", 147, "NEXUS", "20240105",
                 [vh_line("1"), vh_line("7"), vh_line("2"), vh_line("7", kode="1.8.2"), vh_line("1")])
    outcome = flis.materialize("2024-01", perioder=False)
    assert outcome.fejlede_blokerende == [] and outcome.fejlede_trin == [], outcome
    assert outcome.advarsler == ["raadata/vh:ingen_karantaene (2024-01)"]  # not dsa/vh:unikke_id
    row = flis.sql("SELECT status, fejllinje, aarsag FROM raadata.leverancer WHERE kommunekode = 147").row(0)
    assert row == ("karantaene", 4, "incoming/vh/2024-01/VH_147_NEXUS_FULD_20240105.csv: linje 4: ydelse_id '7' "
                   "står både i linje 2 og linje 4, men ydelse_id skal være unik i en leverance (snitfladen for vh)")
    assert flis.sql("SELECT DISTINCT kommunekode FROM dsa.vh")["kommunekode"].to_list() == [101]


@pytest.mark.parametrize("kilde, lines, reason", [
    ("udsatte", ["F1;0101151234;101;ANBRINGELSE;SEL 52.3.7;20230101;", "F2;0101151234;101;ANBRINGELSE;SEL 52.3.7;20230101;",
                 "F1;0101151235;101;FOREBYGGENDE;SEL 52.3.3;20230301;"],
     "linje 3: foranstaltning_id 'F1' står både i linje 1 og linje 3"),
])
def test_the_unique_key_comes_from_the_interface_description(kilde, lines, reason):
    k = snitflader.kilde(kilde)
    with pytest.raises(Karantaene, match=re.escape(reason)):
        parse_linjer(("\n".join(lines) + "\n").encode(k.encoding), k)
    # a source without a unique key in sources.md may repeat a line
    assert parse_linjer(b"0101151234;123456;3;ALMEN;1.5;20\n" * 2, snitflader.kilde("skole")).height == 2


def test_files_landing_never_reads_are_named_by_a_warning(flis):
    flis.deliver("vh", "2024-01", 101, "NEXUS", "20240105", [vh_line("1")])
    flis.deliver("vh", "2024-02", 101, "NEXUS", "20240205", [vh_line("1")])
    outcome = flis.materialize("2024-01", perioder=False)
    assert outcome.ok and not outcome.advarsler  # February is simply not loaded yet
    # what an operator drops where landing does not look
    flis.deliver("vh", "2024-4", 101, "NEXUS", "20240405", [vh_line("1")])
    flis.deliver("vh", "2024-01/gammel", 147, "NEXUS", "20240105", [vh_line("1")])
    flis.deliver("vh", "2024-01", 151, "NEXUS", "20240120", [vh_line("1")])  # late: January is landed
    (flis.root / "incoming/voksenhandicap/2024-01").mkdir(parents=True)
    (flis.root / "incoming/voksenhandicap/2024-01/VH_153_NEXUS_FULD_20240105.csv").write_text(vh_line("1") + "\n")
    (flis.root / "incoming/vh/VH_155_NEXUS_FULD_20240105.csv").write_text(vh_line("1") + "\n")

    check = "raadata/vh:ingen_usete_filer"
    ev = flis.check_evaluations([check], "2024-01")[check]
    assert not ev.passed and ev.severity.value == "WARN"
    shown = ev.metadata["usete_filer"].value
    for sti, regel in [
        ("incoming/vh/2024-4/VH_101_NEXUS_FULD_20240405.csv", "UGYLDIG_MAANEDSMAPPE"),
        ("incoming/vh/2024-01/gammel/VH_147_NEXUS_FULD_20240105.csv", "FIL_I_UNDERMAPPE"),
        ("incoming/vh/2024-01/VH_151_NEXUS_FULD_20240120.csv", "KOM_EFTER_INDLAESNING"),
        ("incoming/voksenhandicap/2024-01/VH_153_NEXUS_FULD_20240105.csv", "UKENDT_KILDE"),
        ("incoming/vh/VH_155_NEXUS_FULD_20240105.csv", "FIL_UDEN_MAANEDSMAPPE"),
    ]:
        assert f"| {sti} | {regel} |" in shown, (sti, shown)
    assert ev.metadata["antal_usete_filer"].value == 5  # not February's file, not the landed one
    assert "kør indlæsningsmåned 2024-01 (og de senere måneder) igen" in shown
    assert flis.run_checks(["raadata/skole:ingen_usete_filer"], "2024-01") == {
        "raadata/skole:ingen_usete_filer": False}  # the folder that is no source's, for every source

    # re-running January lands the late file; the rest is still named
    flis.materialize("2024-01", perioder=False)
    assert flis.sql("SELECT status FROM raadata.leverancer WHERE kommunekode = 151")["status"].to_list() == ["indlaest"]
    ev = flis.check_evaluations([check], "2024-01")[check]
    assert ev.metadata["antal_usete_filer"].value == 4 and "VH_151" not in ev.metadata["usete_filer"].value


def test_a_database_wedged_by_an_earlier_version_lands_the_file_again(flis):
    """An earlier version committed a re-sent file as landed with no lines; the next run of its
    month quarantines that row (naming why) and lands the file whole."""
    lines = [vh_line(str(i)) for i in range(1, 6)]
    path = flis.deliver("vh", "2026-02", 101, "NEXUS", "20260226", lines)
    assert flis.materialize("2026-02", perioder=False).ok
    fil = f"incoming/vh/2026-02/{path.name}"
    # the old table had no CHECK: made again as it was, then the wedged row as it left it
    flis.execute("CREATE TABLE raadata.gammel AS SELECT * FROM raadata.leverancer")
    flis.execute("DROP TABLE raadata.leverancer")
    flis.execute("ALTER TABLE raadata.gammel RENAME TO leverancer")
    flis.execute(f"UPDATE raadata.leverancer SET indhold_fra = NULL, antal_linjer = NULL WHERE fil = '{fil}'")
    flis.execute(f"DELETE FROM raadata.vh WHERE fil = '{fil}'")
    outcome = flis.materialize("2026-02", perioder=False)
    assert outcome.fejlede_blokerende == [] and outcome.fejlede_trin == []
    lev = flis.sql("SELECT status, antal_linjer, aarsag FROM raadata.leverancer ORDER BY status")
    assert lev.rows() == [("indlaest", 5, None), ("karantaene", None, tables.UDEN_LINJER)]
    assert flis.sql("SELECT count(*) AS n FROM dsa.vh WHERE indlaesningsmaaned = '2026-02-01'")["n"][0] == 5
