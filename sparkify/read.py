"""Readers: JSON files in, records out. No database here."""

import os
from pathlib import Path

import orjson

from sparkify.errors import DataError, RecordError

Record = dict[str, object]


def json_files(root: Path) -> list[str]:
    """Every *.json file under root, as text, in path order so that loads are repeatable."""
    if not root.is_dir():
        raise DataError(f"{root} is not a directory: point --data at a folder holding it")
    # os.walk reads each folder once; rglob plus a stat per file is slow on 100k song files.
    # Paths stay text: 50,000 Path objects take 20 MB and sort several times slower.
    return sorted(
        os.path.join(folder, name)
        for folder, _, names in os.walk(root.resolve())
        for name in names
        if name.endswith(".json")
    )


def parse_record(text: bytes) -> Record:
    """One JSON object; anything else is a RecordError saying why."""
    try:
        record = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise RecordError(f"invalid JSON: {exc}") from None
    if not isinstance(record, dict):
        raise RecordError(f"expected a JSON object, found {type(record).__name__}")
    return record


def is_blank(line: bytes) -> bool:
    """Whether a line holds nothing but white space."""
    return not line.strip()
