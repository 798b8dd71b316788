"""Shapers: records in, staging rows out, in the column order of the COPY statements."""

from collections.abc import Iterable, Iterator
from pathlib import Path

from sparkify.errors import DataError
from sparkify.read import Record

Row = tuple[object, ...]

INT4_MAX = 2**31 - 1
INT8_MAX = 2**63 - 1


def text(value: object) -> str | None:
    """Text as stored: an empty string means unknown (null)."""
    if value is None or value == "":
        return None
    return str(value)


def required_text(record: Record, field: str, where: str) -> str:
    """A text field that must be present and not empty."""
    value = record.get(field)
    if not isinstance(value, str) or not value:
        raise DataError(f"{where}: {field} is missing or not text: {value!r}")
    return value


def number(record: Record, field: str, where: str) -> float | None:
    """An optional number; a value of another type is an error."""
    value = record.get(field)
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    raise DataError(f"{where}: {field} is not a number: {value!r}")


def integer(record: Record, field: str, where: str, limit: int = INT4_MAX) -> int:
    """A required whole number within ±limit; JSON may give it as digits in a string."""
    value = record.get(field)
    is_digits = isinstance(value, str) and value.lstrip("-").isdigit()
    if is_digits or (isinstance(value, float) and value.is_integer()):
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or abs(value) > limit:
        raise DataError(f"{where}: {field} is missing or not a whole number: {value!r}")
    return value


def song_row(path: Path, record: Record) -> Row:
    """The staging row of one song record; year 0 and empty strings mean unknown."""
    where = str(path)
    duration = number(record, "duration", where)
    if duration is None:
        raise DataError(f"{where}: duration is missing")
    return (
        str(path),
        required_text(record, "song_id", where),
        required_text(record, "title", where),
        required_text(record, "artist_id", where),
        number(record, "year", where) or None,
        duration,
        required_text(record, "artist_name", where),
        text(record.get("artist_location")),
        number(record, "artist_latitude", where),
        number(record, "artist_longitude", where),
    )


def event_row(path: Path, line_no: int, record: Record) -> Row | None:
    """The staging row of one NextSong event, or None for any other page."""
    if record.get("page") != "NextSong":
        return None
    where = f"{path}:{line_no}"
    return (
        str(path),
        line_no,
        integer(record, "ts", where, limit=INT8_MAX),
        integer(record, "userId", where),
        text(record.get("firstName")),
        text(record.get("lastName")),
        text(record.get("gender")),
        required_text(record, "level", where),
        text(record.get("song")),
        text(record.get("artist")),
        number(record, "length", where),
        integer(record, "sessionId", where),
        integer(record, "itemInSession", where),
        text(record.get("location")),
        text(record.get("userAgent")),
    )


def song_rows(records: Iterable[tuple[Path, Record]]) -> Iterator[Row]:
    """Staging rows for songs."""
    for path, record in records:
        yield song_row(path, record)


def event_rows(records: Iterable[tuple[Path, int, Record]]) -> Iterator[Row]:
    """Staging rows for the NextSong events among records."""
    for path, line_no, record in records:
        row = event_row(path, line_no, record)
        if row is not None:
            yield row
