"""The cube's test warehouse takes its tables from the areas' own definitions, so it cannot drift."""

from flis_assets_tests.noegletal import kube_data


def kolonner(con, tabel: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in con.execute(f"DESCRIBE {tabel}").fetchall()]


def test_the_tables_have_the_columns_the_areas_give_them():
    con = kube_data.lager({})
    # Columns a hand-written copy lacked: a pupil's school, a measure's paragraph, the approval list's year
    # and file, the accounts' names; and the population's age as Borger's SELECT types it.
    assert ("skolekode", "VARCHAR") in kolonner(con, "harmoniseret.skole_elever")
    assert ("paragraf", "VARCHAR") in kolonner(con, "harmoniseret.udsatte_foranstaltninger")
    assert [k for k, _ in kolonner(con, "referencedata.godkendte_kommuner")][-2:] == ["aar", "fil"]
    assert ("funktion_navn", "VARCHAR") in kolonner(con, "datamart.oekonomi_regnskab")
    assert ("alder", "BIGINT") in kolonner(con, "datamart.befolkning")
    # The tables an area creates by DDL are exactly its statements' (here: one NOT NULL column each).
    for tabel, kolonne in (("harmoniseret.vh_ydelser", "periode"), ("datamart.vh_hand07_afstemning", "kvartal"),
                           ("harmoniseret.aeldre_indsatser", "periode")):
        [(null,)] = con.execute(f"SELECT is_nullable FROM information_schema.columns WHERE table_schema || '.' || "
                                f"table_name = ? AND column_name = ?", [tabel, kolonne]).fetchall()
        assert null == "NO", tabel
