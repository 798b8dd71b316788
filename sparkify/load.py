"""The loader: staging rows in, COPY into temporary tables, one merge per star table."""

import itertools
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime

import psycopg2
import psycopg2.errors
from psycopg2 import sql
from psycopg2.extensions import connection, cursor

from sparkify import interrupt
from sparkify import queries as q
from sparkify.db import database_error
from sparkify.errors import SchemaError
from sparkify.intake import Intake
from sparkify.manifest import NOTHING_LOADED, FilePath, Manifest
from sparkify.report import Summary
from sparkify.runs import record_run

logger = logging.getLogger(__name__)

Status = Callable[[str], None]  # told what the load is doing, for a person watching it

# A load that may change more plays than this share of songplays, and more than REBUILD_MIN,
# rebuilds the dashboard's summaries whole: summing every play once is then cheaper than
# following each change. At 1M events on the development machine (python -m bench.new_day
# --days 3 and 7 --day-events 0), keeping them by the changes took 2.2 s for 82,837 new plays
# (10 %) and 5.0 s for 200,173 (24 %), against 7.5 to 11 s for a rebuild that keeps the
# summaries' keys (so that the dashboard reads them meanwhile): about even near 40 %. Under
# REBUILD_MIN either way is quick.
REBUILD_SHARE = 0.4
REBUILD_MIN = 20_000
# Song files whose manifest entries are read at once (about 2 MB of paths and entries): each
# chunk is one COPY into stage_songs, its entries read between it and the one before.
SONG_FILES_PER_LOOKUP = 5_000
MANIFEST_PAGE_ROWS = 5_000  # the manifest's rows fetched at a time beside the walk


class ChunkStream:
    """A file-like object that COPY reads, one chunk of text at a time from an iterator.

    One COPY streams every chunk, so PostgreSQL ingests a chunk while Python makes the next,
    and memory holds a few chunks, never the whole input.
    """

    def __init__(self, chunks: Iterable[str]) -> None:
        self._chunks = iter(chunks)

    def read(self, size: int = -1) -> str:
        """The next chunk, whatever size is asked (psycopg2 sends what it gets); "" at the end."""
        interrupt.check()  # Ctrl-C does not raise inside the driver: stop here instead
        # An empty chunk (a file without plays) must not read as the end of the stream.
        return next((chunk for chunk in self._chunks if chunk), "")


def check_schema(conn: connection) -> None:
    """Fail with a clear message when create_tables.py has not run on this database."""
    with conn, conn.cursor() as cur:
        cur.execute(q.schema_loaded)
        if not cur.fetchone()[0]:
            raise SchemaError("the star schema is missing: run python create_tables.py first")


def take_load_lock(cur: cursor, notice: Status) -> None:
    """Hold the database's load lock until commit, waiting for a running load if need be."""
    cur.execute(q.load_lock_try)
    if not cur.fetchone()[0]:
        notice("another etl.py is loading this database: waiting for it")
        cur.execute(q.load_lock_wait)


def add_file_columns(cur: cursor) -> None:
    """Give a manifest made before it kept modification times, or check times, their column."""
    for column, add in q.file_table_column_adds.items():
        cur.execute(q.file_table_column_exists, {"column": column})
        if not cur.fetchone()[0]:
            cur.execute(add)


def add_row_counters(cur: cursor) -> None:
    """Give a database made before the row counters its counters, counting each table once."""
    cur.execute(q.row_counters_exist)
    if not cur.fetchone()[0]:
        run_all(cur, [*q.row_counter_create_queries, q.row_counters_recount])


def read_manifest(cur: cursor, paths: list[str], full_refresh: bool) -> Manifest:
    """What the manifest holds of these files: path -> (size, sha256, settled time or None).

    Nothing under full_refresh: every file is then read again.
    """
    if full_refresh or not paths:
        return NOTHING_LOADED
    cur.execute(q.file_manifest_select, {"paths": paths})
    return {path: (size, sha256, mtime_ns) for path, size, sha256, mtime_ns in cur}


class ManifestScan:
    """The manifest's entries of chunks of song files, read beside the walk that lists them.

    The walk gives the files in path order, and a server-side cursor gives the manifest in the
    same order, a page at a time: a chunk's entries are the rows up to its last path, so each
    row is read once, without a lookup per file. A chunk out of that order (a caller's own
    list) is looked up by its paths instead.
    """

    def __init__(self, cur: cursor) -> None:
        self._cur = cur
        self._rows: Iterator[tuple] = iter(())  # the page fetched, not yet passed
        self._row: tuple | None = None  # the first row past the last chunk
        self._last = ""  # the last path of the chunks read in order
        self._declared = self._ended = False

    def entries(self, chunk: list[str]) -> Manifest:
        """The manifest's entries of a chunk of paths."""
        if chunk[0] <= self._last or chunk != sorted(chunk):
            return read_manifest(self._cur, chunk, full_refresh=False)
        if not self._declared:
            self._cur.execute(q.file_manifest_scan_declare, {"first": chunk[0]})
            self._declared = True
        # Every row up to the chunk's last path: those of files no longer there are never asked
        # for, and leaving them in costs less than looking each path up.
        found, last = {}, chunk[-1]
        while (row := self._next_row()) is not None and row[0] <= last:
            found[row[0]] = row[1:]
            self._row = None
        self._last = last
        return found

    def close(self) -> None:
        """Close the cursor, if one was declared (the plays' COPY FREEZE wants none open)."""
        if self._declared:
            self._cur.execute(q.file_manifest_scan_close)
            self._declared = False

    def _next_row(self) -> tuple | None:
        """The next row of the manifest in path order, fetching a page if need be."""
        if self._row is None:
            self._row = next(self._rows, None)
        if self._row is None and not self._ended:
            self._cur.execute(q.file_manifest_scan_fetch, {"rows": MANIFEST_PAGE_ROWS})
            page = self._cur.fetchall()
            self._ended = len(page) < MANIFEST_PAGE_ROWS
            self._rows = iter(page)
            self._row = next(self._rows, None)
        return self._row


def chunks(paths: Iterable[FilePath], size: int) -> Iterator[list[str]]:
    """The paths as text, size at a time."""
    texts = map(str, paths)
    return iter(lambda: list(itertools.islice(texts, size)), [])


def run_all(cur: cursor, statements: Iterable[str]) -> None:
    """Run statements in order, logging the rows each touched and its time."""
    for statement in statements:
        started = time.perf_counter()
        cur.execute(statement)
        name = " ".join(statement.split()[:3])
        logger.info("%s: %d rows, %.2f s", name, cur.rowcount, time.perf_counter() - started)


def stage(cur: cursor, table: str, copy_sql: str, chunks: Iterable[str]) -> int:
    """COPY chunks of COPY text into a staging table in one statement; return the rows."""
    started = time.perf_counter()
    cur.copy_expert(copy_sql, ChunkStream(chunks))
    logger.info("copy %s: %d rows, %.2f s", table, cur.rowcount, time.perf_counter() - started)
    return cur.rowcount


def stage_songs(cur: cursor, intake: Intake, paths: Iterable[FilePath], full_refresh: bool) -> int:
    """COPY the new and changed song files into stage_songs; return the rows.

    SONG_FILES_PER_LOOKUP files at a time: their manifest entries are read between two COPYs,
    so the load never holds the song files' list or their manifest whole (500,000 files at
    10M events).
    """
    started = time.perf_counter()
    staged = 0
    scan = ManifestScan(cur)
    for chunk in chunks(paths, SONG_FILES_PER_LOOKUP):
        manifest = NOTHING_LOADED if full_refresh else scan.entries(chunk)
        cur.copy_expert(q.song_stage_copy, ChunkStream(intake.song_text(chunk, manifest)))
        staged += cur.rowcount
    scan.close()
    logger.info("copy stage_songs: %d rows, %.2f s", staged, time.perf_counter() - started)
    return staged


def merge_songs(cur: cursor, staged: int, citus: bool, status: Status) -> None:
    """Merge the staged songs and artists, and match again the plays of the songs they change."""
    run_all(cur, q.citus_late_match_stage_queries if citus else q.late_match_stage_queries)
    if staged:
        status("merging the songs and artists")
        run_all(cur, q.citus_song_merge_queries if citus else q.song_merge_queries)


def merge_plays(cur: cursor, staged: int, citus: bool) -> None:
    """Merge the staged plays into time, users and songplays: in bulk into an empty songplays."""
    cur.execute(q.songplay_bulk_load)
    if not (staged and cur.fetchone()[0]):
        run_all(cur, q.event_merge_queries)
    elif citus or not merge_in_bulk(cur):
        run_all(cur, q.keyed_bulk_merge_queries)


def uses_citus(cur: cursor) -> bool:
    """Whether the database has the citus extension (create_tables.py --distributed)."""
    cur.execute(q.citus_installed)
    return cur.fetchone()[0]


def merge_in_bulk(cur: cursor) -> bool:
    """Merge with the keys of time and songplays dropped and rebuilt; False if it was undone.

    Rebuilding songplays' unique key fails when the load stages a play twice: the merge is
    then undone, for merge_plays to redo with on conflict, which keeps one of the two. (Citus
    cannot run the bulk inserts' anti-joins: correlated subqueries over songplays.)
    """
    cur.execute(q.bulk_merge_savepoint)
    try:
        run_all(cur, q.bulk_merge_queries)
    except psycopg2.errors.UniqueViolation:
        cur.execute(q.bulk_merge_rollback)
        logger.info("a play is staged twice: merging again, with on conflict")
        return False
    cur.execute(q.bulk_merge_release)
    return True


def too_many_changes(changed: int, plays: float) -> bool:
    """Whether changing this many plays of about so many costs more than a full rebuild.

    plays is pg_class's estimate, -1 before songplays was first analyzed: then it is not.
    """
    return changed > REBUILD_MIN and changed > REBUILD_SHARE * plays >= 0


def keep_summary_changes(cur: cursor, citus: bool) -> bool:
    """Whether this load keeps the summaries by its changes; if so, count the plays it may change.

    Run before the merges of time, users and songplays. A first load, a load that changes a large
    share of the plays and every load on Citus rebuild the summaries whole instead.
    """
    if citus:
        return False
    cur.execute(q.summary_tables_exist)
    if not cur.fetchone()[0]:
        return False
    cur.execute(q.songplay_bulk_load)
    if cur.fetchone()[0]:
        return False  # no play yet: summing them all is the cheapest
    cur.execute(q.summary_change_size)
    if too_many_changes(*cur.fetchone()):
        return False
    started = time.perf_counter()
    run_all(cur, q.summary_change_keep_queries)
    logger.info("summaries: plays counted before the merges, %.2f s", time.perf_counter() - started)
    return True


def refresh_summaries(cur: cursor, by_changes: bool, citus: bool) -> None:
    """Bring the dashboard's summaries up to date with songplays if this load staged anything.

    by_changes: keep_summary_changes counted the plays before the merges, so the summaries follow
    what the load changed (unless its gender changes move too many plays); otherwise they are
    rebuilt whole from songplays.
    """
    started = time.perf_counter()
    cur.execute(q.summary_tables_exist)
    if not cur.fetchone()[0]:
        # A database made before the summaries or their keys: it gets them now, whatever was
        # staged, rebuilt whole.
        run_all(cur, q.summary_create_queries)
        by_changes = False
    elif not staged_anything(cur):
        return
    elif by_changes:
        run_all(cur, [q.jit_off])  # for the count below: either way sets it back after
        cur.execute(q.summary_regendered_play_count)
        by_changes = not too_many_changes(*cur.fetchone())
    if by_changes:
        run_all(cur, q.summary_change_queries)
    else:
        run_all(cur, rebuild_queries(cur, citus))
    how = "kept by this load's changes" if by_changes else "rebuilt whole"
    logger.info("summaries: %s, %.2f s", how, time.perf_counter() - started)


def staged_anything(cur: cursor) -> bool:
    """Whether this load staged anything that can change songplays."""
    cur.execute(q.load_staged_anything)
    return cur.fetchone()[0]


def rebuild_queries(cur: cursor, citus: bool) -> list[str]:
    """The statements that rebuild the summaries whole: a first build if they are empty."""
    cur.execute(q.summaries_empty)
    if cur.fetchone()[0]:
        return q.citus_summary_first_build_queries if citus else q.summary_first_build_queries
    return q.citus_summary_rebuild_queries if citus else q.summary_rebuild_queries


def record_files(cur: cursor, intake: Intake) -> None:
    """Write the run's rejects to etl_rejects and its files to the manifest."""
    started = time.perf_counter()
    cur.copy_expert(q.reject_copy, intake.reject_csv())
    cur.copy_expert(q.file_stage_copy, intake.manifest_text())
    cur.execute(q.file_table_upsert, {"run_id": intake.run_id})
    recorded = cur.rowcount
    cur.copy_expert(q.checked_stage_copy, intake.checked_text())
    cur.execute(q.checked_file_update)
    logger.info(
        "record rejects and manifest: %d files read, %d checked unchanged, %.2f s",
        recorded,
        cur.rowcount,
        time.perf_counter() - started,
    )


def no_status(text: str) -> None:
    """Show nothing of what the load is doing (the default of load's status)."""


def load(
    conn: connection,
    intake: Intake,
    song_files: Iterable[FilePath],
    log_files: Iterable[FilePath],
    *,
    full_refresh: bool = False,
    started_at: datetime | None = None,
    status: Status = no_status,
    notice: Status = no_status,
) -> Summary:
    """Stage and merge songs, events, rejects, the manifest and the run's row in one transaction.

    Files the manifest says are loaded and unchanged are passed over, unless full_refresh.
    status is told, in a few words, each step that runs for long without reading a file;
    notice, of a wait for another load.
    """
    started_at = started_at or datetime.now(UTC)
    try:
        with conn, conn.cursor() as cur:
            take_load_lock(cur, notice)
            citus = uses_citus(cur)
            run_all(cur, q.citus_load_settings_queries if citus else q.load_settings_queries)
            if not citus:
                add_row_counters(cur)
            status("counting the rows of the tables")
            before, _ = row_counts(cur, citus)
            add_file_columns(cur)
            run_all(cur, q.stage_table_queries)
            songs = stage_songs(cur, intake, song_files, full_refresh)
            logs = [str(path) for path in log_files]  # one a day: few enough to hold
            # The intake starts on the log files now, while the database merges the songs.
            play_text = intake.event_text(logs, read_manifest(cur, logs, full_refresh))
            merge_songs(cur, songs, citus, status)
            plays = stage(cur, "stage_events", q.event_stage_copy, play_text)
            status(f"merging {plays:,} song plays into time, users and songplays")
            run_all(cur, q.event_stage_analyze_queries)
            by_changes = keep_summary_changes(cur, citus)
            merge_plays(cur, plays, citus)
            status("updating the dashboard's summaries")
            refresh_summaries(cur, by_changes, citus)
            status("recording the files read and the rejects")
            record_files(cur, intake)
            status("counting the rows of the tables")
            summary = count_summary(cur, citus, intake)
            record_run(cur, summary, before, started_at)
            status("committing")
            started = time.perf_counter()
        logger.info("commit: %.2f s", time.perf_counter() - started)
    except psycopg2.Error as exc:
        raise database_error(exc, "the load was rolled back") from exc
    return summary


def row_counts(cur: cursor, citus: bool) -> tuple[dict[str, int], int]:
    """The rows of each star table and the plays matched to a song.

    On one server, as the row counters keep them; on Citus, which has no counters, counted.
    """
    if citus:
        return counted_rows(cur)
    cur.execute(q.row_counts_select)
    kept = {table: (rows, matched) for table, rows, matched in cur}
    return {table: kept[table][0] for table in q.star_tables}, kept["songplays"][1]


def counted_rows(cur: cursor) -> tuple[dict[str, int], int]:
    """The rows of each star table and the plays matched to a song, counted."""
    counts = {}
    for table in q.star_tables:
        cur.execute(q.table_row_count.format(sql.Identifier(table)))
        counts[table] = cur.fetchone()[0]
    cur.execute(q.songplay_matched_count)
    return counts, cur.fetchone()[0]


def count_summary(cur: cursor, citus: bool, intake: Intake) -> Summary:
    """The load's summary: the tables' rows, the plays matched and the intake's report."""
    started = time.perf_counter()
    counts, matched = row_counts(cur, citus)
    logger.info("the rows of the star tables: %.2f s", time.perf_counter() - started)
    return Summary(counts, matched, intake.run_id, intake.report())


def summarize(conn: connection) -> Summary:
    """Row counts of the star tables and how many plays matched a song, counted in a transaction.

    Counted, not read from the row counters: the notebooks check the tables as they are.
    """
    with conn, conn.cursor() as cur:
        return Summary(*counted_rows(cur))
