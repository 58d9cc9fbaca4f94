"""datamart.oekonomi_regnskab and the nettodriftsudgifter definition, on hand-made account lines."""

from decimal import Decimal

from flis_assets.omraader.oekonomi import datamart
from flis_assets_tests.omraader.oekonomi.regnskab_data import byg, con, konto  # noqa: F401 - con is a fixture


def regnskab(con, periode: str, visning: str, kommune=101) -> dict:
    rows = con.execute(
        """SELECT funktion, hovedart, dranst, beloeb FROM datamart.oekonomi_regnskab
           WHERE periode = ?::DATE AND visning = ? AND kommunekode = ? ORDER BY ALL""",
        [periode + "-01", visning, kommune]).fetchall()
    return {(f, ha, d): b for f, ha, d, b in rows}


def test_sums_over_art_and_gruppering_with_the_kontoplans_names(con):
    konto(con, "2024-01", "1000,00", gruppering="001")
    konto(con, "2024-01", "234,56", gruppering="002")
    byg(con, "2024-01", "2024-01")
    row = con.execute("""SELECT hovedkonto, hovedfunktion, funktion, beloeb, hovedkonto_navn, hovedfunktion_navn,
                                funktion_navn FROM datamart.oekonomi_regnskab WHERE visning = 'maaned'""").fetchall()
    assert row == [("5", "5.30", "5.30.26", Decimal("1234.56"), "Sociale opgaver og beskæftigelse m.v.", "Tilbud til ældre",
                    "Personlig og praktisk hjælp og madservice (hjemmehjælp) til hjemmeboende")]


def test_month_quarter_to_date_and_year_to_date(con):
    for maaned, beloeb in (("01", "100,00"), ("02", "200,00"), ("03", "300,00"), ("04", "400,00")):
        konto(con, f"2024-{maaned}", beloeb)
    konto(con, "2024-01", "-50,25", konto="6.45.51")  # booked in January only
    byg(con, "2024-01", "2024-04")
    k = ("5.30.26", "1", "1")
    assert [regnskab(con, "2024-03", v)[k] for v in ("maaned", "kvartal_til_dato", "aar_til_dato")] == [300, 600, 600]
    assert [regnskab(con, "2024-04", v)[k] for v in ("maaned", "kvartal_til_dato", "aar_til_dato")] == [400, 400, 1000]
    # an account with nothing in the month still adds to the quarter and the year ending in it
    adm = ("6.45.51", "1", "1")
    assert adm not in regnskab(con, "2024-02", "maaned")
    assert regnskab(con, "2024-02", "kvartal_til_dato")[adm] == Decimal("-50.25")
    assert regnskab(con, "2024-04", "aar_til_dato")[adm] == Decimal("-50.25")
    assert adm not in regnskab(con, "2024-04", "kvartal_til_dato")


def test_no_rows_for_a_month_the_kommune_has_no_accounts_for(con):
    konto(con, "2024-01", "100,00")
    konto(con, "2024-03", "300,00")
    byg(con, "2024-01", "2024-03")
    assert regnskab(con, "2024-02", "aar_til_dato") == {}
    assert regnskab(con, "2024-03", "aar_til_dato")[("5.30.26", "1", "1")] == 400


def test_the_accounts_as_known_now_a_later_delivery_replaces_a_period(con):
    konto(con, "2024-01", "100,00", indlaest="2024-02")
    konto(con, "2024-02", "200,00", indlaest="2024-02")
    konto(con, "2024-01", "-75,50", konto="5.30.27", indlaest="2024-03")  # January again, corrected
    byg(con, "2024-01", "2024-02")
    assert regnskab(con, "2024-01", "maaned") == {("5.30.27", "1", "1"): Decimal("-75.50")}
    assert regnskab(con, "2024-02", "aar_til_dato") == {("5.30.26", "1", "1"): 200, ("5.30.27", "1", "1"): Decimal("-75.50")}


def test_nettodriftsudgifter_leave_out_hovedart_0_and_other_dranst_and_keep_incomes_negative(con):
    konto(con, "2024-01", "1000,00")
    konto(con, "2024-01", "500,00", hovedart="0")  # calculated costs: out
    konto(con, "2024-01", "-200,50", hovedart="7")  # an income: in, with its sign
    konto(con, "2024-01", "-20,00", hovedart="8")  # a transfer income: in
    konto(con, "2024-01", "300,00", dranst="3")  # construction: out
    byg(con, "2024-01", "2024-01")
    # the datamart keeps every line's account; the definition picks the net operating expenses
    assert regnskab(con, "2024-01", "maaned")[("5.30.26", "0", "1")] == 500
    netto = con.execute(f"SELECT hovedfunktion, funktion, beloeb FROM ({datamart.nettodriftsudgifter_sql()})",
                        {"fra": "2024-01-01", "til": "2024-01-31"}).fetchall()
    assert netto == [("5.30", "5.30.26", Decimal("779.50"))]
