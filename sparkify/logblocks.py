"""Log files in, blocks of whole lines out; a block in, staging rows (COPY text) out.

The main process reads each log file once, hashing it for the manifest and noting where its
blocks of whole lines lie with a CRC-32 of each; whoever shapes a block (in any process)
reads it again and checks it against that CRC, so the rows loaded come from the very bytes
the manifest describes. A file that cannot be read to its end, or that changed while it was
read, is marked failed on its last block: the intake then refuses it whole.
"""

import hashlib
import os
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, NamedTuple

from sparkify.copytext import copy_line
from sparkify.errors import RecordError
from sparkify.manifest import FileTally
from sparkify.playline import is_typed_play, play_line, typed_event
from sparkify.read import (
    MAX_RECORD_BYTES,
    is_blank,
    open_regular,
    parse_record,
    too_big,
    unreadable,
)
from sparkify.rejects import RAW_BYTES
from sparkify.shape import Repairs, event_row, is_play

BLOCK_BYTES = 4 * 2**20  # log lines shaped as one unit of work: about 8,000 at once
CHANGED = "the file changed while it was read: the next run reads it again"


class Span(NamedTuple):
    """A block of whole lines of a log file, with the CRC-32 its reader checks it against."""

    offset: int
    length: int
    crc: int = 0
    too_long: int = 0  # the size of the one line it holds if over MAX_RECORD_BYTES: refused


class Block(NamedTuple):
    """A span of a log file to shape, and whether it ends the file (and how the read ended)."""

    tally: FileTally
    span: Span
    last: bool = False
    failure: str = ""  # found by the main process's own read: the file is refused whole


@dataclass
class ShapedLines:
    """What shaping a block of log lines gave: COPY text, counts, rejects and repairs."""

    text: str = ""
    lines: int = 0
    loaded: int = 0
    skipped: int = 0
    rejects: list[tuple[int, str, bytes]] = field(default_factory=list)  # index in the block
    repairs: Repairs = field(default_factory=Counter)
    failure: str = ""  # why the block's file must be refused whole (unreadable, changed)


def file_blocks(tally: FileTally) -> Iterator[Block]:
    """The blocks of one log file; the last says whether the file was read whole, unchanged.

    Each block is handed on once the next is found, so that the last can be marked. An empty
    file, or one that fails before its first line, gives one empty block.
    """
    digest = hashlib.sha256()
    span, failure = None, ""
    try:
        with open_regular(tally.path) as content:
            before = file_state(content)
            tally.mtime_ns = before[1]
            for following in line_spans(content, digest):
                if span is not None:
                    yield Block(tally, span)
                span = following
            if file_state(content) != before:  # written to while read: mixed versions
                failure = CHANGED
    except OSError as exc:
        failure = unreadable(exc)
    tally.size, tally.sha256 = (span.offset + span.length if span else 0), digest.hexdigest()
    yield Block(tally, span or Span(0, 0), last=True, failure=failure)


def file_state(content: IO[bytes]) -> tuple[int, int]:
    """What changes when a file is written to: its size and modification time."""
    status = os.fstat(content.fileno())
    return status.st_size, status.st_mtime_ns


def line_spans(content: IO[bytes], digest: "hashlib._Hash") -> Iterator[Span]:
    """Blocks of whole lines of the content with their CRC-32, hashing it all on the way.

    Each block but the last ends with a line break (a file's last line may lack one). A line
    longer than MAX_RECORD_BYTES that spans a whole read gets a block of its own, marked
    too long, and is read past without being held.
    """
    start = end = crc = 0  # where the next block starts; how far the content is read; its CRC
    long_line = False  # whether the line from start is already too long
    while data := content.read(BLOCK_BYTES):
        digest.update(data)
        view, base, end = memoryview(data), end, end + len(data)
        if long_line:
            cut = data.find(b"\n")
            if cut < 0:
                continue
            stop = base + cut + 1
            yield Span(start, stop - start, too_long=stop - start - 1)
            start, crc, long_line, view, base = stop, 0, False, view[cut + 1 :], stop
        cut = data.rfind(b"\n", len(data) - len(view))
        if cut >= 0:
            stop = end - len(data) + cut + 1
            yield Span(start, stop - start, zlib.crc32(view[: stop - base], crc))
            start, view, base, crc = stop, view[stop - base :], stop, 0
        crc = zlib.crc32(view, crc)
        long_line = end - start > MAX_RECORD_BYTES
    if end > start:
        length = end - start
        yield Span(start, length, too_long=length) if long_line else Span(start, length, crc)


def read_span(path: str, span: Span) -> bytes:
    """The bytes of a span of a file; of a line too long to load, only its start."""
    with open_regular(path) as file:
        file.seek(span.offset)
        return file.read(RAW_BYTES if span.too_long else span.length)


def shape_block(path: str, span: Span) -> ShapedLines:
    """Shape a block of whole lines of a log file; runs in any process.

    The block is read here rather than sent: it is in the page cache, and the main process
    then holds no lines at all, only where the blocks lie and their CRC-32, which proves
    that the bytes read here are the bytes the main process hashed for the manifest.
    """
    if not span.length:  # an empty file: nothing to read
        return ShapedLines()
    try:
        block = read_span(path, span)
    except OSError as exc:  # deleted, or replaced by what cannot be read, since it was listed
        return ShapedLines(failure=unreadable(exc))
    if span.too_long:  # refused with the start of the line, which is never held whole
        return ShapedLines(lines=1, rejects=[(0, too_big(span.too_long), block)])
    if len(block) != span.length or zlib.crc32(block) != span.crc:
        return ShapedLines(failure=CHANGED)
    return shape_lines(block)


def shape_lines(block: bytes) -> ShapedLines:
    """Shape the whole lines of a block of a log file into COPY text, counts and rejects."""
    lines = block.split(b"\n")
    if block.endswith(b"\n"):
        lines.pop()  # the empty piece after the last line break is not a line
    rows: list[str] = []
    result = ShapedLines(lines=len(lines))
    # Bound once, not looked up for each of some 8,000 lines.
    add_row, repairs, rejects = rows.append, result.repairs, result.rejects
    for index, line in enumerate(lines):
        if len(line) > MAX_RECORD_BYTES:
            rejects.append((index, too_big(len(line)), line[:RAW_BYTES]))
            continue
        # Nearly every line takes the typed path; the shapers' rules decide the rest.
        event = typed_event(line)
        if event is not None and not is_typed_play(event):
            result.skipped += 1
        elif event is not None and (row := play_line(event, repairs)) is not None:
            add_row(row)
        else:
            shape_by_rules(index, line, result, add_row)
    result.loaded = len(rows)  # a row for each play loaded, none for any other line
    result.text = "".join(rows)
    return result


def shape_by_rules(
    index: int, line: bytes, result: ShapedLines, add_row: Callable[[str], None]
) -> None:
    """Shape one line by the shapers' rules alone: its row, its reject or its skip."""
    try:
        record = parse_record(line)
    except RecordError as exc:
        # Blank lines are rare: look for them only where the JSON parser gave up.
        if is_blank(line):
            result.skipped += 1
        else:
            result.rejects.append((index, str(exc), line[:RAW_BYTES]))
        return
    if not is_play(record):
        result.skipped += 1
        return
    try:
        add_row(copy_line(event_row(record, result.repairs)))
    except RecordError as exc:
        result.rejects.append((index, str(exc), line[:RAW_BYTES]))
