"""`python -m etl`: validate the sources, check them against their documents, write the Parquet tables.

The documents' text (each origin's ``seed_file``) is looked for in ``--documents``, else in the folder the
``SOURCES_DIR`` environment variable names, else in ``../shared/seeds`` beside the repository. When none of
these exists the tables are still built, and the summary says in one line that provenance was not checked
(``--require-provenance``, or ``REQUIRE_PROVENANCE=1``, makes that an error: CI sets it).
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from pathlib import Path

from etl.build import RECORDS_DIR, BuildError, ShrinkError, build
from etl.store import BuildLocked, build_lock

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT / "data"
DEFAULT_DOCUMENTS = ROOT.parent / "shared" / "seeds"


def documents_folders(given: list[Path] | None) -> tuple[list[Path], str | None]:
    """(folders to check against, error): flags first, then SOURCES_DIR, then the default if it exists.

    A folder asked for by flag or environment that does not exist is an error; a missing default is not.
    """
    if given:
        missing = [p for p in given if not p.is_dir()]
        return given, (f"--documents {missing[0]}: no such folder" if missing else None)
    env = os.environ.get("SOURCES_DIR", "").strip()
    if env:
        path = Path(env)
        return [path], (None if path.is_dir() else f"SOURCES_DIR={env}: no such folder")
    return ([DEFAULT_DOCUMENTS] if DEFAULT_DOCUMENTS.is_dir() else []), None


# A data folder that cannot be written (read-only, full, over quota, not ours) is one line, not a traceback.
UNWRITABLE = {errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EDQUOT, errno.ENOTDIR}


def _inside(filename: object, data: Path) -> bool:
    """Whether an OSError's file is the data folder or in it (None: raised by the write, so yes)."""
    if filename is None:
        return True
    path, root = Path(os.fsdecode(filename)).absolute(), data.absolute()
    return path == root or root in path.parents


def _where(exc: OSError, data: Path) -> str:
    """What to do about an OSError writing the build, naming the data folder."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"free some space on the disk of {data}, or choose another folder with --data"
    return f"make {data} writable, or choose another folder with --data"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m etl", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder the tables are written to")
    parser.add_argument(
        "--sources",
        type=Path,
        action="append",
        help="a folder of YAML sources; give it more than once to build several together (default: etl/sources)",
    )
    parser.add_argument(
        "--documents",
        type=Path,
        action="append",
        help="a folder of the documents' text; repeatable (default: $SOURCES_DIR, else ../shared/seeds)",
    )
    parser.add_argument(
        "--require-provenance",
        action="store_true",
        default=os.environ.get("REQUIRE_PROVENANCE") == "1",
        help="fail when no documents folder is found, instead of building without the check",
    )
    parser.add_argument(
        "--allow-shrink",
        action="store_true",
        help="publish even if a survey has no results or a table loses more than half its rows "
        "against the current build (refused by default)",
    )
    parser.add_argument(
        "--wait",
        action="store_true",
        help="if another build is writing to the same data folder, wait for it instead of stopping",
    )
    return parser


def _summary(dataset, path: Path, data: Path, documents: list[Path], notes: list[str]) -> None:
    """What a successful build prints: where it went, its row counts, flags and whether provenance was checked."""
    print(f"Built {path.name} in {data}/current")
    for note in notes:
        print(f"  {note}")
    for name, rows in dataset.rows.items():
        print(f"  {name:<10} {len(rows):>4} records")
    print(f"  flags      {len(dataset.flags):>4}")
    for flag in dataset.flags:
        print(f"    - {flag}")
    if documents:
        print(f"  provenance {dataset.provenance} ({', '.join(str(d) for d in documents)})")
    else:
        print(
            "  provenance NOT CHECKED: no documents folder found. To check every sentence against its document, "
            "set SOURCES_DIR to the folder of the documents' text and run `make data`."
        )


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    documents, error = documents_folders(args.documents)
    if error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not documents and args.require_provenance:
        print(
            f"error: provenance is required but no documents folder was found (looked for $SOURCES_DIR and "
            f"{DEFAULT_DOCUMENTS}); set SOURCES_DIR to the folder of the documents' text",
            file=sys.stderr,
        )
        return 2
    notes: list[str] = []
    try:
        with build_lock(args.data, wait=args.wait):
            dataset, path = build(
                args.data, args.sources or [RECORDS_DIR], documents, allow_shrink=args.allow_shrink, notes=notes
            )
    except BuildLocked as exc:
        print(f"error: {exc}; wait for it to finish, or run again with --wait", file=sys.stderr)
        return 3
    except OSError as exc:
        if exc.errno not in UNWRITABLE or not _inside(exc.filename, args.data):
            raise
        print(
            f"error: cannot write the build in {args.data}: {exc.strerror} ({_where(exc, args.data)})", file=sys.stderr
        )
        return 4
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
    _summary(dataset, path, args.data, documents, notes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
