"""Late songs: what a load of a few new song files costs on databases of growing size.

Each size's generated data set is loaded into a fresh database; then a folder of new song files,
one for each of some distinct songs that plays name but song_data lacks, is loaded on top, as a
late catalogue drop. Its cost should follow the new songs, not the plays the database holds.

    python -m bench.late_songs --events 100000 --events 1000000 --new-songs 200
"""

import argparse
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import orjson

from bench.measure import measure
from bench.new_day import summary_seconds
from bench.options import add_dsn_server, add_events
from bench.run import DATA_ROOT, Databases, checkpoint, ensure_data, log, run_ours
from tools.pg import query

# The unmatched songs as played, the most played first: the new song files are made of them.
UNMATCHED_SONGS = """
select
    sp.song_title,
    sp.artist_name,
    sp.song_length
from songplays as sp
where sp.song_id is null
    and sp.song_title is not null
    and sp.artist_name is not null
    and sp.song_length is not null
group by 1, 2, 3
order by count(*) desc, 1, 2, 3
limit %s
"""
MATCHED = "select count(*) from songplays where song_id is not null"
PLAYS = "select count(*) from songplays"
DEFAULT_EVENTS = (100_000, 1_000_000)
# The late match's --verbose line: on a single server it records the plays it changes.
REMATCH_LINE = re.compile(r"(?:update songplays as|with rematched as): (\d+) rows, ([0-9.]+) s")


def write_late_songs(root: Path, played: list[tuple]) -> None:
    """One song file per played song, in a data folder of its own with an empty log_data."""
    (root / "log_data").mkdir(parents=True)
    for n, (title, artist, length) in enumerate(played):
        folder = root / "song_data" / "LATE"
        folder.mkdir(parents=True, exist_ok=True)
        record = {
            "song_id": f"SOLATE{n:06d}",
            "title": title,
            "artist_id": f"ARLATE{n:06d}",
            "artist_name": artist,
            "duration": orjson.Fragment(str(length).encode()),  # exact, as the plays hold it
            "year": 0,
        }
        (folder / f"SOLATE{n:06d}.json").write_bytes(orjson.dumps(record))


def measure_size(events: int, new_songs: int, server: str, work: Path) -> str:
    """Load one size, then the late songs on top; the report line."""
    data = ensure_data(DATA_ROOT, max(1, events // 20), events)
    with Databases(server) as databases:
        dsn = databases.create(f"late{events}")
        log(f"{events:,} events: loading")
        run_ours(dsn, data.path, work)
        played = query(dsn, UNMATCHED_SONGS, (new_songs,))
        late = work / f"late-{events}"
        write_late_songs(late, played)
        before = query(dsn, MATCHED)[0][0]
        checkpoint(server)
        log(f"{events:,} events: loading {len(played)} late song files")
        etl = [sys.executable, "etl.py", "--dsn", dsn, "--data", str(late), "--verbose"]
        run = measure(etl, work / f"late-{events}.log")
        after, plays = query(dsn, MATCHED)[0][0], query(dsn, PLAYS)[0][0]
        found = REMATCH_LINE.search(run.output)
        rematch_s = float(found.group(2)) if found else float("nan")
    return (
        f"| {events:,} | {plays:,} | {len(played):,} | {after - before:,} | "
        f"{rematch_s:.3f} | {summary_seconds(run.output):.3f} | {run.seconds:.2f} |"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Measure each size; print a Markdown table."""
    parser = argparse.ArgumentParser(prog="python -m bench.late_songs", description=__doc__)
    add_events(parser, DEFAULT_EVENTS)
    parser.add_argument(
        "--new-songs",
        type=int,
        default=200,
        metavar="K",
        help="late song files to load on top (default 200)",
    )
    add_dsn_server(parser)
    args = parser.parse_args(argv)
    lines = [
        "| events | plays | late songs | plays matched by them | re-match s | summaries s "
        "| etl.py s |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    with tempfile.TemporaryDirectory(prefix="bench-late-") as tmp:
        for events in args.events or DEFAULT_EVENTS:
            lines.append(measure_size(events, args.new_songs, args.dsn_server, Path(tmp)))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
