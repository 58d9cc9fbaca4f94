"""Økonomi's data package `oekonomi_datamart` (borger-oekonomi.md, outputs.md), the same for every
subscribing kommune: its two tables' SELECTs for the periods $fra..$til, for the package catalogue
to register (Parquet, Danish-Excel CSV and the manifest, as every package).

- `oekonomi_regnskab`: every kommune's accounts by dranst, hovedkonto, hovedfunktion, funktion and
  hovedart, for the month, the quarter to date and the year to date, with the kontoplan's names
  (`datamart.oekonomi_regnskab`). Accounts are public: nothing is withheld.
- `oekonomi_populationer`: the populations of the Økonomi key figures (their denominators in
  `noegletal.kube`, so the package and the cube can never disagree) per kommune, region and Danmark;
  a region's and Danmark's are those of the kommuner with accounts for the period only.
"""

REGNSKAB_SQL = """
SELECT periode, visning, kommunekode, dranst, hovedkonto, hovedkonto_navn, hovedfunktion, hovedfunktion_navn,
    funktion, funktion_navn, hovedart, beloeb
FROM datamart.oekonomi_regnskab WHERE periode BETWEEN $fra AND $til
"""

# An area's figures carry its prefix (omraader/__init__.py), so these are Økonomi's figures.
POPULATIONER_SQL = """
SELECT periode, niveau, omraade, noegletal_id, naevner AS indbyggere
FROM noegletal.kube WHERE periode BETWEEN $fra AND $til AND starts_with(noegletal_id, 'oekonomi_')
"""

PAKKE = "oekonomi_datamart"
# a total row order, so the same content always gives the same bytes
ORDEN = {"oekonomi_regnskab": "visning, kommunekode, dranst, funktion, hovedart",
         "oekonomi_populationer": "niveau, omraade, noegletal_id"}

# Every kommune with accounts for the period subscribes by default (`Pakke.kommuner_i_data`).
KOMMUNER_SQL = "SELECT DISTINCT periode, kommunekode FROM datamart.oekonomi_regnskab WHERE periode BETWEEN $fra AND $til"


def pakker() -> list:
    """The area's packages (`Omraade.pakker`) for the platform's catalogue (`defs/datapakker/katalog.py`)."""
    from flis_assets.defs.datapakker.katalog import Pakke, Tabel

    return [Pakke(PAKKE, (
        Tabel("oekonomi_regnskab", REGNSKAB_SQL, ORDEN["oekonomi_regnskab"], kommunekoder=("kommunekode",)),
        Tabel("oekonomi_populationer", POPULATIONER_SQL, ORDEN["oekonomi_populationer"],
              kommunekoder=("TRY_CAST(omraade AS INTEGER)",), kommuneraekker="niveau = 'kommune'"),
    ), laeser=("datamart/oekonomi_regnskab", "noegletal/kube"), kommuner_i_data=KOMMUNER_SQL,
        beskrivelse="Alle kommuners regnskab efter hovedfunktion og funktion med nøgletallenes befolkninger.")]
