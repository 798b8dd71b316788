"""etl.ipynb's queries: the rows that one song file and one log file gave each table."""

from psycopg2 import sql

# The rows of any table whose column holds one of the values given as a list.
rows_with_values = sql.SQL("select * from {} where {} = any(%s) order by 1")

# The plays of the given natural keys, each with the song and artist it matched, if any.
# The three lists are parallel: the i-th user_id, session_id and item_in_session make a key.
songplays_with_match = """
select
    sp.songplay_id,
    sp.start_time,
    sp.user_id,
    sp.session_id,
    sp.item_in_session,
    sp.level,
    sp.song_id,
    s.title,
    sp.artist_id,
    a.name as artist_name
from unnest(
    %(user_ids)s::integer[],
    %(session_ids)s::integer[],
    %(items)s::integer[]
) as k (user_id, session_id, item_in_session)
inner join songplays as sp
    on sp.user_id = k.user_id
    and sp.session_id = k.session_id
    and sp.item_in_session = k.item_in_session
left join songs as s
    on s.song_id = sp.song_id
left join artists as a
    on a.artist_id = sp.artist_id
order by
    sp.start_time,
    sp.user_id,
    sp.item_in_session
"""
