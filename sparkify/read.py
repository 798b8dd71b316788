"""Readers: JSON files in, records out, each with where it came from. No database here."""

from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson

from sparkify.errors import DataError

Record = dict[str, object]


def json_files(root: Path) -> list[Path]:
    """Every *.json file under root, in path order so that loads are repeatable."""
    if not root.is_dir():
        raise DataError(f"{root} is not a directory: point --data at a folder holding it")
    return sorted(path for path in root.rglob("*.json") if path.is_file())


def parse_line(path: Path, line_no: int, line: bytes) -> Record:
    """One JSON object from one line of a file."""
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise DataError(f"{path}:{line_no}: invalid JSON ({exc})") from exc
    if not isinstance(record, dict):
        raise DataError(f"{path}:{line_no}: expected a JSON object")
    return record


def read_song_file(path: Path) -> Record:
    """The one song record of a song file."""
    return parse_line(path, 1, path.read_bytes())


def read_log_file(path: Path) -> Iterator[tuple[int, Record]]:
    """The events of a log file with their 1-based line numbers; blank lines are skipped."""
    with path.open("rb") as lines:
        for line_no, line in enumerate(lines, start=1):
            if line.strip():
                yield line_no, parse_line(path, line_no, line)


def song_records(paths: Iterable[Path]) -> Iterator[tuple[Path, Record]]:
    """The song record of each song file."""
    for path in paths:
        yield path, read_song_file(path)


def log_records(paths: Iterable[Path]) -> Iterator[tuple[Path, int, Record]]:
    """Every event of every log file, with file and line."""
    for path in paths:
        for line_no, record in read_log_file(path):
            yield path, line_no, record
