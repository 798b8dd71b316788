"""The schema's shape: names, keys and constraints that analysts and Citus rely on."""

from helpers import query

COLUMNS = {
    "songplays": [
        "songplay_id", "start_time", "user_id", "level", "song_id", "artist_id",
        "session_id", "item_in_session", "location", "user_agent",
        "song_title", "artist_name", "song_length",
    ],
    "users": ["user_id", "first_name", "last_name", "gender", "level", "last_played_at"],
    "songs": ["song_id", "title", "artist_id", "year", "duration", "source_file"],
    "artists": ["artist_id", "name", "location", "latitude", "longitude", "source_file"],
    "time": ["start_time", "hour", "day", "week", "month", "year", "weekday"],
}  # fmt: skip


def test_tables_have_the_contracted_columns(schema: str):
    for table, columns in COLUMNS.items():
        found = query(
            schema,
            "select column_name from information_schema.columns "
            "where table_name = %s order by ordinal_position",
            (table,),
        )
        assert [c for (c,) in found] == columns


def test_every_unique_key_of_songplays_includes_user_id(schema: str):
    keys = query(
        schema,
        "select pg_get_indexdef(indexrelid) from pg_index "
        "where indrelid = 'songplays'::regclass and indisunique",
    )
    assert len(keys) == 2
    assert all("user_id" in definition for (definition,) in keys)


def test_songplays_has_foreign_keys_to_every_dimension(schema: str):
    targets = query(
        schema,
        "select confrelid::regclass::text from pg_constraint "
        "where conrelid = 'songplays'::regclass and contype = 'f'",
    )
    assert sorted(t for (t,) in targets) == ['"time"', "artists", "songs", "users"]


def test_the_song_match_is_indexed_both_ways(schema: str):
    indexes = query(schema, "select indexdef from pg_indexes where tablename = 'songs'")
    assert any("(title, duration)" in definition for (definition,) in indexes)
    indexes = query(schema, "select indexdef from pg_indexes where tablename = 'songplays'")
    assert any("(song_title)" in definition for (definition,) in indexes)
