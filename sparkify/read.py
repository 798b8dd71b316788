"""Readers: JSON files in, records out. No database here."""

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import orjson

from sparkify.errors import DataError, RecordError

Record = dict[str, object]


def json_files(root: Path) -> list[Path]:
    """Every *.json file under root, in path order so that loads are repeatable."""
    if not root.is_dir():
        raise DataError(f"{root} is not a directory: point --data at a folder holding it")
    return sorted(path.resolve() for path in root.rglob("*.json") if path.is_file())


def parse_record(text: bytes) -> Record:
    """One JSON object; anything else is a RecordError saying why."""
    try:
        record = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise RecordError(f"invalid JSON: {exc}") from None
    if not isinstance(record, dict):
        raise RecordError(f"expected a JSON object, found {type(record).__name__}")
    return record


def numbered_lines(lines: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """Each line of an NDJSON file with its 1-based number, blank lines included."""
    return enumerate(lines, start=1)


def is_blank(line: bytes) -> bool:
    """Whether a line holds nothing but white space."""
    return not line.strip()
