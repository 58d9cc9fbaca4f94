"""Økonomi: for a kommune and period the newest delivery holding that period replaces the earlier ones."""


def line(periode, beloeb, funktion="50", gruppering="001"):
    return f"{periode};1;5;38;{funktion};{gruppering};4;40;{beloeb}"


def test_newest_delivery_replaces_per_period_and_keeps_the_others(flis):
    flis.deliver("oekonomi", "2024-02", 101, "OPUS", "20240205",
                 [line("202401", "100,00"), line("202401", "50,50", gruppering="002"), line("202402", "200,00")])
    # March holds February (corrected) and March, not January: January stays as it was.
    flis.deliver("oekonomi", "2024-03", 101, "OPUS", "20240305", [line("202402", "-25,75"), line("202403", "300,00")])
    outcome = flis.materialize("2024-02", "2024-03", perioder=False)
    assert outcome.ok
    stock = flis.sql("""SELECT periode::VARCHAR AS p, sum(beloeb)::DOUBLE AS b, any_value(fil) AS fil
                        FROM dsa.oekonomi_bestand(DATE '2024-03-01') GROUP BY 1 ORDER BY 1""")
    assert stock["p"].to_list() == ["2024-01-01", "2024-02-01", "2024-03-01"]
    assert stock["b"].to_list() == [150.5, -25.75, 300.0]
    assert stock["fil"][0].endswith("20240205.csv") and stock["fil"][1].endswith("20240305.csv")
    changed = flis.sql("""SELECT periode::VARCHAR AS p FROM dsa.aendrede_perioder
                          WHERE kilde = 'oekonomi' AND indlaesningsmaaned = '2024-03-01' ORDER BY 1""")["p"].to_list()
    assert changed == ["2024-02-01", "2024-03-01"]


def test_an_older_delivery_date_does_not_replace_a_newer_one(flis):
    """Of two deliveries the later delivery date is the newer, whatever month it was loaded in."""
    flis.deliver("oekonomi", "2024-02", 101, "OPUS", "20240220", [line("202401", "100,00")])
    flis.deliver("oekonomi", "2024-03", 101, "OPUS", "20240210", [line("202401", "999,00")])
    assert flis.materialize("2024-02", "2024-03", perioder=False).ok
    got = flis.sql("SELECT sum(beloeb)::DOUBLE AS b FROM dsa.oekonomi_bestand(DATE '2024-03-01')")["b"][0]
    assert got == 100.0
    assert flis.run_checks(["dsa/oekonomi:ingen_linjer_tabt"], "2024-03") == {"dsa/oekonomi:ingen_linjer_tabt": True}
