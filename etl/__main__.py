"""`python -m etl`: validate the sources, write the Parquet tables, print a summary."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from etl.build import SOURCES_DIR, BuildError, ShrinkError, build

DEFAULT_DATA = Path(__file__).resolve().parent.parent / "data"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl", description=__doc__)
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="folder the tables are written to (default: data/)"
    )
    parser.add_argument(
        "--sources", type=Path, default=SOURCES_DIR, help="folder of YAML sources (default: etl/sources/)"
    )
    parser.add_argument(
        "--provenance",
        type=Path,
        metavar="PATH",
        help="a source document, or a folder of them (e.g. ../shared/seeds): check every verbatim "
        "sentence and quotation appears in its document",
    )
    parser.add_argument(
        "--allow-shrink",
        action="store_true",
        help="publish even if a survey has no results or a table loses more than half its rows "
        "against the current build (refused by default)",
    )
    args = parser.parse_args(argv)
    if args.provenance is not None and not args.provenance.exists():
        print(f"error: --provenance {args.provenance}: no such file or folder", file=sys.stderr)
        return 2
    notes: list[str] = []
    try:
        dataset, path = build(args.data, args.sources, args.provenance, allow_shrink=args.allow_shrink, notes=notes)
    except BuildError as exc:
        print(f"error: {len(exc.issues)} problem(s) in the sources; nothing was written:", file=sys.stderr)
        for issue in exc.issues:
            print(f"  {issue}", file=sys.stderr)
        if isinstance(exc, ShrinkError):
            print(
                "If the data really shrank, run again with --allow-shrink (make data ETL_ARGS=--allow-shrink).",
                file=sys.stderr,
            )
        return 1
    print(f"Built {path.name} in {args.data}/current" + (" (provenance checked)" if args.provenance else ""))
    for note in notes:
        print(f"  {note}")
    for name, rows in dataset.rows.items():
        print(f"  {name:<8} {len(rows):>4} records")
    print(f"  flags    {len(dataset.flags):>4}")
    for flag in dataset.flags:
        print(f"    - {flag}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
