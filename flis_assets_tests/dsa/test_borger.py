"""The CPR register: newest record per person; the dead and the emigrated keep their last record."""

from flis_assets_tests.conftest import cpr_line


def test_register_keeps_the_dead_and_emigrated_and_only_stores_changes(flis):
    a, b, c = "0101801234", "0202851234", "0303901234"
    flis.deliver("cpr", "2024-01", 0, "CPR", "20240105", [cpr_line(a), cpr_line(b, bopael="147"), cpr_line(c)])
    # February: a dies (bopael at death), b emigrates (no bopael), c unchanged.
    flis.deliver("cpr", "2024-02", 0, "CPR", "20240205",
                 [cpr_line(a, doed="20240210"), cpr_line(b, bopael=""), cpr_line(c)])
    # March: the dead and the emigrated are no longer in the extract; c moves.
    flis.deliver("cpr", "2024-03", 0, "CPR", "20240305", [cpr_line(c, bopael="151")])
    outcome = flis.materialize("2024-01", "2024-03", perioder=False)
    assert outcome.ok and not outcome.advarsler

    def register(m):
        return {r["cpr"]: r for r in flis.sql(f"SELECT * FROM dsa.cpr_register(DATE '{m}')").iter_rows(named=True)}

    jan, feb, mar = register("2024-01-01"), register("2024-02-01"), register("2024-03-01")
    assert set(jan) == set(feb) == set(mar) == {a, b, c}
    assert jan[a]["doedsdato"] is None and str(feb[a]["doedsdato"]) == "2024-02-10"
    assert str(mar[a]["doedsdato"]) == "2024-02-10" and mar[a]["bopaelskommune"] == 101
    assert jan[b]["bopaelskommune"] == 147 and mar[b]["bopaelskommune"] is None
    assert feb[c]["bopaelskommune"] == 101 and mar[c]["bopaelskommune"] == 151
    stored = flis.sql("SELECT indlaesningsmaaned::VARCHAR AS m, count(*) AS n FROM dsa.cpr GROUP BY 1 ORDER BY 1")
    assert stored.rows() == [("2024-01-01", 3), ("2024-02-01", 2), ("2024-03-01", 1)]


def test_death_changes_every_period_from_the_death_date(flis):
    a = "0101801234"
    flis.deliver("cpr", "2024-01", 0, "CPR", "20240105", [cpr_line(a)])
    flis.deliver("cpr", "2024-03", 0, "CPR", "20240305", [cpr_line(a, doed="20231115")])  # registered late
    flis.materialize("2024-01", "2024-03", perioder=False)
    perioder = flis.sql(
        "SELECT periode::VARCHAR AS p FROM dsa.aendrede_perioder WHERE kilde = 'cpr' "
        "AND indlaesningsmaaned = '2024-03-01' ORDER BY 1")["p"].to_list()
    assert perioder == ["2023-11-01", "2023-12-01", "2024-01-01", "2024-02-01", "2024-03-01"]


def test_a_person_lost_between_raadata_and_dsa_blocks_in_a_ranged_run(flis):
    """The check carries the register forward month by month within a run: a person whose change
    never reached DSA is found in that month and the months after, and only there."""
    a, b = "0101801234", "0202851234"
    flis.deliver("cpr", "2024-01", 0, "CPR", "20240105", [cpr_line(a), cpr_line(b)])
    flis.deliver("cpr", "2024-02", 0, "CPR", "20240205", [cpr_line(a, bopael="147"), cpr_line(b)])
    flis.deliver("cpr", "2024-03", 0, "CPR", "20240305", [cpr_line(a, bopael="147"), cpr_line(b, bopael="151")])
    assert flis.materialize("2024-01", "2024-03", perioder=False).ok
    check = "dsa/cpr:ingen_linjer_tabt"
    assert flis.check_evaluations([check], "2024-01", "2024-03")[check].passed

    flis.execute("DELETE FROM dsa.cpr WHERE indlaesningsmaaned = '2024-02-01' AND cpr = ?", [a])  # a's move lost
    ev = flis.check_evaluations([check], "2024-01", "2024-03")[check]
    assert not ev.passed and ev.severity.value == "ERROR"
    assert ev.metadata["maaneder_med_fejl"].value == "2024-02, 2024-03"
    assert "PERSON_TABT_MELLEM_RAADATA_OG_DSA" in ev.metadata["fejlende_noegler"].value
    assert a not in ev.metadata["fejlende_noegler"].value  # named by file and line, never by CPR number
    assert flis.check_evaluations([check], "2024-03")[check].metadata["maaneder_med_fejl"].value == "2024-03"
