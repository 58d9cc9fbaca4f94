"""The DSA stock strategies an area picks for its source (beside the plain newest delivery,
`nyeste_bestand.py`, and the systemskifte rules):

- a register of changes (`register_sql`): each load month stores the persons new or changed
  against the register before it; the register after month m is each person's newest record
  (the national CPR register is ~6 M people: storing it whole every month would cost ~1 G rows);
- a stock replaced by period (`pr_periode_sql`): each load month stores the (kommune, periode)
  groups whose newest delivery arrived in it; the stock after month m is each group's latest
  version (a delivery holds complete booking periods and replaces exactly those).
"""


def register_sql(kilde: str, m: str, personer: str | None = None) -> str:
    """The register dsa.`kilde` after load month `m`; with `personer` (a query of cpr) only those
    people, chosen before the window, so a month sorts the people it touches, not the register."""
    semi = f"SEMI JOIN ({personer}) p USING (cpr)" if personer else ""
    return f"""SELECT * EXCLUDE (aendring) FROM dsa.{kilde} {semi} WHERE indlaesningsmaaned <= {m}
    QUALIFY row_number() OVER (PARTITION BY cpr ORDER BY indlaesningsmaaned DESC) = 1"""


def pr_periode_sql(kilde: str, m: str, grupper: str | None = None) -> str:
    """The stock dsa.`kilde` after load month `m`: per group its latest version. With `grupper` (a
    query of kommunekode, periode) only those groups: a month then reads the versions of the groups
    it touches, not every version since 2013 (the join on the load month lets DuckDB skip the
    other months' row groups)."""
    semi = f"SEMI JOIN ({grupper}) g USING (kommunekode, periode)" if grupper else ""
    return f"""SELECT o.* FROM dsa.{kilde} o JOIN (
        SELECT kommunekode, periode, max(indlaesningsmaaned) AS indlaesningsmaaned
        FROM dsa.{kilde} {semi} WHERE indlaesningsmaaned <= {m} GROUP BY ALL
    ) v USING (kommunekode, periode, indlaesningsmaaned)"""
