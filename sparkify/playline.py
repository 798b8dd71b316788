"""A log line decoded to typed fields, and a song play's COPY text line written in one step.

The shapers (sparkify/shape.py) define a play's line: copy_line(event_row(parse_record(line))).
That is a dict of every field built by orjson, then a shaper call per column. Here msgspec
decodes a line straight into the fields of the log's events, checking their JSON types as it
goes, and play_line writes a play's line from them. Wherever this path has any doubt (a field
of another type, a value at an edge, text to escape or to refuse, a field the log format does
not have) it gives None, and the caller shapes that line by the shapers' rules; so the line is
the same, and so are the rejects and the repairs counted.

msgspec takes part only where its decoding is orjson's: every field of the object is one
declared here (an unknown one would be skipped unchecked, and orjson might refuse its value),
each holds a scalar, and whole numbers fit in 64 bits, where orjson reads an integer as one.
"""

from collections import Counter
from typing import Annotated

import msgspec

from sparkify.errors import RecordError
from sparkify.shape import (
    EVENT_SHAPERS,
    INT4_MAX,
    LEVELS,
    TS_MAX,
    Repairs,
    integer,
    is_small_digits,
    level,
    number,
    text,
    text_value,
    timestamp_ms,
)

# The shapers the fast path stands in for, in column order. Should EVENT_SHAPERS change, the
# import fails here rather than the fast path shaping plays by the old rules.
FUSED_SHAPERS = [
    (timestamp_ms, "ts"),
    (integer, "userId"),
    (text, "firstName"),
    (text, "lastName"),
    (text, "gender"),
    (level, "level"),
    (text, "song"),
    (text, "artist"),
    (number, "length"),
    (integer, "sessionId"),
    (integer, "itemInSession"),
    (text, "location"),
    (text, "userAgent"),
]
if EVENT_SHAPERS != FUSED_SHAPERS:
    raise RuntimeError("EVENT_SHAPERS changed: update play_line's fast path to match")
PLAY_FIELDS = tuple(field for _, field in FUSED_SHAPERS)
TEXT_INDEXES = tuple(index for index, (shape, _) in enumerate(FUSED_SHAPERS) if shape is text)

# Whole numbers as the shapers pass them through unchanged: a JSON integer (never a float such
# as 5.0, never true), within each shaper's limit.
Int4 = Annotated[int, msgspec.Meta(ge=-INT4_MAX, le=INT4_MAX)]
Milliseconds = Annotated[int, msgspec.Meta(ge=-TS_MAX, le=TS_MAX)]
# orjson reads an integer beyond 64 bits as a float: msgspec's would be an int.
Int64 = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
Scalar = Int64 | float | str | bool | None  # a field the load does not read


class LogEvent(msgspec.Struct, forbid_unknown_fields=True, rename="camel"):
    """The fields of one log event, by the JSON type each has in a play loaded as it stands."""

    ts: Milliseconds
    user_id: Int4 | str
    level: str
    session_id: Int4
    item_in_session: Int4
    page: Scalar = None
    first_name: str | None = None
    last_name: str | None = None
    gender: str | None = None
    song: str | None = None
    artist: str | None = None
    length: Int64 | float | None = None
    location: str | None = None
    user_agent: str | None = None
    auth: Scalar = None
    method: Scalar = None
    registration: Scalar = None
    status: Scalar = None


PlayValues = tuple[object, ...]
decode_event = msgspec.json.Decoder(LogEvent).decode


def typed_event(line: bytes) -> LogEvent | None:
    """A log line's event with its fields checked, or None where only the shapers can say."""
    try:
        return decode_event(line)
    except msgspec.DecodeError:  # not JSON, or not an event as a loaded play has it
        return None


def is_typed_play(event: LogEvent) -> bool:
    """Whether a decoded event is a song play (page NextSong), as shape.is_play says."""
    return event.page == "NextSong"


def play_line(event: LogEvent, repairs: Repairs) -> str | None:
    """The COPY text line of a decoded play, as copy_line(event_row(...)) writes it; or None.

    None sends the line to the shapers: a value they would change or refuse, or text that
    copy_line would escape. Repairs are counted only when the line is returned, since the
    shapers would count them again.
    """
    user = event.user_id
    # Digits in a string are read by integer() as themselves when under ten, and INT4_MAX has ten.
    if event.level not in LEVELS or (user.__class__ is str and not is_small_digits(user)):
        return None
    values = (
        event.ts,
        user,
        event.first_name,
        event.last_name,
        event.gender,
        event.level,
        event.song,
        event.artist,
        event.length,
        event.session_id,
        event.item_in_session,
        event.location,
        event.user_agent,
    )
    line = fused_line(*values)
    # One look at the line covers every text field: ASCII (text() repairs nothing), no NUL
    # (text() refuses it) and nothing that copy_line would escape.
    if line.isascii():
        return line if is_plain(line) else None
    # A quarter of plays name a song or an artist with accents: such text is shaped by text()'s
    # own rule, its repairs held apart until the line is sure.
    found: Repairs = Counter()
    try:
        shaped = with_text_shaped(values, found)
    except RecordError:  # a NUL: the shapers name the first field refused
        return None
    if shaped != values:  # mojibake repaired: rare
        line = fused_line(*shaped)
    if not is_plain(line):
        return None
    if found:  # update() costs more than the test, even when empty
        repairs.update(found)
    return line


def with_text_shaped(values: PlayValues, repairs: Repairs) -> PlayValues:
    """A play's values with each text field that is not ASCII as text() shapes it."""
    # An ASCII value stays as it is: text() would return it (or null for "", which is written
    # the same), and the line's own checks refuse a NUL.
    shaped = list(values)
    for index in TEXT_INDEXES:
        value = shaped[index]
        if value is not None and not value.isascii():
            shaped[index] = text_value(value, PLAY_FIELDS[index], repairs)
    return tuple(shaped)


def fused_line(
    ts: int,
    user: int | str,
    first: str | None,
    last: str | None,
    gender: str | None,
    paying: str,
    song: str | None,
    artist: str | None,
    length: float | None,
    session: int,
    item: int,
    location: str | None,
    agent: str | None,
) -> str:
    """The line of a play's values as copy_line writes them when none needs an escape."""
    # text() turns "" into null, which copy_line writes as an empty field, as it does None.
    return (
        f"{ts}\t{user}\t{first or ''}\t{last or ''}\t{gender or ''}\t{paying}\t"
        f"{song or ''}\t{artist or ''}\t{'' if length is None else length}\t"
        f"{session}\t{item}\t{location or ''}\t{agent or ''}\n"
    )


def is_plain(line: str) -> bool:
    """Whether a fused line needs no escape: its only tabs and line break are its own."""
    # Numbers never hold these characters, so only text fields can: a NUL is refused by text().
    return (
        line.count("\t") == 12
        and line.count("\n") == 1
        and "\\" not in line
        and "\r" not in line
        and "\x00" not in line
    )
