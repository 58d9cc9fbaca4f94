"""Voksenhandicap's data packages (outputs.md), declared to the platform's catalogue
(`defs/datapakker/katalog.py`) through `OMRAADE.pakker`.

- `vh_datamart`: the benchmark datamart for the period, every kommune, discretion applied.
- `vh_individ`: the kommune's own harmonised VH lines (interpreted handlekommune) with their annotations.
- `vh_regelrapport`: the harmoniseringsregelrapport's citizens per rule (kommune-specific).
- `vh_hand07_benchmark`: the kommune's rows of the benchmark against HAND07 (discretion applied).
"""

from flis_assets.defs.datapakker.katalog import Kontrol, Pakke, Tabel
from flis_assets.omraader.voksenhandicap import benchmark_diskretion
from flis_assets.omraader.voksenhandicap.benchmark_diskretion import RAEKKER_SQL, hviler_paa_sql
from flis_assets.defs.noegletal.diskretion import MIN_INDIVIDER

# Every kommune's row for every ydelse; those the cube's discretion withholds with it
# (noegletal.vh_benchmark_diskretion): under five recipients (none included), a withheld figure
# resting on the row, or a row a shown figure would give away.
VH_DATAMART_SQL = f"""
SELECT b.periode, b.handlekommune, b.ydelseskode,
    CASE WHEN s.diskretion_aarsag IS NULL THEN b.unikke_modtagere END AS unikke_modtagere,
    CASE WHEN s.diskretion_aarsag IS NULL THEN b.helaarsmodtagere END AS helaarsmodtagere,
    b.godkendt_dst, s.diskretion_aarsag IS NOT NULL AS diskretioneret, s.diskretion_aarsag
FROM ({RAEKKER_SQL}) b LEFT JOIN noegletal.vh_benchmark_diskretion s USING (periode, handlekommune, ydelseskode)
"""

VH_INDIVID_SQL = """
WITH o AS (SELECT periode, kommunekode, fagsystem, ydelse_id,
               string_agg(regel || ' (' || dst_handling || ')', ', ' ORDER BY regel) AS opmaerkninger
           FROM harmoniseret.vh_opmaerkninger WHERE periode BETWEEN $fra AND $til GROUP BY ALL)
SELECT y.handlekommune AS modtager, y.* EXCLUDE (kommunekode, indlaesningsmaaned), y.kommunekode AS leverandoer,
    o.opmaerkninger
FROM harmoniseret.vh_ydelser y LEFT JOIN o USING (periode, kommunekode, fagsystem, ydelse_id)
WHERE y.periode BETWEEN $fra AND $til
"""

# The kommune's own rows of the HAND07 benchmark; FLIS's count is withheld under five.
HAND07_SQL = f"""
SELECT periode, kommunekode AS modtager, kvartal, kommunekode, ydelseskode,
    CASE WHEN flis < {MIN_INDIVIDER} THEN NULL ELSE flis END AS flis, hand07,
    CASE WHEN flis < {MIN_INDIVIDER} THEN NULL ELSE difference END AS difference,
    flis < {MIN_INDIVIDER} AS diskretioneret
FROM datamart.vh_hand07_afstemning WHERE periode BETWEEN $fra AND $til
"""

REGELRAPPORT_SQL = """
SELECT periode, handlekommune AS modtager, handlekommune, regel, dst_handling, cpr,
    count(*) AS antal_linjer
FROM harmoniseret.vh_opmaerkninger WHERE periode BETWEEN $fra AND $til GROUP BY ALL
"""

# The kommuner with VH lines in the period, and those with residents (Borger's datamart.befolkning):
# the benchmark rows cover every kommune of the cube, so a kommune with residents gets the package too.
KOMMUNER_I_DATA_SQL = """
SELECT DISTINCT periode, handlekommune AS kommunekode FROM harmoniseret.vh_ydelser WHERE periode BETWEEN $fra AND $til
UNION SELECT DISTINCT periode, kommunekode FROM datamart.befolkning WHERE periode BETWEEN $fra AND $til
"""

DATAMART_DISKRETION_SQL = f"""
SELECT 'vh_datamart' AS pakke, lpad(handlekommune::VARCHAR, 3, '0') AS omraade, ydelseskode AS noegle,
    'FAERRE_END_{MIN_INDIVIDER}_INDIVIDER' AS regel
FROM datapakker.vh_datamart
WHERE periode = $maaned AND (unikke_modtagere < {MIN_INDIVIDER}
      OR (unikke_modtagere IS NULL AND helaarsmodtagere IS NOT NULL))
UNION ALL
SELECT 'vh_datamart', k.omraade, d.ydelseskode, 'VIST_SKOENT_NOEGLETAL_DER_HVILER_PAA_DEN_ER_SKJULT'
FROM datapakker.vh_datamart d
JOIN noegletal.kube k ON k.periode = d.periode AND k.niveau = 'kommune' AND k.diskretioneret
 AND k.omraade = lpad(d.handlekommune::VARCHAR, 3, '0')
JOIN ({hviler_paa_sql()}) h ON h.noegletal_id = k.noegletal_id AND h.ydelseskode = d.ydelseskode
WHERE d.periode = $maaned AND (d.helaarsmodtagere IS NOT NULL OR d.unikke_modtagere IS NOT NULL)
"""

BENCHMARK_KAN_IKKE_UDREGNES = Kontrol(
    navn="benchmark_kan_ikke_udregnes",
    beskrivelse="Blokerende: i hver kommune er et vist nøgletal over flere ydelser summen af kommunens "
    "benchmarkrækker i vh_datamart. Ingen skjult række må kunne regnes ud af nøgletallet og de viste rækker, og "
    "intet skjult nøgletal må være summen af viste tal; fejler med det udregnede tal.",
    sql=benchmark_diskretion.BENCHMARK.angreb_sql, validate=benchmark_diskretion.angrib,
)


def pakker() -> list[Pakke]:
    return [
        Pakke("vh_datamart", (Tabel("vh_datamart", VH_DATAMART_SQL, "handlekommune, ydelseskode",
                                    kommunekoder=("handlekommune",), diskretion=DATAMART_DISKRETION_SQL),),
              laeser=("noegletal/vh_benchmark_diskretion", "datamart/vh_benchmark", "datamart/befolkning"),
              kommuner_i_data=KOMMUNER_I_DATA_SQL, kontroller=(BENCHMARK_KAN_IKKE_UDREGNES,),
              beskrivelse="benchmarkdatamarten for perioden, alle kommuner, med diskretion"),
        Pakke("vh_individ", (Tabel("vh_individ", VH_INDIVID_SQL, "leverandoer, fagsystem, ydelse_id",
                                   ejere=("handlekommune",), noegle="fagsystem || ':' || ydelse_id",
                                   regel="ANDEN_KOMMUNES_LINJE",
                                   individer=("harmoniseret.vh_ydelser", "harmoniseret.vh_opmaerkninger"),
                                   egne_kolonner=("leverandoer", "opmaerkninger")),),
              laeser=("harmoniseret/vh_ydelser", "harmoniseret/vh_opmaerkninger"),
              beskrivelse="kommunens egne harmoniserede VH-linjer (fortolket handlekommune) med opmærkninger"),
        Pakke("vh_regelrapport", (Tabel("vh_regelrapport", REGELRAPPORT_SQL, "regel, cpr", ejere=("handlekommune",),
                                        noegle="regel", regel="ANDEN_KOMMUNES_BORGER",
                                        individer=("harmoniseret.vh_opmaerkninger",),
                                        egne_kolonner=("antal_linjer",)),),
              laeser=("harmoniseret/vh_opmaerkninger",),
              beskrivelse="harmoniseringsregelrapportens borgere pr. regel, kommunens egne"),
        Pakke("vh_hand07_benchmark", (Tabel("vh_hand07_benchmark", HAND07_SQL, "kvartal, ydelseskode",
                                            ejere=("kommunekode",), noegle="kvartal || ':' || ydelseskode",
                                            kommunekoder=("kommunekode",), diskretion=f"""
            SELECT 'vh_hand07_benchmark', lpad(kommunekode::VARCHAR, 3, '0'), ydelseskode,
                'FAERRE_END_{MIN_INDIVIDER}_INDIVIDER'
            FROM datapakker.vh_hand07_benchmark WHERE periode = $maaned AND flis < {MIN_INDIVIDER}"""),),
              laeser=("datamart/vh_hand07_afstemning",),
              beskrivelse="kommunens rækker af afstemningen mod HAND07, med diskretion"),
    ]
