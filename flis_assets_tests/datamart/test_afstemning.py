"""The platform's quarterly reconciliation against a Statistikbanken table, on a hand-made area."""

from datetime import date

import duckdb
import pytest

from flis_assets.defs.datamart import afstemning

# A made-up area: one row per citizen and month, kommune and type (the keys).
FLIS = """SELECT k.periode, k.kvartal, t.kommunekode, t.type, count(DISTINCT t.cpr) AS flis
    FROM kvartaler k JOIN omr.linjer t ON t.periode BETWEEN k.fra AND k.periode GROUP BY ALL"""


@pytest.fixture
def con():
    c = duckdb.connect()
    c.execute("CREATE SCHEMA omr; CREATE SCHEMA referencedata; CREATE SCHEMA datamart")
    c.execute("CREATE TABLE omr.linjer (periode DATE, kommunekode INTEGER, type VARCHAR, cpr VARCHAR)")
    c.execute("""INSERT INTO omr.linjer VALUES
        ('2024-01-01', 101, 'A', 'x'), ('2024-03-01', 101, 'A', 'x'), ('2024-02-01', 101, 'A', 'y'),
        ('2024-02-01', 147, 'A', 'z'),
        ('2024-04-01', 101, 'A', 'x')""")
    # 101/A: FLIS 2 against 3; 147/A: nothing in the reference; 151/A: nobody in FLIS; two finer cells of 101/B.
    c.execute("CREATE TABLE referencedata.ref (kvartal VARCHAR, kommunekode INTEGER, type VARCHAR, ref BIGINT)")
    c.execute("""INSERT INTO referencedata.ref VALUES
        ('2024K1', 101, 'A', 3), ('2024K1', 151, 'A', 4), ('2024K1', 101, 'B', 1), ('2024K1', 101, 'B', 2),
        ('2024K3', 101, 'A', 9)""")
    return c


def rows(con, sql, params):
    return sorted(con.execute(sql, params).fetchall())


PARAMS = {"fra": date(2024, 1, 1), "til": date(2024, 6, 1)}


def test_quarters_whose_three_months_are_materialised_reconcile_cell_by_cell(con):
    sql = "WITH " + afstemning.sammenligning(
        afstemning.kvartaler(afstemning.TRE_MAANEDER_MATERIALISERET), FLIS, "ref", ["kommunekode", "type"],
        finere_celler=True)
    # Q2 lacks June: it is not reconciled yet (otherwise 101/A would show 1 against nothing).
    maaneder = [date(2024, m, 1) for m in (1, 2, 3, 4, 5)]
    assert rows(con, sql, {**PARAMS, "materialiseret": maaneder}) == [
        (date(2024, 3, 1), "2024K1", 101, "A", 2, 3, -1),
        (date(2024, 3, 1), "2024K1", 101, "B", 0, 3, -3),  # the finer cells summed
        (date(2024, 3, 1), "2024K1", 147, "A", 1, None, None),
        (date(2024, 3, 1), "2024K1", 151, "A", 0, 4, -4),
    ]


def test_every_quarter_ending_in_the_window_without_conditions_and_label_of_another_month(con):
    sql = "WITH " + afstemning.sammenligning(
        afstemning.kvartaler(kvartal_af="periode + INTERVAL 1 MONTH"), FLIS, "ref", ["kommunekode", "type"],
        finere_celler=True, kun_referencens_kvartaler=True)
    # March is labelled 2024K2 (no reference rows: left out), June 2024K3 (101/A: 1 against 9).
    assert rows(con, sql, PARAMS) == [(date(2024, 6, 1), "2024K3", 101, "A", 1, 9, -8)]


def test_afvigelser_shows_differences_and_missing_cells_largest_first(con):
    sql = "WITH " + afstemning.sammenligning(afstemning.kvartaler(), FLIS, "ref", ["kommunekode", "type"],
                                             finere_celler=True)
    con.execute(f"CREATE TABLE datamart.omr_ref_afstemning AS {sql}", PARAMS)
    fejl = con.execute(afstemning.afvigelser_sql("omr_ref_afstemning", "ref", ["kommunekode", "type"]),
                       {"maaned": date(2024, 3, 1)}).fetchall()
    assert [(r[0], r[1], r[-1]) for r in fejl] == [
        (151, "A", "AFVIGER_FRA_REF"), (101, "B", "AFVIGER_FRA_REF"), (101, "A", "AFVIGER_FRA_REF"),
        (147, "A", "MANGLER_I_REF"),
    ]
    check = afstemning.afvigelser_check("omr_ref_afstemning", "ref", ["kommunekode"], "Advarer.")
    assert [s.name for s in check.check_specs] == ["ref_afvigelser"]
