"""Ældre's data packages (aeldre.md, outputs.md): the SQL of each package's table for $fra..$til.

- `aeldre_individ`: the kommune's own harmonised lines, every line and annotation as harmoniseret
  holds them (DST's corrections annotated, not applied), one package per kommune (`modtager`).
- `aeldre_datamart`: the benchmark datamart for the period, every kommune, with discretion: the
  hjemmehjælp rows (personlig pleje, praktisk hjælp) as decided with the cube, whose figures sum
  them (`benchmark_diskretion.py`); the other types' counts under five withheld one by one.
"""

from flis_assets.defs.datapakker.katalog import Kontrol
from flis_assets.defs.noegletal.diskretion import MIN_INDIVIDER, PRIMAER
from flis_assets.omraader.aeldre.benchmark_diskretion import BENCHMARK, TABEL
from flis_assets.omraader.aeldre.datamart import kommuner_sql

# Not the stock's load month (`indlaesningsmaaned`): a period no correction touched keeps the month
# it was last computed from, so the package would differ from a full rebuild of the same data.
AELDRE_INDIVID_SQL = """
SELECT periode, kommunekode AS modtager, * EXCLUDE (periode, indlaesningsmaaned) FROM harmoniseret.aeldre_indsatser
WHERE periode BETWEEN $fra AND $til
"""

# Every kommune with Ældre lines in the period and every indsatstype any kommune has then, zero
# where the kommune has none: a row left out would say "zero" beside the withheld ones. A hjemmehjælp
# row (its type has hjemmehjælp recipients) is withheld as the cube's discretion decided
# (noegletal.aeldre_benchmark_diskretion: under five recipients, a withheld figure resting on it,
# or a row a shown figure would give away), and then with every count: the recipients on the last
# day and in the period are at least its hjemmehjælp recipients, so a shown one would bound the
# withheld count from above. The other types withhold each count under MIN_INDIVIDER (zero
# included, as it is no different from one to four). The hjemmehjælp and waiting columns stay
# NULL for the types they do not apply to (as in the datamart).
AELDRE_DATAMART_SQL = f"""
WITH b AS (SELECT * FROM datamart.aeldre_benchmark WHERE periode BETWEEN $fra AND $til),
kommuner AS ({kommuner_sql()}),
typer AS (  -- and every hjemmehjælp type, had anyone it or not: the cube's figures are sums of their
    -- rows (RAEKKER_SQL has them all), and a type left out would tell that its withheld rows are zero
    SELECT periode, indsatstype, bool_or(hjemmehjaelp_modtagere IS NOT NULL) AS hjemmehjaelpstype,
        bool_or(ventende IS NOT NULL) AS plejeboligtype
    FROM (SELECT periode, indsatstype, hjemmehjaelp_modtagere, ventende FROM b
          UNION ALL
          SELECT DISTINCT k.periode, t.indsatstype, 0, NULL
          FROM kommuner k CROSS JOIN kodelister.aeldre_indsatser t WHERE t.hjemmehjaelp)
    GROUP BY ALL
),
r AS (
    SELECT k.periode, k.kommunekode, t.indsatstype, coalesce(b.modtagere, 0) AS modtagere,
        CASE WHEN t.hjemmehjaelpstype THEN coalesce(b.hjemmehjaelp_modtagere, 0) END AS hjemmehjaelp_modtagere,
        CASE WHEN t.plejeboligtype THEN coalesce(b.ventende, 0) END AS ventende,
        coalesce(b.modtagere_i_perioden, 0) AS modtagere_i_perioden,
        CASE WHEN t.hjemmehjaelpstype THEN coalesce(b.visiterede_timer, 0) END AS visiterede_timer
    FROM kommuner k JOIN typer t USING (periode) LEFT JOIN b USING (periode, kommunekode, indsatstype)
),
raekker AS (
    SELECT r.*, coalesce(d.diskretion_aarsag, CASE WHEN hjemmehjaelp_modtagere < {MIN_INDIVIDER} THEN '{PRIMAER}' END)
        AS raekke_aarsag
    FROM r LEFT JOIN {TABEL} d USING (periode, kommunekode, indsatstype)
),
s AS (
    SELECT *, raekke_aarsag IS NOT NULL OR modtagere < {MIN_INDIVIDER} AS skjul_modtagere,
        raekke_aarsag IS NOT NULL AS skjul_hjemmehjaelp,
        coalesce(ventende < {MIN_INDIVIDER}, false) AS skjul_ventende,
        raekke_aarsag IS NOT NULL OR modtagere_i_perioden < {MIN_INDIVIDER} AS skjul_i_perioden
    FROM raekker
)
SELECT periode, kommunekode, indsatstype,
    CASE WHEN NOT skjul_modtagere THEN modtagere END AS modtagere,
    CASE WHEN NOT skjul_hjemmehjaelp THEN hjemmehjaelp_modtagere END AS hjemmehjaelp_modtagere,
    CASE WHEN NOT skjul_ventende THEN ventende END AS ventende,
    CASE WHEN NOT skjul_i_perioden THEN modtagere_i_perioden END AS modtagere_i_perioden,
    CASE WHEN NOT skjul_hjemmehjaelp THEN visiterede_timer END AS visiterede_timer,
    skjul_modtagere OR skjul_hjemmehjaelp OR skjul_ventende OR skjul_i_perioden AS diskretioneret,
    CASE WHEN skjul_modtagere OR skjul_hjemmehjaelp OR skjul_ventende OR skjul_i_perioden
         THEN coalesce(raekke_aarsag, '{PRIMAER}') END AS diskretion_aarsag
FROM s
"""

# A month's rows that show a count on fewer than MIN_INDIVIDER citizens, hours whose recipients are
# withheld, a count of a withheld hjemmehjælp row, or a hjemmehjælp row a withheld figure of its
# kommune rests on (where the figure has data): the platform's blocking check `diskretion` fails on
# any (pakke, omraade, noegle, regel).
DATAMART_DISKRETION_SQL = f"""
SELECT 'aeldre_datamart' AS pakke, lpad(kommunekode::VARCHAR, 3, '0') AS omraade, indsatstype || ':' || tal AS noegle,
    'FAERRE_END_{MIN_INDIVIDER}_INDIVIDER' AS regel
FROM (UNPIVOT (SELECT kommunekode, indsatstype, modtagere, hjemmehjaelp_modtagere, ventende, modtagere_i_perioden
               FROM datapakker.aeldre_datamart WHERE periode = $maaned)
      ON modtagere, hjemmehjaelp_modtagere, ventende, modtagere_i_perioden INTO NAME tal VALUE antal)
WHERE antal < {MIN_INDIVIDER}
UNION ALL
SELECT 'aeldre_datamart', lpad(kommunekode::VARCHAR, 3, '0'), indsatstype || ':visiterede_timer',
    'VISTE_TIMER_FOR_SKJULTE_MODTAGERE'
FROM datapakker.aeldre_datamart
WHERE periode = $maaned AND visiterede_timer IS NOT NULL AND hjemmehjaelp_modtagere IS NULL
UNION ALL
SELECT 'aeldre_datamart', lpad(kommunekode::VARCHAR, 3, '0'), indsatstype, 'VIST_ANTAL_I_SKJULT_HJEMMEHJAELPSRAEKKE'
FROM datapakker.aeldre_datamart
WHERE periode = $maaned AND hjemmehjaelp_modtagere IS NULL AND (modtagere IS NOT NULL OR modtagere_i_perioden IS NOT NULL)
  AND indsatstype IN (SELECT indsatstype FROM ({BENCHMARK.hviler_paa_sql()}))
UNION ALL
SELECT 'aeldre_datamart', k.omraade, d.indsatstype, 'VIST_SKOENT_NOEGLETAL_DER_HVILER_PAA_DEN_ER_SKJULT'
FROM datapakker.aeldre_datamart d
JOIN noegletal.kube k ON k.periode = d.periode AND k.niveau = 'kommune' AND k.diskretioneret
 AND k.omraade = lpad(d.kommunekode::VARCHAR, 3, '0')
JOIN ({BENCHMARK.hviler_paa_sql()}) h ON h.noegletal_id = k.noegletal_id AND h.indsatstype = d.indsatstype
WHERE d.periode = $maaned AND (d.hjemmehjaelp_modtagere IS NOT NULL OR d.visiterede_timer IS NOT NULL)
  AND {BENCHMARK.hviler_her("d.periode", "d.kommunekode", "k.noegletal_id")}
"""

HJEMMEHJAELP_KAN_IKKE_UDREGNES = Kontrol(
    navn="aeldre_hjemmehjaelp_kan_ikke_udregnes",
    beskrivelse="Blokerende: i hver kommune er et vist nøgletal over hjemmehjælpen (timer pr. modtager, udgift pr. "
    "visiteret time) summen af kommunens rækker for personlig pleje og praktisk hjælp i aeldre_datamart. Ingen skjult "
    "række må kunne regnes ud af nøgletallene og de viste rækker, og intet skjult nøgletal må være summen af viste "
    "tal; fejler med det udregnede tal.",
    sql=BENCHMARK.angreb_sql, validate=BENCHMARK.angrib,
)


def pakker() -> list:
    """The area's packages (`Omraade.pakker`) for the platform's catalogue (`defs/datapakker/katalog.py`)."""
    from flis_assets.defs.datapakker.katalog import Pakke, Tabel

    return [
        Pakke("aeldre_individ", (Tabel("aeldre_individ", AELDRE_INDIVID_SQL, "kommunekode, fagsystem, indsats_id",
                                       ejere=("kommunekode",), noegle="fagsystem || ':' || indsats_id",
                                       regel="ANDEN_KOMMUNES_LINJE", individer=("harmoniseret.aeldre_indsatser",)),),
              laeser=("harmoniseret/aeldre_indsatser",), kommuner_i_data=kommuner_sql(),
              beskrivelse="Kommunens egne harmoniserede Ældre-linjer med opmærkninger."),
        Pakke("aeldre_datamart", (Tabel("aeldre_datamart", AELDRE_DATAMART_SQL, "kommunekode, indsatstype",
                                        kommunekoder=("kommunekode",), diskretion=DATAMART_DISKRETION_SQL),),
              laeser=("noegletal/aeldre_benchmark_diskretion", "datamart/aeldre_benchmark", "harmoniseret/aeldre_indsatser"),
              kommuner_i_data=kommuner_sql(), kontroller=(HJEMMEHJAELP_KAN_IKKE_UDREGNES,),
              beskrivelse="Ældres benchmarkdatamart for perioden, alle kommuner, med diskretion."),
    ]
