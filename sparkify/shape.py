"""Shapers: records in, staging rows out, in the column order of the staging tables.

A record that cannot be loaded raises RecordError with a sentence a person can act on.
"""

import re
from collections import Counter
from collections.abc import Callable
from functools import lru_cache

import ftfy

from sparkify.errors import RecordError
from sparkify.read import Record
from sparkify.staging import STAGE_EVENTS, STAGE_SONGS, StagingTable

Row = tuple[object, ...]

INT4_MAX = 2**31 - 1
# ms since the epoch: ±3,000 years keeps every start_time inside PostgreSQL's timestamp range.
TS_MAX = 10**14
LEVELS = ("free", "paid")
DIGITS = re.compile(r"-?[0-9]+")  # str.isdigit() also takes "²", which int() refuses


# How many values of each field were repaired since the process started; readers take deltas.
repairs: Counter[str] = Counter()


@lru_cache(maxsize=65_536)
def repair(value: str) -> str:
    """Undo mis-decoded UTF-8 (Björk arrives as BjÃ\x83Â¶rk), leaving real characters alone."""
    # fix_encoding only reverses mojibake: curly quotes, accents and ligatures stay as they are.
    return ftfy.fix_encoding(value)


def text(record: Record, field: str) -> str | None:
    """Optional text, repaired if mis-decoded; an empty string means unknown (null)."""
    value = record.get(field)
    # The common case first, cheaply: this runs for eight fields of every play.
    if value.__class__ is str and value.isascii() and "\x00" not in value:
        return value or None
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RecordError(f"{field} is not text: {value!r}")
    if "\x00" in value:
        # PostgreSQL text cannot hold NUL; refusing one record beats failing the load.
        raise RecordError(f"{field} contains a NUL character")
    fixed = repair(value)
    if fixed != value:
        repairs[field] += 1
    return fixed


def required_text(record: Record, field: str) -> str:
    """Text that must be present and not empty."""
    value = text(record, field)
    if value is None:
        raise RecordError(f"{field} is missing")
    return value


def number(record: Record, field: str) -> float | None:
    """An optional number; a value of another type is refused."""
    value = record.get(field)
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    raise RecordError(f"{field} is not a number: {value!r}")


def integer(record: Record, field: str, limit: int = INT4_MAX) -> int:
    """A required whole number within ±limit; JSON may give it as digits in a string."""
    value = record.get(field)
    if value.__class__ is int and -limit <= value <= limit:
        return value
    if value is None or value == "":
        raise RecordError(f"{field} is missing")
    if (isinstance(value, str) and DIGITS.fullmatch(value)) or (
        isinstance(value, float) and value.is_integer()
    ):
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or abs(value) > limit:
        raise RecordError(f"{field} is not a whole number in range: {value!r}")
    return value


def level(record: Record, field: str) -> str:
    """The subscription level, free or paid."""
    value = required_text(record, field)
    if value not in LEVELS:
        raise RecordError(f"level is neither free nor paid: {value!r}")
    return value


def year(record: Record, field: str) -> int | None:
    """A song's year; 0 means unknown (null)."""
    return integer(record, field) if record.get(field) else None


def duration(record: Record, field: str) -> float:
    """A song's duration in seconds, required."""
    value = number(record, field)
    if value is None:
        raise RecordError(f"{field} is missing")
    return value


def timestamp_ms(record: Record, field: str) -> int:
    """A time in milliseconds since the epoch."""
    return integer(record, field, limit=TS_MAX)


# A staged column's value: a shaper and the record's field it reads. Called as a pair: a partial
# or a lambda in between costs a second call per field (a literal tuple is faster still, but it
# could swap two fields unseen).
Shaper = tuple[Callable[[Record, str], object], str]


def in_column_order(
    table: StagingTable, shapers: dict[str, Shaper], given: int = 0
) -> list[Shaper]:
    """The shapers in the order of the table's COPY columns after the first `given` ones."""
    names = table.copied[given:]
    if sorted(names) != sorted(shapers):
        raise ValueError(f"{table.name}: shapers for {sorted(shapers)}, columns {sorted(names)}")
    return [shapers[name] for name in names]


# Each staging table's row (sparkify/staging.py), shaped column by column by name: the order
# comes from the table's declaration alone.
SONG_SHAPERS = in_column_order(
    STAGE_SONGS,
    {
        "song_id": (required_text, "song_id"),
        "title": (required_text, "title"),
        "artist_id": (required_text, "artist_id"),
        "year": (year, "year"),
        "duration": (duration, "duration"),
        "artist_name": (required_text, "artist_name"),
        "artist_location": (text, "artist_location"),
        "artist_latitude": (number, "artist_latitude"),
        "artist_longitude": (number, "artist_longitude"),
    },
    given=1,  # the file, which the intake knows
)

EVENT_SHAPERS = in_column_order(
    STAGE_EVENTS,
    {
        "ts": (timestamp_ms, "ts"),
        "user_id": (integer, "userId"),
        "first_name": (text, "firstName"),
        "last_name": (text, "lastName"),
        "gender": (text, "gender"),
        "level": (level, "level"),
        "song": (text, "song"),
        "artist": (text, "artist"),
        "length": (number, "length"),
        "session_id": (integer, "sessionId"),
        "item_in_session": (integer, "itemInSession"),
        "location": (text, "location"),
        "user_agent": (text, "userAgent"),
    },
)


def song_row(file: str, record: Record) -> Row:
    """The staging row of one song record; year 0 and empty strings mean unknown."""
    return (file, *[shape(record, field) for shape, field in SONG_SHAPERS])


def is_play(record: Record) -> bool:
    """Whether an event is a song play (page NextSong); only plays are loaded."""
    return record.get("page") == "NextSong"


def event_row(record: Record) -> Row:
    """The staging row of one NextSong event."""
    return tuple([shape(record, field) for shape, field in EVENT_SHAPERS])
