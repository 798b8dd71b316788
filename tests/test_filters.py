"""The dashboard's filters: what a URL query string asks for, and what is refused and why."""

from datetime import date

import pytest

from sparkify.filters import Filters, parse_query


@pytest.mark.parametrize(
    ("search", "filters"),
    [
        (None, Filters()),
        ("", Filters()),
        ("?", Filters()),
        ("?level=paid", Filters(level="paid")),
        ("?level=PAID", Filters(level="paid")),
        ("?gender=f", Filters(gender="F")),
        ("?from=2018-11-05&to=2018-11-11", Filters(date(2018, 11, 5), date(2018, 11, 11))),
        ("?to=2018-11-11", Filters(end=date(2018, 11, 11))),
        ("?from=2018-11-05&to=2018-11-05", Filters(date(2018, 11, 5), date(2018, 11, 5))),
        ("?level=&gender=", Filters()),
        ("?from=0001-01-01&to=9999-12-31", Filters(date(1, 1, 1), date(9999, 12, 31))),
    ],
)
def test_a_valid_query_string_gives_its_filters_and_no_message(search, filters):
    assert parse_query(search) == (filters, [])


@pytest.mark.parametrize(
    ("search", "message"),
    [
        ("?level=x%27%20OR%201%3D1--", "level=\"x' OR 1=1--\" is not free or paid: ignored"),
        ("?level=paid%27;drop%20table%20songplays;--",
         "level=\"paid';drop table songplays;--\" is not free or paid: ignored"),
        ("?gender=X", "gender='X' is not F or M: ignored"),
        ("?from=2018-13-45", "from='2018-13-45' is not a date written YYYY-MM-DD: ignored"),
        ("?from=99999-01-01", "from='99999-01-01' is not a date written YYYY-MM-DD: ignored"),
        ("?to=2018-W45-1", "to='2018-W45-1' is not a date written YYYY-MM-DD: ignored"),
        ("?to=20181105", "to='20181105' is not a date written YYYY-MM-DD: ignored"),
        ("?from=1e309", "from='1e309' is not a date written YYYY-MM-DD: ignored"),
        ("?from=%00", "from='\\x00' is not a date written YYYY-MM-DD: ignored"),
        ("?from=" + "9" * 5000,
         "from='" + "9" * 40 + "…' is not a date written YYYY-MM-DD: ignored"),
        ("?from=2018-11-11&to=2018-11-05", "from=2018-11-11 is after to=2018-11-05: both ignored"),
        ("?user_id=1", "'user_id' is not a filter (from, to, level, gender): ignored"),
        ("?level=free&level=paid", "level is given more than once: the first one is used"),
        ("?" + "&".join(["a=1"] * 30),
         "the query string holds more than 20 fields: all ignored"),
    ],
)  # fmt: skip
def test_a_refused_part_is_ignored_with_one_message(search, message):
    filters, messages = parse_query(search)
    assert messages == [message]
    assert filters in (Filters(), Filters(level="free"))


def test_the_valid_filters_of_a_query_string_stand_beside_a_refused_one():
    filters, messages = parse_query("?level=paid&from=yesterday&gender=M")
    assert filters == Filters(level="paid", gender="M")
    assert messages == ["from='yesterday' is not a date written YYYY-MM-DD: ignored"]


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters(level="paid"),
        Filters(date(2018, 11, 5), date(2018, 11, 11), "free", "F"),
        Filters(start=date(2018, 11, 5)),
    ],
)
def test_a_query_string_written_for_filters_reads_back_as_them(filters):
    search = filters.query_string()
    assert parse_query(search) == (filters, [])


def test_the_query_string_lists_from_to_level_gender():
    filters = Filters(date(2018, 11, 5), date(2018, 11, 11), "paid", "F")
    assert filters.query_string() == "?from=2018-11-05&to=2018-11-11&level=paid&gender=F"
    assert Filters().query_string() == ""
