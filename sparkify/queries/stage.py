"""Staging: the temporary tables one load COPYs its parsed rows into, and their statistics."""

from sparkify.staging import STAGE_CHECKED, STAGE_EVENTS, STAGE_FILES, STAGE_SONGS

# Temporary: one load's parsed rows, gone at commit.
song_stage_create = STAGE_SONGS.create()
song_stage_copy = STAGE_SONGS.copy()
event_stage_create = STAGE_EVENTS.create()
# Frozen: every merge scans the plays staged, and frozen rows on all-visible pages skip each
# row's visibility check (insert into time took 1.7 s against 2.1 s at 1M events).
event_stage_copy = STAGE_EVENTS.copy(freeze=True)

# Temporary tables have no statistics until analyzed; the merges' plans need them, for the
# columns they join and group on. Row counts and rough distinct counts are enough, not fine
# histograms: a tenth of the default sample makes the analyze ten times faster. (Set after the
# songs are analyzed: their statistics stay, for the analysts' queries.)
event_stage_statistics_set = "set local default_statistics_target = 10"

event_stage_analyze = """
analyze stage_events (ts, start_time, user_id, session_id, item_in_session, song, artist, length)
"""

# Fresh statistics of the songs just merged let the song match hash-join a big load (25 % faster
# at 1M plays than the merge join that stale estimates choose) and index-probe a small one; those
# of the song keys let the late match probe the played-song index for a few songs.
song_tables_analyze = "analyze songs, artists, stage_song_keys"

file_stage_create = STAGE_FILES.create()
file_stage_copy = STAGE_FILES.copy()
checked_stage_create = STAGE_CHECKED.create()
checked_stage_copy = STAGE_CHECKED.copy()


stage_table_queries = [
    song_stage_create,
    event_stage_create,
    file_stage_create,
    checked_stage_create,
]
event_stage_analyze_queries = [event_stage_statistics_set, event_stage_analyze]
