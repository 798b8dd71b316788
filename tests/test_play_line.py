"""Log lines shaped on the typed path are shaped as the shapers would shape them (property-based).

The shapers' definition of a line: orjson's parse (parse_record), then copy_line(event_row(...))
for a play. shape_lines takes msgspec's typed path first; with that path turned off it is the
definition itself, line for line. Each test compares the two on whole blocks: the COPY text,
the counts, every reject with its reason, and the repairs counted.
"""

import json
import random
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import EVENT
from sparkify import logblocks, playline
from sparkify.logblocks import ShapedLines, shape_lines
from sparkify.playline import PLAY_FIELDS, LogEvent
from sparkify.read import Record
from sparkify.shape import INT4_MAX, TS_MAX, Repairs

ABSENT = object()  # drawn for a field: the key is left out of the record
ASCII_EVENT = {**EVENT, "artist": "Sigur Ros", "song": "Hoppipolla"}
MOJIBAKE_EVENT = {**EVENT, "artist": "BjÃ\x83Â¶rk"}  # repaired to Björk, and counted
# Every field of the log's events, the ones the load does not read as well.
EVENT_FIELDS = tuple(sorted(EVENT))

# Text as the logs hold it: ASCII with an apostrophe or a quote; in some plays, accents too.
ASCII_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ '\",.-()/;:"


@contextmanager
def shapers_only() -> Iterator[None]:
    """shape_lines with the typed path turned off: every line shaped by the shapers."""
    with mock.patch.object(logblocks, "typed_event", return_value=None):
        yield


def by_shapers(block: bytes) -> ShapedLines:
    """What the shapers alone make of a block."""
    with shapers_only():
        return shape_lines(block)


def assert_shaped_as_shapers_do(block: bytes) -> ShapedLines:
    """Shape a block both ways and check that every part of the outcome is the same."""
    shaped, expected = shape_lines(block), by_shapers(block)
    assert shaped.text == expected.text
    assert shaped.rejects == expected.rejects
    assert shaped.repairs == expected.repairs
    assert (shaped.lines, shaped.loaded, shaped.skipped) == (
        expected.lines,
        expected.loaded,
        expected.skipped,
    )
    return shaped


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
            "page": st.sampled_from(["NextSong", "NextSong", "Home", "Logout"]),
            "registration": st.floats(1.5e12, 1.6e12),
            "sessionId": st.integers(1, 30_000),
            "song": words,
            "status": st.just(200),
            "ts": st.integers(1_540_000_000_000, 1_545_000_000_000),
            "userAgent": words,
            "userId": st.one_of(st.integers(1, 10_000).map(str), st.integers(1, 10_000)),
        }
    )


# Values for any field, by kind, each at or past the edge of the typed path.
HOSTILE_KINDS = [
    [None, ""],
    [True, False],
    [[], [1], {}, {"a": 1}, [[[]]]],
    [0, 1, -1, INT4_MAX, INT4_MAX + 1, -INT4_MAX, -INT4_MAX - 1],
    [TS_MAX, TS_MAX + 1, -TS_MAX, -TS_MAX - 1, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1],
    [2**64 - 1, 2**64, 10**30, 10**400],  # beyond 64 bits orjson reads a float, or refuses
    [5.0, -0.0, 2.5, 1e16, 1e-7, 123456789012.0, 5e-324, 1.7976931348623157e308],
    [float("nan"), float("inf"), -float("inf")],  # written NaN and Infinity: not JSON
    ["0", "7", "007", "00", "-0", "+5", "-5", " 39", "39 ", "5.0", "1e3", "NaN", "0x1F"],
    ["999999999", "1000000000", "2147483647", "2147483648", "9999999999"],
    ["²", "\u0661\u0662", "\uff11\uff12"],  # digits to str.isdigit(), not to JSON
    ["a\tb", "a\nb", "a\rb", "a\\b", "\t", "\\", "nul\x00", "é\x00", "\u2028", "\x85"],
    ["\ud800", "a\udfffb"],  # lone surrogates: not text either parser takes
    ["BjÃ\x83Â¶rk", "BjÃ¶rk", "CafÃ©", "Corazón", "naïve", "Sigur Rós", "plain text"],
    ["free", "paid", "Free", "PAID", " free", "free\t", "gold"],
    ["NextSong", "nextsong", "NextSong ", "Home"],
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


def given_value(record: Record, field: str, value: object) -> Record:
    """A copy of a record with one field set to a value, or left out if the value is ABSENT."""
    changed = {key: old for key, old in record.items() if key != field}
    if value is not ABSENT:
        changed[field] = value
    return changed


def json_line(record: Record, ascii_only: bool) -> bytes:
    """A record written as one JSON line, non-ASCII text escaped or as UTF-8 bytes.

    NaN and infinities come out as NaN and Infinity, which no JSON parser here takes; a lone
    surrogate comes out as \\ud800 or as its (invalid) UTF-8 bytes.
    """
    text = json.dumps(record, ensure_ascii=ascii_only)
    return text.encode("utf-8", "surrogatepass") + b"\n"


@st.composite
def events(draw: st.DrawFn) -> Record:
    """A realistic event with up to two of its fields made hostile, or one more field added."""
    record = draw(st.one_of(realistic(ASCII_LETTERS), realistic(ASCII_LETTERS + "óéíüñ")))
    for field in draw(st.lists(st.sampled_from(EVENT_FIELDS), unique=True, max_size=2)):
        record = given_value(record, field, draw(hostile))
    if draw(st.integers(0, 9)) == 0:  # a field the log format does not have
        extra = draw(st.sampled_from(["extra", "Page", "ts ", "userid"]))
        record = given_value(record, extra, draw(hostile))
    return record


# too_slow: a first run builds Hypothesis's tables of Unicode characters for st.text().
@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(events(), min_size=1, max_size=8), hostile, st.booleans())
def test_a_block_is_shaped_as_the_shapers_shape_it(
    records: list[Record], value: object, ascii_only: bool
):
    block = b"".join(json_line(record, ascii_only) for record in records)
    assert_shaped_as_shapers_do(block)
    # The value in each field of the first event in turn: eighteen blocks for one draw.
    for field in EVENT_FIELDS:
        changed = given_value(records[0], field, value)
        assert_shaped_as_shapers_do(json_line(changed, ascii_only) + block)


@pytest.mark.parametrize("field", EVENT_FIELDS)
def test_every_hostile_value_of_a_field_is_shaped_as_the_shapers_shape_it(field: str):
    # Each listed value in each field of a plain play, for certain: random draws miss some.
    for plain in (ASCII_EVENT, EVENT, MOJIBAKE_EVENT):
        for value in [ABSENT, *HOSTILE]:
            for ascii_only in (True, False):
                line = json_line(given_value(plain, field, value), ascii_only)
                assert_shaped_as_shapers_do(line)


# Numbers as JSON text may spell them, and spellings JSON does not allow.
NUMBER_SPELLINGS = [
    "0", "-0", "-0.0", "1.0", "1E2", "1e+2", "1e-2", "0.1000000000000000055511151231257827",
    "1" + "0" * 30, "1" + "0" * 400, "1." + "0" * 400 + "1", "1e400", "-1e400", "1e-400",
    "4.9e-324", "2.4703282292062328e-324", "9007199254740993", "18446744073709551615",
    "18446744073709551616", "-9223372036854775808", "-9223372036854775809",
    "01", "1.", ".5", "+1", "-", "1e", "0x10", "Infinity", "-Infinity", "NaN", "1_000",
]  # fmt: skip


@pytest.mark.parametrize("spelling", NUMBER_SPELLINGS)
def test_a_number_spelled_any_way_is_shaped_as_the_shapers_shape_it(spelling: str):
    for field in EVENT_FIELDS:
        template = orjson.dumps({**EVENT, field: "@"}).replace(b'"@"', spelling.encode())
        assert_shaped_as_shapers_do(template + b"\n")


@pytest.mark.parametrize(
    "line",
    [
        b'{"page":"NextSong","page":"Home"}',  # a key twice: the last one counts, in both
        orjson.dumps(EVENT)[:-1] + b',"page":"Home"}',
        orjson.dumps(EVENT)[:-1] + b',"level":"gold"}',
        orjson.dumps(EVENT).replace(b'"page"', b'"\\u0070age"'),  # an escaped key
        orjson.dumps(EVENT).replace(b'"song"', b'"\\u0073ong"'),
        orjson.dumps(EVENT).replace(b'"Ada"', b'"A\\u0000da"'),
        orjson.dumps(EVENT).replace(b'"Ada"', b'"A\xffda"'),  # not UTF-8
        orjson.dumps(EVENT).replace(b'"Ada"', b'"A\xed\xa0\x80da"'),  # a surrogate's bytes
        orjson.dumps(EVENT).replace(b'"PUT"', b'"P\xffT"'),  # in a field the load ignores
        orjson.dumps(EVENT).replace(b'"PUT"', b"1e400"),
        orjson.dumps(EVENT).replace(b'"PUT"', b"[" * 2000 + b"]" * 2000),
        orjson.dumps(EVENT).replace(b'"PUT"', b'"\\ud800"'),
        b"\xef\xbb\xbf" + orjson.dumps(EVENT),  # a byte order mark
        orjson.dumps(EVENT) + b" x",
        orjson.dumps(EVENT)[:-1] + b",}",
        b" \t" + orjson.dumps(EVENT) + b" \r",  # JSON's own white space around it
        b"\x0c" + orjson.dumps(EVENT),
        orjson.dumps([EVENT]),
        b'"NextSong"',
        b"null",
        b"",
        b"   ",
        b"{}",
    ],
)
def test_an_odd_line_is_shaped_as_the_shapers_shape_it(line: bytes):
    assert_shaped_as_shapers_do(line + b"\n")


def test_random_damage_to_real_lines_is_shaped_as_the_shapers_shape_it(real_sample: Path):
    # Bytes and tokens inserted, deleted or overwritten at random places of real log lines.
    lines = next((real_sample / "log_data").rglob("*.json")).read_bytes().splitlines()[:100]
    pieces = [
        b"\\", b'"', b"\xff", b"\xed\xa0\x80", b"\\u0000", b"\\ud800", b"1e400", b"-", b"0",
        b".", b"e", b"\x0c", b"\x00", b"\t", b",", b"}", b"{", b"[", b":", b"null", b"true",
        b"00", b"\\u0074", b"99999999999999999999", b"\xc3\xa9", b"\xc0\xaf",
    ]  # fmt: skip
    rng = random.Random(12)
    damaged = []
    for _ in range(20_000):
        line = bytearray(rng.choice(lines))
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(line) + 1)
            choice = rng.random()
            if choice < 0.4:
                line[at:at] = rng.choice(pieces)
            elif choice < 0.7:
                del line[at : at + rng.randint(1, 3)]
            else:
                line[at : at + 1] = rng.choice(pieces)
        damaged.append(bytes(line).replace(b"\n", b" ") + b"\n")
    shaped = assert_shaped_as_shapers_do(b"".join(damaged))
    # Both kinds were met: lines loaded and lines refused.
    assert shaped.loaded > 1_000
    assert len(shaped.rejects) > 1_000


def test_the_real_logs_are_shaped_as_the_shapers_shape_them(real_sample: Path):
    files = sorted((real_sample / "log_data").rglob("*.json"))
    assert len(files) == 30
    for path in files:
        assert_shaped_as_shapers_do(path.read_bytes())


def test_a_plain_play_is_its_values_joined():
    shaped = assert_shaped_as_shapers_do(orjson.dumps(ASCII_EVENT) + b"\n")
    assert shaped.text == (
        "1541105830796\t7\tAda\tLovelace\tF\tfree\tHoppipolla\tSigur Ros\t268.27\t1\t0\t"
        "London, UK\tMozilla/5.0\n"
    )
    assert not shaped.repairs


def test_mojibake_is_repaired_and_counted_once():
    shaped = assert_shaped_as_shapers_do(orjson.dumps(MOJIBAKE_EVENT) + b"\n")
    assert shaped.text.split("\t")[7] == "Björk"
    assert shaped.repairs == Counter({"artist": 1})


def test_a_repaired_play_left_to_the_shapers_counts_its_repair_once():
    # Repaired on the typed path, then left to the shapers: copy_line must escape its tab.
    shaped = assert_shaped_as_shapers_do(orjson.dumps({**MOJIBAKE_EVENT, "location": "a\tb"}))
    assert shaped.repairs == Counter({"artist": 1})
    assert "a\\tb" in shaped.text


def test_of_two_refused_text_fields_the_first_is_named():
    # firstName is ASCII, lastName is not: both hold a NUL, and event_row names the first.
    line = orjson.dumps({**EVENT, "firstName": "nul\x00", "lastName": "é\x00"})
    shaped = assert_shaped_as_shapers_do(line)
    assert shaped.rejects == [(0, "firstName contains a NUL character", line)]


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
def test_a_refused_play_is_rejected_with_the_shapers_reason(field: str, value: object, reason):
    shaped = assert_shaped_as_shapers_do(orjson.dumps({**EVENT, field: value}))
    assert [why for _, why, _ in shaped.rejects] == [reason]


@pytest.mark.parametrize("record", [ASCII_EVENT, EVENT, MOJIBAKE_EVENT, {**EVENT, "page": "Home"}])
def test_a_plain_event_takes_the_typed_path(record: Record):
    # Else the tests above would compare the shapers with themselves and prove nothing.
    def unused(line: bytes) -> None:
        raise AssertionError("the plain event was parsed for the shapers")

    expected = by_shapers(orjson.dumps(record))
    with mock.patch.object(logblocks, "parse_record", unused):
        shaped = shape_lines(orjson.dumps(record))
    assert (shaped.text, shaped.repairs, shaped.skipped) == (
        expected.text,
        expected.repairs,
        expected.skipped,
    )


def test_the_real_logs_take_the_typed_path(real_sample: Path):
    # Every line of the real sample, plays and other events alike.
    decoded = 0
    for path in sorted((real_sample / "log_data").rglob("*.json")):
        for line in path.read_bytes().splitlines():
            event = playline.typed_event(line)
            assert event is not None, line
            assert not playline.is_typed_play(event) or playline.play_line(event, Counter())
            decoded += 1
    assert decoded > 6_000


def test_the_typed_event_declares_every_field_the_shapers_read():
    declared = set(LogEvent.__struct_encode_fields__)
    assert set(PLAY_FIELDS) | {"page"} <= declared
    assert declared == set(EVENT_FIELDS)


def test_repairs_are_counted_into_the_callers_counter():
    repairs: Repairs = Counter({"song": 2})
    event = playline.typed_event(orjson.dumps(MOJIBAKE_EVENT))
    assert event is not None
    assert playline.play_line(event, repairs) is not None
    assert repairs == Counter({"song": 2, "artist": 1})
