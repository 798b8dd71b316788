"""A song play's line of COPY text, shaped and written in one step for the common record.

play_line(record, repairs) is copy_line(event_row(record, repairs)) by definition: the same
line, the same RecordError in the same cases, the same repairs counted. The rules stay in the
shapers (sparkify/shape.py); this is a shortcut taken only by a record whose values the shapers
would pass through unchanged (but for text that is not ASCII, which text() itself shapes), and
anything else is shaped and written by event_row and copy_line.
"""

from collections import Counter
from operator import itemgetter

from sparkify.copytext import copy_line
from sparkify.errors import RecordError
from sparkify.read import Record
from sparkify.shape import (
    EVENT_SHAPERS,
    INT4_MAX,
    LEVELS,
    TS_MAX,
    Repairs,
    event_row,
    integer,
    level,
    number,
    text,
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
values_of = itemgetter(*PLAY_FIELDS)

PlayValues = tuple[object, ...]


def play_line(record: Record, repairs: Repairs) -> str:
    """The COPY text line of one NextSong record, exactly as copy_line(event_row(...)) writes it.

    The fast path takes a record whose values each shaper returns unchanged (or as null), bar
    text that is not ASCII, and that copy_line writes without escapes; any doubt sends the
    record to event_row.
    """
    values = plain_values(record)
    if values is not None:
        line = fused_line(*values)
        # One look at the line covers every text field: ASCII (text() repairs nothing), no NUL
        # (text() refuses it) and nothing that copy_line would escape.
        if line.isascii():
            if is_plain(line):
                return line
        else:
            # A quarter of plays name a song or an artist with accents: such text is shaped by
            # text() itself, its repairs held apart until the line is sure (event_row would
            # count them again).
            found: Repairs = Counter()
            try:
                shaped = with_text_shaped(record, values, found)
            except RecordError:  # event_row raises it, or an earlier field's
                return copy_line(event_row(record, repairs))
            if shaped != values:  # mojibake repaired: rare
                line = fused_line(*shaped)
            if is_plain(line):
                if found:  # update() costs more than the test, even when empty
                    repairs.update(found)
                return line
    return copy_line(event_row(record, repairs))


def plain_values(record: Record) -> PlayValues | None:
    """A play's values in column order if each has the plain type its shaper passes through."""
    # A dict subclass could answer [] and get() differently: only orjson's own dict is taken.
    if record.__class__ is not dict:
        return None
    try:
        values = values_of(record)  # one call for the thirteen fields
    except KeyError:  # an absent field reads as null, as record.get gives it to the shapers
        values = tuple(map(record.get, PLAY_FIELDS))
    ts, user, first, last, gender, paying, song, artist, length, session, item, location, agent = (
        values
    )
    # Classes compared with `is`: bool, str subclasses and the like all take the slow path.
    if (
        ts.__class__ is int
        and -TS_MAX <= ts <= TS_MAX
        and ((user.__class__ is int and -INT4_MAX <= user <= INT4_MAX) or is_small_digits(user))
        and (first.__class__ is str or first is None)
        and (last.__class__ is str or last is None)
        and (gender.__class__ is str or gender is None)
        and paying.__class__ is str
        and paying in LEVELS
        and (song.__class__ is str or song is None)
        and (artist.__class__ is str or artist is None)
        and (length.__class__ is float or length.__class__ is int or length is None)
        and session.__class__ is int
        and -INT4_MAX <= session <= INT4_MAX
        and item.__class__ is int
        and -INT4_MAX <= item <= INT4_MAX
        and (location.__class__ is str or location is None)
        and (agent.__class__ is str or agent is None)
    ):
        return values
    return None


def with_text_shaped(record: Record, values: PlayValues, repairs: Repairs) -> PlayValues:
    """A play's values with each text field that is not ASCII as text() shapes it."""
    # An ASCII value stays as on the fast path: text() would return it (or null for "", which
    # is written the same), and the line's own checks refuse a NUL.
    shaped = list(values)
    for index in TEXT_INDEXES:
        value = shaped[index]
        if value is not None and not value.isascii():
            shaped[index] = text(record, PLAY_FIELDS[index], repairs)
    return tuple(shaped)


def is_small_digits(value: object) -> bool:
    """Whether a value is digits in a string that integer() reads as themselves (userId's)."""
    # integer()'s own rule for digits; under ten of them is always within INT4_MAX, and with
    # no leading zero str(int(value)) gives back value itself.
    return (
        value.__class__ is str
        and value.isascii()
        and value.isdigit()
        and len(value) < 10
        and (value[0] != "0" or value == "0")
    )


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
