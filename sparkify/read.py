"""Readers: JSON files in, records out. No database here.

Only regular files are read: a FIFO, a device or a socket named *.json is refused, never
opened for reading (a FIFO would block the load forever). Folders and files that cannot be
listed or read, and names that are not UTF-8, are refused with a reason instead of skipped.
"""

import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, NamedTuple

import orjson

from sparkify.errors import DataError, RecordError

Record = dict[str, object]

# The largest record (a log line or a song file) that is parsed; a bigger one is refused
# without being held whole. Real records are under 1 kB; 1 MiB leaves room for any text field.
MAX_RECORD_BYTES = 2**20
HASH_CHUNK = 2**20  # bytes hashed at a time in the rest of a file too big to parse
LINKED_FOLDER = "a symbolic link to a folder: the load does not follow links to folders"
NOT_TEXT = "the file name is not UTF-8: rename the file to load it"

NOT_REGULAR = {  # what each kind of file that is not a regular file is called
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a folder",
}


class Refusal(NamedTuple):
    """A folder or file under the data folder that cannot be read, and why."""

    path: str  # always valid text (see shown_path)
    reason: str


class Listing(NamedTuple):
    """The *.json files under a folder, and what under it could not be read."""

    files: list[str]
    refused: list[Refusal]


Listed = str | Refusal  # what a walk of a folder gives: a file's path, or what cannot be read


class NotRegularFile(OSError):
    """A path that names something other than a regular file."""


def shown_path(path: str) -> str:
    """A path as valid text: bytes that are not UTF-8 are shown as \\xe9 escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def is_text(name: str) -> bool:
    """Whether a name from the file system is valid UTF-8 (else it holds lone surrogates)."""
    if name.isascii():
        return True
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def file_kind(mode: int) -> str:
    """What a file that is not a regular file is, in words."""
    return NOT_REGULAR.get(stat.S_IFMT(mode), "of an unknown kind")


def not_regular(mode: int) -> NotRegularFile:
    """The error for a path that is not a regular file."""
    return NotRegularFile(f"it is {file_kind(mode)}, not a regular file")


def json_files(root: Path) -> Listing:
    """Every regular *.json file under root, in path order so that loads are repeatable.

    Holds the whole listing: for the log files (one a day) and the walkthrough. The song files
    are walked with walk_json, never listed whole.
    """
    files: list[str] = []
    refused: list[Refusal] = []
    for item in walk_json(root):
        if isinstance(item, Refusal):
            refused.append(item)
        else:
            files.append(item)
    return Listing(files, refused)


def walk_json(root: Path) -> Iterator[Listed]:
    """Every regular *.json file under root, and what under it cannot be read, in path order.

    Lazy: a folder is listed when the walk reaches it, so memory holds the folders on the way
    down, never the whole tree (500,000 song files at 10M events). A folder's entries are sorted
    by name, a subfolder's with "/" after it: the order of the whole paths, as sorted() gives.
    Problems with root itself raise DataError at the first item asked for.
    """
    if not root.is_dir():
        raise DataError(f"{root} is not a directory: point --data at a folder holding it")
    top = str(root.resolve())
    if not is_text(top):
        raise DataError(f"{shown_path(top)}: the folder's path is not UTF-8; rename it")
    try:
        folders = [iter(sorted_entries(top))]  # the entries still to see of each folder down
    except OSError as exc:
        raise DataError(f"cannot read {top}: {exc.strerror or exc}") from None
    # A stack, not recursion: each item would otherwise climb a generator per folder level.
    while folders:
        for entry in folders[-1]:
            if is_walked_folder(entry):
                try:
                    folders.append(iter(sorted_entries(entry.path)))
                except OSError as exc:
                    yield Refusal(entry.path, f"cannot read the folder: {exc.strerror or exc}")
                    continue
                break  # into the subfolder; this folder's iterator resumes after it
            if (item := listed_entry(entry)) is not None:
                yield item
        else:
            folders.pop()


def sorted_entries(folder: str) -> list[os.DirEntry[str]]:
    """A folder's entries in the order of their whole paths."""
    # scandir gives each entry's type without a stat call: 100k song files stay cheap.
    with os.scandir(folder) as entries:
        return sorted(entries, key=path_order)


def path_order(entry: os.DirEntry[str]) -> str:
    """An entry's sort key in its folder: "/" follows a folder's name, as in its files' paths."""
    return entry.name + "/" if entry.is_dir(follow_symlinks=False) else entry.name


def is_walked_folder(entry: os.DirEntry[str]) -> bool:
    """Whether an entry is a folder the walk goes into (a real one, its name UTF-8)."""
    return entry.is_dir(follow_symlinks=False) and is_text(entry.name)


def listed_entry(entry: os.DirEntry[str]) -> Listed | None:
    """A folder entry as a file to read or a refusal; None for one the load does not read."""
    if entry.is_file(follow_symlinks=False):  # a regular file, not a link: the common case
        if not entry.name.endswith(".json"):
            return None
        return entry.path if is_text(entry.name) else Refusal(shown_path(entry.path), NOT_TEXT)
    if entry.is_dir(follow_symlinks=False):  # a folder whose name is not UTF-8
        reason = "the folder name is not UTF-8: rename it to load the files in it"
        return Refusal(shown_path(entry.path), reason)
    if entry.is_symlink() and entry.is_dir():  # followed, links could loop or repeat files
        return Refusal(shown_path(entry.path), LINKED_FOLDER)
    if not entry.name.endswith(".json"):
        return None
    if not is_text(entry.name):
        return Refusal(shown_path(entry.path), NOT_TEXT)
    if not entry.is_file():  # follows a symbolic link, as reading would
        return Refusal(entry.path, f"cannot read the file: {entry_problem(entry)}")
    return entry.path


def count_listed(listed: Iterable[Listed]) -> tuple[int, int]:
    """How many files and how many refusals a walk gives, without holding them."""
    files = refused = 0
    for item in listed:
        if isinstance(item, Refusal):
            refused += 1
        else:
            files += 1
    return files, refused


def files_only(
    listed: Iterable[Listed], refuse: Callable[[Iterable[Refusal]], None]
) -> Iterator[str]:
    """The files of a walk; its refusals are handed to refuse as the walk meets them."""
    for item in listed:
        if isinstance(item, Refusal):
            refuse((item,))
        else:
            yield item


def entry_problem(entry: os.DirEntry[str]) -> str:
    """Why an entry named *.json is not a regular file that can be read."""
    try:
        mode = entry.stat().st_mode
    except OSError as exc:  # a broken symbolic link, say
        return exc.strerror or str(exc)
    return str(not_regular(mode))


def open_regular(path: str) -> BinaryIO:
    """Open a regular file for reading; anything else raises NotRegularFile at once."""
    # O_NONBLOCK: should a FIFO take the file's place after it was listed, opening it
    # returns at once (a plain open would wait for a writer forever) and fstat refuses it.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise not_regular(mode)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_record(file: BinaryIO, expected: int) -> tuple[bytes, int, str]:
    """An open one-record file's content, size and SHA-256; past MAX_RECORD_BYTES, its start.

    expected is the size fstat gave. The content returned is longer than MAX_RECORD_BYTES when
    the file is too big to parse; the rest is hashed a chunk at a time, never held.
    """
    # A read sized to the file: asking for MAX_RECORD_BYTES + 1 allocates a mebibyte per file
    # (about 11 µs of the 25 a song file took). A file that grew since its fstat is read on to
    # the limit.
    content = file.read(min(expected, MAX_RECORD_BYTES) + 1)
    if len(content) > expected:
        content += file.read(MAX_RECORD_BYTES + 1 - len(content))
    digest = hashlib.sha256(content)
    size = len(content)
    if size > MAX_RECORD_BYTES:
        while chunk := file.read(HASH_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return content, size, digest.hexdigest()


def too_big(size: int) -> str:
    """The reject reason of a record over the size limit."""
    return f"the record is {size:,} bytes, more than the limit of {MAX_RECORD_BYTES:,} bytes"


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


def unreadable(exc: OSError) -> str:
    """The reject reason of a file that cannot be read."""
    return f"cannot read the file: {exc.strerror or exc}"
