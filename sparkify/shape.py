"""Shapers: records in, staging rows out, in the column order of the staging tables.

A record that cannot be loaded raises RecordError with a sentence a person can act on.
"""

import math
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
# A number given as a JSON string must be written as JSON writes numbers: "39", "-1.5e3";
# not "²" (which str.isdigit() takes), "--5", "007", " 39", "0x1F", "NaN" or "1,5".
JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
SHOWN_CHARACTERS = 40  # of a refused value, in the reject's reason (raw holds all of it)

Repairs = Counter[str]  # how many values of each field a shaping call repaired


@lru_cache(maxsize=65_536)
def repair(value: str) -> str:
    """Undo mis-decoded UTF-8 (Björk arrives as BjÃ\x83Â¶rk), leaving real characters alone."""
    # fix_encoding only reverses mojibake: curly quotes, accents and ligatures stay as they are.
    return ftfy.fix_encoding(value)


def text(record: Record, field: str, repairs: Repairs) -> str | None:
    """Optional text, repaired if mis-decoded (counted in repairs); "" means unknown (null)."""
    value = record.get(field)
    # The common case first, cheaply: this runs for eight fields of every play.
    if value.__class__ is str and value.isascii() and "\x00" not in value:
        return value or None
    return text_value(value, field, repairs)


def text_value(value: object, field: str, repairs: Repairs) -> str | None:
    """The rule of text for a field's value, however it was decoded."""
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


def required_text(record: Record, field: str, repairs: Repairs) -> str:
    """Text that must be present and not empty."""
    value = text(record, field, repairs)
    if value is None:
        raise RecordError(f"{field} is missing")
    return value


def number_text(value: str) -> int | float | None:
    """The number a string spells in JSON's syntax, as if it were unquoted; else None."""
    match = JSON_NUMBER.fullmatch(value)
    if match is None:
        return None
    # int() refuses more than 4,300 digits; float() takes any (and may give inf, which the
    # callers refuse), as orjson reads a JSON number too big for 64 bits.
    if match.group(1) or match.group(2) or len(value) > 20:
        return float(value)
    return int(value)


def shown(value: object) -> str:
    """A refused value as a reject's reason shows it: its repr, cut when long."""
    text = repr(value)
    if len(text) <= SHOWN_CHARACTERS:
        return text
    return f"{text[:SHOWN_CHARACTERS]}... ({len(text):,} characters)"


def number(record: Record, field: str, repairs: Repairs) -> float | None:
    """An optional number: a JSON number or a string spelling one; null or "" is unknown."""
    value = record.get(field)
    if value is None or value.__class__ is float or value.__class__ is int:  # not bool
        return value
    if value == "":
        return None
    parsed = number_text(value) if isinstance(value, str) else None
    if parsed is None or not math.isfinite(parsed):
        raise RecordError(f"{field} is not a number: {shown(value)}")
    return parsed


def whole_number(record: Record, field: str, limit: int = INT4_MAX) -> int | None:
    """An optional whole number within ±limit, by the rule of number; null or "" is None."""
    value = record.get(field)
    if value.__class__ is int and -limit <= value <= limit:
        return value
    if value is None or value == "":
        return None
    parsed = number_text(value) if isinstance(value, str) else value
    if parsed.__class__ is float and parsed.is_integer():  # 5.0 and "5.0" as 5; inf is not
        parsed = int(parsed)
    if parsed.__class__ is not int or abs(parsed) > limit:
        raise RecordError(f"{field} is not a whole number in range: {shown(value)}")
    return parsed


def integer(record: Record, field: str, repairs: Repairs, limit: int = INT4_MAX) -> int:
    """A required whole number within ±limit (see whole_number)."""
    value = record.get(field)
    if value.__class__ is int and -limit <= value <= limit:  # the common case, cheaply
        return value
    # The logs give userId as digits in a string: read them without whole_number's regex.
    if value.__class__ is str and is_small_digits(value) and int(value) <= limit:
        return int(value)
    parsed = whole_number(record, field, limit)
    if parsed is None:
        raise RecordError(f"{field} is missing")
    return parsed


def is_small_digits(value: str) -> bool:
    """Whether text is under ten digits written as JSON writes a number: no leading zero.

    Such text is read as itself: str(int(value)) gives back value.
    """
    return (
        value.isascii()
        and value.isdigit()
        and len(value) < 10
        and (value[0] != "0" or value == "0")
    )


def level(record: Record, field: str, repairs: Repairs) -> str:
    """The subscription level, free or paid."""
    value = required_text(record, field, repairs)
    if value not in LEVELS:
        raise RecordError(f"level is neither free nor paid: {value!r}")
    return value


def year(record: Record, field: str, repairs: Repairs) -> int | None:
    """A song's year; 0 means unknown (null), whether written 0, 0.0 or "0"."""
    return whole_number(record, field, INT4_MAX) or None


def duration(record: Record, field: str, repairs: Repairs) -> float:
    """A song's duration in seconds, required."""
    value = number(record, field, repairs)
    if value is None:
        raise RecordError(f"{field} is missing")
    return value


def timestamp_ms(record: Record, field: str, repairs: Repairs) -> int:
    """A time in milliseconds since the epoch."""
    return integer(record, field, repairs, limit=TS_MAX)


# A staged column's value: a shaper and the record's field it reads. Called as a pair: a partial
# or a lambda in between costs a second call per field (a literal tuple is faster still, but it
# could swap two fields unseen). Every shaper is given the caller's repairs, whether it can
# repair text or not, so that all are called the same way.
Shaper = tuple[Callable[[Record, str, Repairs], object], str]


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


def song_row(file: str, record: Record, repairs: Repairs) -> Row:
    """The staging row of one song record; year 0 and empty strings mean unknown.

    What it repairs is counted in repairs, the caller's own (a batch's, in any process).
    """
    return (file, *[shape(record, field, repairs) for shape, field in SONG_SHAPERS])


def is_play(record: Record) -> bool:
    """Whether an event is a song play (page NextSong); only plays are loaded."""
    return record.get("page") == "NextSong"


def event_row(record: Record, repairs: Repairs) -> Row:
    """The staging row of one NextSong event; what it repairs is counted in repairs."""
    return tuple([shape(record, field, repairs) for shape, field in EVENT_SHAPERS])
