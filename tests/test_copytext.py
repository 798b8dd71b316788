"""COPY text: every value the shapers stage comes back from a line exactly."""

from hypothesis import given
from hypothesis import strategies as st

from sparkify.copytext import copy_line, unescape

values = st.one_of(
    st.none(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), min_size=1),
)


@given(st.lists(values, min_size=1, max_size=14))
def test_a_line_holds_every_value_of_its_row(row: list[object]):
    line = copy_line(tuple(row))
    assert line.endswith("\n")
    assert line.count("\n") == 1
    fields = line[:-1].split("\t")
    assert [unescape(field) if field else None for field in fields] == [
        None if value is None else str(value) for value in row
    ]
