"""Rows as the text format of PostgreSQL's COPY, with an empty field for null.

Faster to write than CSV: a row is one join, and the rare value holding a tab, a line break or
a backslash is escaped. The shapers never stage an empty string (they turn it into null), so
an empty field can mean null (COPY ... with (null '')).
"""

import re
from collections.abc import Iterable

from sparkify.shape import Row

ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}
ESCAPED = re.compile(r"\\(.)")


def copy_line(row: Row) -> str:
    """One row as a line of COPY text, with its line break."""
    line = "\t".join(["" if value is None else str(value) for value in row])
    # One look at the joined line instead of four at every field: escapes are rare.
    if line.count("\t") >= len(row) or "\\" in line or "\n" in line or "\r" in line:
        line = "\t".join(["" if value is None else str(value).translate(ESCAPES) for value in row])
    return line + "\n"


def copy_text(rows: Iterable[Row]) -> str:
    """Rows as COPY text."""
    return "".join(map(copy_line, rows))


def unescape(field: str) -> str:
    """A field of COPY text as the value it stands for."""
    return ESCAPED.sub(lambda escape: UNESCAPES[escape.group(1)], field)
