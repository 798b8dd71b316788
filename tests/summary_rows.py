"""The dashboard's summaries as what they count, not by their keys: to compare two databases.

Keys are given in the order songs were first played, so two databases that hold the same plays
may number them differently; joined to played_songs, the rows are the same.
"""

from helpers import query

SUMMARIES = {
    "hourly_plays": "select day, hour, user_id, level, location, user_agent, plays, matched "
    "from hourly_plays",
    "played_songs": "select song_title, artist_name, plays, matched from played_songs",
    "daily_song_plays": "select d.day, d.level, d.gender, k.song_title, k.artist_name, d.plays, "
    "d.matched from daily_song_plays as d inner join played_songs as k on k.song_key = d.song_key",
}


def summary_rows(dsn: str) -> dict[str, list[tuple]]:
    """Every row of the three summaries, by what it counts, sorted."""
    return {table: sorted(query(dsn, select), key=repr) for table, select in SUMMARIES.items()}
