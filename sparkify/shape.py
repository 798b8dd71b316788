"""Shapers: records in, staging rows out, in the column order of the COPY statements.

A record that cannot be loaded raises RecordError with a sentence a person can act on.
"""

import re
from collections import Counter
from functools import lru_cache

import ftfy

from sparkify.errors import RecordError
from sparkify.read import Record

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


def level(record: Record) -> str:
    """The subscription level, free or paid."""
    value = required_text(record, "level")
    if value not in LEVELS:
        raise RecordError(f"level is neither free nor paid: {value!r}")
    return value


def song_row(file: str, record: Record) -> Row:
    """The staging row of one song record; year 0 and empty strings mean unknown."""
    duration = number(record, "duration")
    if duration is None:
        raise RecordError("duration is missing")
    year = integer(record, "year") if record.get("year") else None
    return (
        file,
        required_text(record, "song_id"),
        required_text(record, "title"),
        required_text(record, "artist_id"),
        year,
        duration,
        required_text(record, "artist_name"),
        text(record, "artist_location"),
        number(record, "artist_latitude"),
        number(record, "artist_longitude"),
    )


def is_play(record: Record) -> bool:
    """Whether an event is a song play (page NextSong); only plays are loaded."""
    return record.get("page") == "NextSong"


def event_row(record: Record) -> Row:
    """The staging row of one NextSong event."""
    return (
        integer(record, "ts", limit=TS_MAX),
        integer(record, "userId"),
        text(record, "firstName"),
        text(record, "lastName"),
        text(record, "gender"),
        level(record),
        text(record, "song"),
        text(record, "artist"),
        number(record, "length"),
        integer(record, "sessionId"),
        integer(record, "itemInSession"),
        text(record, "location"),
        text(record, "userAgent"),
    )
