"""Monthly partitions: load months (rådata, DSA) and statistical periods (later layers).

Both axes use the same keys (`YYYY-MM-01`, Dagster's default) from 2013-01, so every monthly
asset says in its description and metadata which of the two its months are (`med_akse`).
"""

from __future__ import annotations

from datetime import date

import dagster as dg

START = date(2013, 1, 1)

maaned = dg.MonthlyPartitionsDefinition(start_date=START.isoformat())

# One run may cover a range of months; assets iterate the months of their window in order.
single_run = dg.BackfillPolicy.single_run()

# Every monthly asset that writes DuckDB: partitioned by month, ranged runs, one writer at a time.
MAANEDLIG = {"partitions_def": maaned, "backfill_policy": single_run, "pool": "duckdb"}


# The layers partitioned by load month; the rest by statistical period.
LOAD_MONTH_GROUPS = ("raadata", "dsa")
INDLAESNINGSMAANED = "indlæsningsmåned"
STATISTISK_PERIODE = "statistisk periode"
AKSE_BESKRIVELSE = {
    INDLAESNINGSMAANED: "Partitioneret efter indlæsningsmåned: den måned, leverancerne er indlæst i. Kun måneder "
    "med leverancer bliver materialiseret; måneder fra før den første leverance står derfor som manglende.",
    STATISTISK_PERIODE: "Partitioneret efter statistisk periode: den måned, tallene gælder for, beregnet ud fra den "
    "nyeste indlæste viden.",
}


def akse(group_name: str | None) -> str:
    return INDLAESNINGSMAANED if group_name in LOAD_MONTH_GROUPS else STATISTISK_PERIODE


def med_akse(assets: list) -> list:
    """The assets, each monthly one's description opening with what its months are, and the axis in
    its metadata (`flis/partitionsakse`): the UI shows the same keys for both axes."""
    def beskriv(spec: dg.AssetSpec) -> dg.AssetSpec:
        if spec.partitions_def is None:
            return spec
        a = akse(spec.group_name)
        return spec.replace_attributes(
            description=f"{AKSE_BESKRIVELSE[a]}\n\n{spec.description or ''}".strip(),
            metadata={**spec.metadata, "flis/partitionsakse": a},
        )

    return dg.map_asset_specs(beskriv, assets)


def add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    return date(d.year + y, m + 1, 1)


def months(start: date, end_exclusive: date) -> list[date]:
    out, d = [], date(start.year, start.month, 1)
    while d < end_exclusive:
        out.append(d)
        d = add_months(d, 1)
    return out


def per_year(months: list[date]) -> list[tuple[date, date]]:
    """A window's months as (first, last) per calendar year: period layers replace one year per
    statement, which bounds their memory when a backfill covers every month since 2013."""
    years: dict[int, list[date]] = {}
    for m in sorted(months):
        years.setdefault(m.year, []).append(m)
    return [(ms[0], ms[-1]) for ms in years.values()]


def parse_month(text: str) -> date:
    """`YYYY-MM` or `YYYY-MM-DD` to the first day of that month."""
    parts = text.split("-")
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
        raise ValueError(f"'{text}' er ikke en måned på formen ÅÅÅÅ-MM")
    if not 1 <= int(parts[1]) <= 12:
        raise ValueError(f"'{text}' er ikke en måned på formen ÅÅÅÅ-MM")
    d = date(int(parts[0]), int(parts[1]), 1)
    if d < START:
        raise ValueError(f"{text} ligger før {START:%Y-%m}: FLIS har data fra {START:%Y-%m}")
    return d


def window_months(context) -> list[date]:
    """The months of an asset's or check's run, for single-partition and ranged runs alike."""
    if context.has_partition_key_range or context.has_partition_key:
        tw = context.partition_time_window
        return months(tw.start.date(), tw.end.date())
    # A check in a ranged run runs once without a partition (Dagster 1.13 preview):
    # take the range from the run's tags so every month is still checked.
    tags = context.run.tags
    start = tags.get("dagster/asset_partition_range_start") or tags.get("dagster/partition")
    end = tags.get("dagster/asset_partition_range_end") or start
    if not start:
        return []
    return months(parse_month(start), add_months(parse_month(end), 1))
