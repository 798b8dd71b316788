"""play_line is copy_line(event_row(...)): the same line, error and repairs (property-based)."""

from collections import Counter, OrderedDict
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import EVENT
from sparkify import playline
from sparkify.copytext import copy_line
from sparkify.errors import RecordError
from sparkify.playline import PLAY_FIELDS, play_line
from sparkify.read import Record
from sparkify.shape import INT4_MAX, TS_MAX, Repairs, event_row

ABSENT = object()  # drawn for a field: the key is left out of the record
ASCII_EVENT = {**EVENT, "artist": "Sigur Ros", "song": "Hoppipolla"}
MOJIBAKE_EVENT = {**EVENT, "artist": "BjÃ\x83Â¶rk"}  # repaired to Björk, and counted

# Text as the logs hold it: ASCII with an apostrophe or a quote; in some plays, accents too.
ASCII_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ '\",.-()/;:"


def realistic(letters: str) -> st.SearchStrategy[Record]:
    """Plays like the bench's generated logs, their text written with the letters given."""
    words = st.text(st.sampled_from(letters), min_size=1, max_size=30)
    return st.fixed_dictionaries(
        {
            "artist": words,
            "auth": st.just("Logged In"),
            "firstName": words,
            "gender": st.sampled_from(["F", "M"]),
            "itemInSession": st.integers(0, 1_000),
            "lastName": words,
            "length": st.floats(0.1, 3_000.0),
            "level": st.sampled_from(["free", "paid"]),
            "location": words,
            "method": st.just("PUT"),
            "page": st.just("NextSong"),
            "registration": st.floats(1.5e12, 1.6e12),
            "sessionId": st.integers(1, 30_000),
            "song": words,
            "status": st.just(200),
            "ts": st.integers(1_540_000_000_000, 1_545_000_000_000),
            "userAgent": words,
            "userId": st.one_of(st.integers(1, 10_000).map(str), st.integers(1, 10_000)),
        }
    )


# Values for any field the shapers read, by kind, each at or past the edge of the fast path.
HOSTILE_KINDS = [
    [None, ""],
    [True, False],
    [[], [1], {}, {"a": 1}],
    [0, 1, -1, INT4_MAX, INT4_MAX + 1, -INT4_MAX, -INT4_MAX - 1],
    [TS_MAX, TS_MAX + 1, -TS_MAX, -TS_MAX - 1, 2**63, -(2**63), 2**64, 10**30],
    [5.0, -0.0, 2.5, 1e16, 1e-7, 123456789012.0, float("nan"), float("inf"), -float("inf")],
    ["0", "7", "007", "00", "-0", "+5", "-5", " 39", "39 ", "5.0", "1e3", "NaN", "0x1F"],
    ["999999999", "1000000000", "2147483647", "2147483648", "9999999999"],
    ["²", "\u0661\u0662", "\uff11\uff12"],  # digits to str.isdigit(), not to JSON
    ["a\tb", "a\nb", "a\rb", "a\\b", "\t", "\\", "nul\x00", "é\x00", "\u2028", "\x85"],
    ["BjÃ\x83Â¶rk", "BjÃ¶rk", "CafÃ©", "Corazón", "naïve", "Sigur Rós", "plain text"],
    ["free", "paid", "Free", "PAID", " free", "free\t", "gold"],
]
HOSTILE = [value for kind in HOSTILE_KINDS for value in kind]
hostile = st.one_of(
    st.just(ABSENT),
    *[st.sampled_from(kind) for kind in HOSTILE_KINDS],
    st.integers(),
    st.floats(),
    st.from_regex(r"[+-]?[0-9]{1,12}", fullmatch=True),  # leading zeros and signs too
    st.text(st.sampled_from("ab \t\n\r\\\x00éÃ\x83Â¶"), max_size=8),
    st.text(),
)


@st.composite
def plays(draw: st.DrawFn) -> Record:
    """A realistic play with up to two of its fields made hostile."""
    record = draw(st.one_of(realistic(ASCII_LETTERS), realistic(ASCII_LETTERS + "óéíüñ")))
    for field in draw(st.lists(st.sampled_from(PLAY_FIELDS), unique=True, max_size=2)):
        record = given_value(record, field, draw(hostile))
    return record


def given_value(record: Record, field: str, value: object) -> Record:
    """A copy of a record with one field set to a value, or left out if the value is ABSENT."""
    changed = {key: old for key, old in record.items() if key != field}
    if value is not ABSENT:
        changed[field] = value
    return changed


def outcome(shape: Callable[[Record, Repairs], str], record: Record) -> tuple[object, Repairs]:
    """What a shaper gives for a record: its line, or the error it raises; and its repairs."""
    repairs: Repairs = Counter()
    try:
        result: object = shape(record, repairs)
    except Exception as exc:  # RecordError above all; any other must match as well
        result = (type(exc), str(exc))
    return result, repairs


def reference(record: Record, repairs: Repairs) -> str:
    """The definition play_line must match."""
    return copy_line(event_row(record, repairs))


# too_slow: a first run builds Hypothesis's tables of Unicode characters for st.text().
@settings(max_examples=1_000, suppress_health_check=[HealthCheck.too_slow])
@given(plays(), hostile)
def test_play_line_is_copy_line_of_event_row(play: Record, value: object):
    # The value in each field in turn: thirteen records for one draw, as cheap to check as one.
    for field in PLAY_FIELDS:
        record = given_value(play, field, value)
        assert outcome(play_line, record) == outcome(reference, record), field


@pytest.mark.parametrize("field", PLAY_FIELDS)
def test_every_hostile_value_of_a_field_gives_what_event_row_gives(field: str):
    # Each listed value in each field of a plain play, for certain: random draws miss some.
    for plain in (ASCII_EVENT, EVENT, MOJIBAKE_EVENT):
        for value in [ABSENT, *HOSTILE]:
            record = given_value(plain, field, value)
            assert outcome(play_line, record) == outcome(reference, record), value


def test_a_plain_play_is_its_values_joined():
    record = ASCII_EVENT
    repairs: Repairs = Counter()
    line = play_line(record, repairs)
    assert line == (
        "1541105830796\t7\tAda\tLovelace\tF\tfree\tHoppipolla\tSigur Ros\t268.27\t1\t0\t"
        "London, UK\tMozilla/5.0\n"
    )
    assert line == reference(record, Counter())
    assert not repairs


def test_empty_absent_and_null_text_and_length_are_empty_fields():
    record = {**EVENT, "firstName": "", "lastName": None, "length": None, "song": ""}
    del record["artist"]
    line = play_line(record, Counter())
    assert line == reference(record, Counter())
    assert line.split("\t")[2:9] == ["", "", "F", "free", "", "", ""]


def test_mojibake_is_repaired_and_counted_once():
    repairs: Repairs = Counter()
    assert play_line(MOJIBAKE_EVENT, repairs).split("\t")[7] == "Björk"
    assert repairs == Counter({"artist": 1})


def test_a_repaired_play_sent_to_event_row_counts_its_repair_once():
    # Repaired on the fast path, then sent to event_row: copy_line must escape its tab.
    record = {**MOJIBAKE_EVENT, "location": "a\tb"}
    assert outcome(play_line, record) == outcome(reference, record)
    assert outcome(play_line, record)[1] == Counter({"artist": 1})


def test_of_two_refused_text_fields_the_first_is_named():
    # firstName is ASCII, lastName is not: both hold a NUL, and event_row names the first.
    record = {**EVENT, "firstName": "nul\x00", "lastName": "é\x00"}
    with pytest.raises(RecordError) as raised:
        play_line(record, Counter())
    assert str(raised.value) == "firstName contains a NUL character"


def test_a_tab_or_backslash_in_text_is_escaped_as_copy_line_does():
    record = {**EVENT, "song": "a\tb", "location": "C:\\music"}
    line = play_line(record, Counter())
    assert line == reference(record, Counter())
    assert "a\\tb" in line
    assert "C:\\\\music" in line


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("userId", "007", "userId is not a whole number in range: '007'"),
        ("ts", True, "ts is not a whole number in range: True"),
        ("sessionId", INT4_MAX + 1, f"sessionId is not a whole number in range: {INT4_MAX + 1}"),
        ("level", "gold", "level is neither free nor paid: 'gold'"),
        ("song", "nul\x00", "song contains a NUL character"),
    ],
)
def test_a_refused_play_raises_the_shapers_error(field: str, value: object, reason: str):
    record = {**EVENT, field: value}
    with pytest.raises(RecordError) as raised:
        play_line(record, Counter())
    assert str(raised.value) == reason


def test_a_record_that_is_not_a_plain_dict_is_shaped_by_event_row():
    record = OrderedDict(EVENT)
    assert play_line(record, Counter()) == reference(record, Counter())


@pytest.mark.parametrize("record", [ASCII_EVENT, EVENT, MOJIBAKE_EVENT])
def test_a_plain_play_takes_the_fast_path(record: Record, monkeypatch: pytest.MonkeyPatch):
    # Else the tests above would compare event_row with itself and prove nothing.
    def unused(record: Record, repairs: Repairs) -> None:
        raise AssertionError("the plain play was shaped by event_row")

    expected = outcome(reference, record)
    monkeypatch.setattr(playline, "event_row", unused)
    assert outcome(play_line, record) == expected
