"""The loader's bookkeeping: the manifest, rejects, the run history, settings and the load lock."""

from psycopg2 import sql

run_committed_insert = """
insert into etl_runs (
    run_id,
    started_at,
    ended_at,
    outcome,
    files_read,
    files_unchanged,
    rejected,
    songplays_added,
    users_added,
    songs_added,
    artists_added,
    time_added,
    matched_plays
)
values (
    %(run_id)s,
    %(started_at)s,
    clock_timestamp(),
    'committed',
    %(files_read)s,
    %(files_unchanged)s,
    %(rejected)s,
    %(songplays_added)s,
    %(users_added)s,
    %(songs_added)s,
    %(artists_added)s,
    %(time_added)s,
    %(matched_plays)s
)
"""

run_failed_insert = """
insert into etl_runs (
    run_id,
    started_at,
    ended_at,
    outcome,
    reason
)
values (
    %(run_id)s,
    %(started_at)s,
    clock_timestamp(),
    %(outcome)s,
    %(reason)s
)
"""

# Room for the merges' sorts and hashes, for this transaction only (the default 4MB spills).
load_work_mem_set = "set local work_mem = '256MB'"

# A load whose client died (killed, lost network) stops within a second instead of running
# its statement to the end while holding the load lock.
load_connection_check_set = "set local client_connection_check_interval = '1s'"

# On Citus, one connection per node from the start: once the load modifies the reference tables
# that songplays references, Citus runs the transaction's multi-shard commands so anyway, and a
# parallel read before that (the row counts) makes the modification fail ("cannot modify table
# artists because there was a parallel operation on a distributed table").
citus_sequential_mode_set = "set local citus.multi_shard_modify_mode to 'sequential'"

# One load at a time per database: a second run waits for the first to commit.
load_lock_try = """
select pg_try_advisory_xact_lock(hashtext('sparkify.etl'))
"""

load_lock_wait = """
select pg_advisory_xact_lock(hashtext('sparkify.etl'))
"""

# A file's modification time counts only if it is well before the start of the load that last
# read or hashed it (manifest.is_settled): 2 s covers file systems that keep times to a second
# or two.
file_manifest_columns = """
    f.path,
    f.size,
    f.sha256,
    case
        when f.mtime_ns
            < (extract(epoch from coalesce(f.checked_at, f.loaded_at)) - 2) * 1000000000
            then f.mtime_ns
    end as settled_mtime_ns
"""

# The manifest's entries of the files named: the log files, or song files not in path order.
file_manifest_select = f"""
select {file_manifest_columns}
from etl_files as f
where f.path = any (%(paths)s)
"""

# The manifest's entries from a path on, in the order of Python's text (code points, as the
# bytes of UTF-8 sort under "C"): read a page at a time beside the walk of the song files,
# between two COPYs. The cursor closes with the transaction.
file_manifest_scan_declare = f"""
declare manifest_scan no scroll cursor for
select {file_manifest_columns}
from etl_files as f
where f.path collate "C" >= %(first)s
order by f.path collate "C"
"""

file_manifest_scan_fetch = "fetch forward %(rows)s from manifest_scan"
file_manifest_scan_close = "close manifest_scan"  # before COPY FREEZE, which wants none open

reject_copy = """
copy etl_rejects (
    run_id,
    file,
    line,
    reason,
    raw
) from stdin with (format csv)
"""


# What the tables hold after a load (etl.py's summary, etl_runs).

table_row_count = sql.SQL("select count(*) from {}")

songplay_matched_count = """
select count(*)
from songplays
where song_id is not null
"""


load_settings_queries = [load_work_mem_set, load_connection_check_set]
citus_load_settings_queries = [*load_settings_queries, citus_sequential_mode_set]
