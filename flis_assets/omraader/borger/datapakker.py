"""Borger's data package `borger_datamart` (borger-oekonomi.md, outputs.md): the population and its
movements for every kommune, counts only (no CPR number), for the package catalogue to register
(Parquet, Danish-Excel CSV and the manifest, as every package).

- `borger_befolkning`: residents at the end of the period per kommune, sex and five-year age group
  (`0-4` .. `95-99`, `100+`), from `datamart.befolkning`, the one definition of a resident.
- `borger_bevaegelser`: foedte, doede, tilflyttede, fraflyttede, indvandrede and udvandrede per
  kommune (`datamart.befolkningsbevaegelser`).
- `borger_flytninger`: the moves per pair of kommuner (`datamart.flytninger`), each pair only in
  the packages of its two kommuner (`til_hver`): the others have no business with it.
"""

ALDERSGRUPPE_BREDDE = 5
AELDSTE_GRUPPE = 100  # 100 and over in one group, as the population thins out

# The group's label and its first age, so the file sorts by age, not by text.
BEFOLKNING_SQL = f"""
SELECT periode, kommunekode, koen, fra_alder,
    CASE WHEN fra_alder >= {AELDSTE_GRUPPE} THEN fra_alder || '+'
         ELSE fra_alder || '-' || (fra_alder + {ALDERSGRUPPE_BREDDE - 1}) END AS aldersgruppe,
    sum(antal)::BIGINT AS antal
FROM (SELECT *, least(alder // {ALDERSGRUPPE_BREDDE} * {ALDERSGRUPPE_BREDDE}, {AELDSTE_GRUPPE}) AS fra_alder
      FROM datamart.befolkning WHERE periode BETWEEN $fra AND $til)
GROUP BY ALL
"""

BEVAEGELSER_SQL = """
SELECT periode, kommunekode, bevaegelse, antal FROM datamart.befolkningsbevaegelser WHERE periode BETWEEN $fra AND $til
"""

FLYTNINGER_SQL = """
SELECT periode, fra_kommune, til_kommune, antal FROM datamart.flytninger WHERE periode BETWEEN $fra AND $til
"""

# Every kommune with residents in the period subscribes by default (`Pakke.kommuner_i_data`).
KOMMUNER_SQL = "SELECT DISTINCT periode, kommunekode FROM datamart.befolkning WHERE periode BETWEEN $fra AND $til"


def pakker() -> list:
    """The area's packages (`Omraade.pakker`) for the platform's catalogue (`defs/datapakker/katalog.py`)."""
    from flis_assets.defs.datapakker.katalog import Pakke, Tabel, til_hver

    par = ("fra_kommune", "til_kommune")
    return [Pakke("borger_datamart", (
        Tabel("borger_befolkning", BEFOLKNING_SQL, "kommunekode, koen, fra_alder", kommunekoder=("kommunekode",)),
        Tabel("borger_bevaegelser", BEVAEGELSER_SQL, "kommunekode, bevaegelse", kommunekoder=("kommunekode",)),
        Tabel("borger_flytninger", til_hver(FLYTNINGER_SQL, *par), "fra_kommune, til_kommune", ejere=par,
              noegle="fra_kommune || '>' || til_kommune", regel="ANDEN_KOMMUNES_FLYTNING", kommunekoder=par),
    ), laeser=("datamart/befolkning", "datamart/befolkningsbevaegelser", "datamart/flytninger"),
        kommuner_i_data=KOMMUNER_SQL,
        beskrivelse="Befolkningen efter køn og aldersgruppe, dens bevægelser og kommunens egne flytninger.")]
