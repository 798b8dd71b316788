"""The dashboard's filters and the URL query string that holds them (?level=paid&from=...)."""

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl, urlencode

LEVELS = ("free", "paid")
GENDERS = ("F", "M")
# The query string's names, in the order a URL lists them.
NAMES = ("from", "to", "level", "gender")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MAX_FIELDS = 20  # a longer query string is not one this page wrote
SHOWN = 40  # characters of a refused value that a message repeats


@dataclass(frozen=True)
class Filters:
    """What the dashboard shows: days from and to (inclusive, UTC), a level, a gender."""

    start: date | None = None
    end: date | None = None
    level: str | None = None
    gender: str | None = None

    def params(self) -> dict[str, object]:
        """The filters as the parameters of the dashboard's queries (None: no filter)."""
        return {"from": self.start, "to": self.end, "level": self.level, "gender": self.gender}

    def query_string(self) -> str:
        """The URL query string that gives these filters: "" when there are none."""
        values = [self.start, self.end, self.level, self.gender]
        pairs = [(name, str(value)) for name, value in zip(NAMES, values, strict=True) if value]
        return f"?{urlencode(pairs)}" if pairs else ""


def shown(value: str) -> str:
    """A refused value as a message quotes it: cut short, control characters escaped."""
    cut = value if len(value) <= SHOWN else value[:SHOWN] + "…"
    return repr(cut)


def parse_date(name: str, value: str) -> tuple[date | None, str | None]:
    """A YYYY-MM-DD date, or None and the reason it is refused."""
    if DATE.fullmatch(value):
        try:
            return date.fromisoformat(value), None
        except ValueError:
            pass
    return None, f"{name}={shown(value)} is not a date written YYYY-MM-DD: ignored"


def parse_choice(name: str, value: str, choices: tuple[str, ...]) -> tuple[str | None, str | None]:
    """One of the choices (in any case), or None and the reason it is refused."""
    for choice in choices:
        if value.strip().lower() == choice.lower():
            return choice, None
    allowed = " or ".join(choices)
    return None, f"{name}={shown(value)} is not {allowed}: ignored"


def field_values(search: str) -> tuple[dict[str, str], list[str]]:
    """The query string's known fields with their values, and a message per field refused."""
    try:
        pairs = parse_qsl(search.removeprefix("?"), keep_blank_values=True,
                          max_num_fields=MAX_FIELDS)  # fmt: skip
    except ValueError:
        return {}, [f"the query string holds more than {MAX_FIELDS} fields: all ignored"]
    values: dict[str, str] = {}
    problems = []
    for name, value in pairs:
        if name not in NAMES:
            problems.append(f"{shown(name)} is not a filter (from, to, level, gender): ignored")
        elif name in values:
            problems.append(f"{name} is given more than once: the first one is used")
        elif value.strip():
            values[name] = value
    return values, problems


def parse_query(search: str | None) -> tuple[Filters, list[str]]:
    """The filters of a URL query string, and one message for each part that was ignored."""
    values, problems = field_values(search or "")
    start, end, level, gender = None, None, None, None
    checks = []
    if "from" in values:
        start, problem = parse_date("from", values["from"])
        checks.append(problem)
    if "to" in values:
        end, problem = parse_date("to", values["to"])
        checks.append(problem)
    if "level" in values:
        level, problem = parse_choice("level", values["level"], LEVELS)
        checks.append(problem)
    if "gender" in values:
        gender, problem = parse_choice("gender", values["gender"], GENDERS)
        checks.append(problem)
    problems += [problem for problem in checks if problem]
    if start and end and start > end:
        problems.append(f"from={start} is after to={end}: both ignored")
        start, end = None, None
    return Filters(start, end, level, gender), problems
