"""The `flis` command line (outputs.md): `flis generate` and `flis materialize`.

Exit codes: 0 done; 1 a blocking asset check or a step failed (named on stderr); 2 unusable
arguments or settings, or a database that cannot be opened (a one-line message).
"""

import argparse
import sys
from datetime import date
from pathlib import Path

from flis_assets import kodelister, partitions, settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    pass


def _month(text: str) -> date:
    try:
        return partitions.parse_month(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _kommuner(text: str) -> list[int]:
    try:
        koder = [int(k) for k in text.split(",") if k.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' skal være kommunekoder adskilt af komma, f.eks. 101,183") from None
    unknown = sorted(set(koder) - set(kodelister.kommunekoder()))
    if unknown or not koder:
        raise argparse.ArgumentTypeError(f"ukendte kommunekoder: {', '.join(map(str, unknown)) or text}")
    return koder


def _scale(text: str) -> float:
    try:
        s = float(text)
    except ValueError:
        s = -1
    if not 0 < s <= 10:
        raise argparse.ArgumentTypeError(f"--scale skal være et tal over 0 (1 = hele landet), ikke '{text}'")
    return s


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2
        print(f"flis: {message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="flis", description="FLIS: Fælleskommunalt Ledelsesinformationssystem")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    g = sub.add_parser("generate", help="skriv syntetiske leverancer og referencefiler")
    g.add_argument("--out", type=Path, default=None, help="mappe (standard: dataroden FLIS_DATA_DIR)")
    g.add_argument("--kommuner", type=_kommuner, default=None, help="kommunekoder, f.eks. 101,183 (standard: alle 98)")
    g.add_argument("--from", dest="fra", type=_month, default=date(2024, 1, 1), help="første indlæsningsmåned ÅÅÅÅ-MM")
    g.add_argument("--to", dest="til", type=_month, default=None, help="sidste indlæsningsmåned ÅÅÅÅ-MM (standard: --from)")
    g.add_argument("--scale", type=_scale, default=0.01, help="størrelse, 1 = hele landet (standard 0.01)")
    g.add_argument("--seed", type=int, default=1)
    m = sub.add_parser("materialize", help="kør hele asset-grafen for indlæsningsmånederne")
    m.add_argument("--from", dest="fra", type=_month, required=True, help="første indlæsningsmåned ÅÅÅÅ-MM")
    m.add_argument("--to", dest="til", type=_month, required=True, help="sidste indlæsningsmåned ÅÅÅÅ-MM")
    return p


def cmd_generate(args) -> int:
    from flis_assets.generate import generate

    til = args.til or args.fra
    if til < args.fra:
        raise UsageError("--to ligger før --from")
    out = args.out or settings.data_dir()
    res = generate(out, args.kommuner, args.fra, til, scale=args.scale, seed=args.seed, progress=True)
    linjer = ", ".join(f"{k} {n:,}".replace(",", ".") for k, n in res.lines.items())
    print(f"Skrev {len(res.files)} filer for {args.fra:%Y-%m} til {til:%Y-%m} under {out} (linjer: {linjer})")
    return EXIT_OK


def cmd_materialize(args) -> int:
    from flis_assets import run
    from flis_assets.definitions import build_defs

    if args.til < args.fra:
        raise UsageError("--to ligger før --from")
    last = partitions.maaned.get_last_partition_key()
    if args.til > date.fromisoformat(last):
        raise UsageError(f"--to {args.til:%Y-%m} ligger efter den seneste hele måned ({last[:7]})")
    if not (settings.incoming_dir()).is_dir():
        raise UsageError(f"ingen leverancer under {settings.incoming_dir()} (kør 'flis generate' eller sæt FLIS_DATA_DIR)")
    try:
        outcome = run.materialize(build_defs(), args.fra, args.til)
    except run.DatabaseFejl as e:
        raise UsageError(str(e)) from None
    for w in outcome.advarsler:
        print(f"Advarsel: asset check fejlede: {w}", file=sys.stderr)
    for f in outcome.fejlede_trin:
        print(f"Fejl: {f}", file=sys.stderr)
    for b in outcome.fejlede_blokerende:
        print(f"Blokerende asset check fejlede: {b}", file=sys.stderr)
    if not outcome.ok:
        return EXIT_FAILED
    print(f"Færdig: {len(outcome.maaneder)} måned(er) materialiseret, {len(outcome.advarsler)} advarsel(er).")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "materialize":
        settings.stille_dagster_advarsler()
    try:
        return {"generate": cmd_generate, "materialize": cmd_materialize}[args.command](args)
    except UsageError as e:
        print(f"flis: {e}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as e:  # a file FLIS reads or writes: one line naming it and the cause
        hvor = f"{e.filename}: " if e.filename else ""
        print(f"flis: {hvor}{e.strerror or e}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as e:
        import duckdb

        if not isinstance(e, duckdb.Error):
            raise
        from flis_assets.run import aarsag

        print(f"flis: fejl i databasen {settings.duckdb_path()}: {aarsag(f'duckdb.{type(e).__name__}: {e}')}",
              file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
