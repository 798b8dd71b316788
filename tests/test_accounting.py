"""Every input line is accounted for: loaded + rejected + skipped = lines (property-based)."""

import tempfile
from pathlib import Path

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import EVENT, query
from sparkify.db import connect
from sparkify.intake import Intake
from sparkify.load import load

# Text that JSON can carry and PostgreSQL can store (no lone surrogates, no NUL).
safe_text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"))

play = st.fixed_dictionaries(
    {"song": safe_text, "artist": safe_text, "location": safe_text, "length": st.floats(0, 1e6)}
).map(lambda fields: ("loaded", {**EVENT, **fields}))
other_page = st.sampled_from(["Home", "Login", "Logout", "Settings", "Upgrade"]).map(
    lambda page: ("skipped", {**EVENT, "page": page, "song": None, "length": None})
)
mistyped = st.sampled_from(
    [
        {"ts": "soon"},
        {"ts": None},
        {"userId": ""},
        {"userId": "x7"},
        {"sessionId": 1.5},
        {"level": "gold"},
        {"song": 42},
        {"length": "3:41"},
        {"location": "nul\x00"},
    ]
).map(lambda bad: ("rejected", {**EVENT, **bad}))
blank = st.sampled_from([b"", b" ", b"\t", b"  \r"]).map(lambda raw: ("skipped", raw))
garbage = st.binary(min_size=1, max_size=40).filter(lambda raw: raw.strip() != b"")
broken = st.one_of(
    garbage.filter(lambda raw: b"\n" not in raw and not _parses_as_object(raw)),
    st.integers(1, 200).map(lambda cut: orjson.dumps(EVENT)[: min(cut, 200)]),
).map(lambda raw: ("rejected", raw))
lines = st.lists(st.one_of(play, other_page, mistyped, blank, broken), max_size=30)


def _parses_as_object(raw: bytes) -> bool:
    """Whether raw is a JSON object (random bytes can be, rarely)."""
    try:
        return isinstance(orjson.loads(raw), dict)
    except orjson.JSONDecodeError:
        return False


def encode(kind: str, line: dict | bytes, item: int) -> bytes:
    """One line of a log file; plays get a unique natural key so none merges into another."""
    if isinstance(line, bytes):
        return line
    if kind == "loaded":
        line = {**line, "itemInSession": item}
    return orjson.dumps(line)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],  # examples use unique files
)
@given(lines=lines)
def test_every_line_is_loaded_rejected_or_skipped(schema: str, lines: list[tuple]):
    folder = Path(tempfile.mkdtemp())
    log = folder / "log.json"
    log.write_bytes(b"".join(encode(kind, line, n) + b"\n" for n, (kind, line) in enumerate(lines)))
    expected = {kind: sum(1 for k, _ in lines if k == kind) for kind in ("loaded", "rejected")}
    conn = connect(schema)
    try:
        with Intake(folder.name) as intake:
            load(conn, intake, [], [log])
    finally:
        conn.close()
    ((total, loaded, rejected, skipped),) = query(
        schema,
        "select lines, rows_loaded, rejected, skipped from etl_files where path = %s",
        (str(log),),
    )
    assert total == len(lines)
    assert loaded + rejected + skipped == total
    assert (loaded, rejected) == (expected["loaded"], expected["rejected"])
    assert query(schema, "select count(*) from etl_rejects where run_id = %s", (folder.name,)) == [
        (rejected,)
    ]
    log.unlink()
    folder.rmdir()
