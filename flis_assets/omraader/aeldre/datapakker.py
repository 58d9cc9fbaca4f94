"""Ældre's data packages (aeldre.md, outputs.md): the SQL of each package's table for $fra..$til.

- `aeldre_individ`: the kommune's own harmonised lines, every line and annotation as harmoniseret
  holds them (DST's corrections annotated, not applied), one package per kommune (`modtager`).
- `aeldre_datamart`: the benchmark datamart for the period, every kommune, with primary discretion.
"""

from flis_assets.defs.noegletal.diskretion import MIN_INDIVIDER, PRIMAER

# Not the stock's load month (`indlaesningsmaaned`): a period no correction touched keeps the month
# it was last computed from, so the package would differ from a full rebuild of the same data.
AELDRE_INDIVID_SQL = """
SELECT periode, kommunekode AS modtager, * EXCLUDE (periode, indlaesningsmaaned) FROM harmoniseret.aeldre_indsatser
WHERE periode BETWEEN $fra AND $til
"""

# Every kommune with Ældre lines in the period and every indsatstype any kommune has then, zero
# where the kommune has none: a row left out would say "zero" beside the withheld ones. A count
# under MIN_INDIVIDER is withheld (zero included, as it is no different from one to four), and
# the hours of fewer than MIN_INDIVIDER hjemmehjælp recipients with it. The hjemmehjælp and
# waiting columns stay NULL for the types they do not apply to (as in the datamart).
AELDRE_DATAMART_SQL = f"""
WITH b AS (SELECT * FROM datamart.aeldre_benchmark WHERE periode BETWEEN $fra AND $til),
typer AS (
    SELECT periode, indsatstype, bool_or(hjemmehjaelp_modtagere IS NOT NULL) AS hjemmehjaelpstype,
        bool_or(ventende IS NOT NULL) AS plejeboligtype
    FROM b GROUP BY ALL
),
kommuner AS (SELECT DISTINCT periode, kommunekode FROM harmoniseret.aeldre_indsatser WHERE periode BETWEEN $fra AND $til),
r AS (
    SELECT k.periode, k.kommunekode, t.indsatstype, coalesce(b.modtagere, 0) AS modtagere,
        CASE WHEN t.hjemmehjaelpstype THEN coalesce(b.hjemmehjaelp_modtagere, 0) END AS hjemmehjaelp_modtagere,
        CASE WHEN t.plejeboligtype THEN coalesce(b.ventende, 0) END AS ventende,
        coalesce(b.modtagere_i_perioden, 0) AS modtagere_i_perioden,
        CASE WHEN t.hjemmehjaelpstype THEN coalesce(b.visiterede_timer, 0) END AS visiterede_timer
    FROM kommuner k JOIN typer t USING (periode) LEFT JOIN b USING (periode, kommunekode, indsatstype)
),
s AS (
    SELECT *, modtagere < {MIN_INDIVIDER} AS skjul_modtagere,
        coalesce(hjemmehjaelp_modtagere < {MIN_INDIVIDER}, false) AS skjul_hjemmehjaelp,
        coalesce(ventende < {MIN_INDIVIDER}, false) AS skjul_ventende,
        modtagere_i_perioden < {MIN_INDIVIDER} AS skjul_i_perioden
    FROM r
)
SELECT periode, kommunekode, indsatstype,
    CASE WHEN NOT skjul_modtagere THEN modtagere END AS modtagere,
    CASE WHEN NOT skjul_hjemmehjaelp THEN hjemmehjaelp_modtagere END AS hjemmehjaelp_modtagere,
    CASE WHEN NOT skjul_ventende THEN ventende END AS ventende,
    CASE WHEN NOT skjul_i_perioden THEN modtagere_i_perioden END AS modtagere_i_perioden,
    CASE WHEN NOT skjul_hjemmehjaelp THEN visiterede_timer END AS visiterede_timer,
    skjul_modtagere OR skjul_hjemmehjaelp OR skjul_ventende OR skjul_i_perioden AS diskretioneret,
    CASE WHEN skjul_modtagere OR skjul_hjemmehjaelp OR skjul_ventende OR skjul_i_perioden THEN '{PRIMAER}' END
        AS diskretion_aarsag
FROM s
"""

# package -> its table's SQL (one table each, named after the package)
PAKKER = {"aeldre_individ": AELDRE_INDIVID_SQL, "aeldre_datamart": AELDRE_DATAMART_SQL}
PER_MODTAGER = {"aeldre_individ"}  # aeldre_datamart is the same for every kommune
ORDER = {"aeldre_individ": "kommunekode, fagsystem, indsats_id", "aeldre_datamart": "kommunekode, indsatstype"}
