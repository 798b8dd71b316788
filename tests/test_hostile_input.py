"""Hostile input on the reading side: each odd record, file or folder is one reject and the rest
loads; nothing fails with a traceback, hangs, or is skipped in silence.
"""

import hashlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import orjson
import pytest

from helpers import EVENT, SONG, DataDir, load, query, scalar
from sparkify import held, intake, logblocks
from sparkify import rejects as reject_spool
from sparkify.intake import Intake
from sparkify.logblocks import CHANGED
from sparkify.read import MAX_RECORD_BYTES, NotRegularFile, open_regular

REPO = Path(__file__).resolve().parent.parent
NO_SUCH_FILE = "cannot read the file: No such file or directory"


def run_etl(dsn: str, data: DataDir, prefix: list[str] = ()) -> subprocess.CompletedProcess:
    """Run etl.py as a separate process, killed after a minute: a hang fails, never blocks."""
    command = [*prefix, sys.executable, "etl.py", "--dsn", dsn, "--data", str(data.root)]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)


def rejects(dsn: str) -> list[tuple]:
    """(file relative to the data folder, line, reason) of every reject, in order."""
    return query(dsn, "select file, line, reason from etl_rejects order by file, line")


def relative(data: DataDir, found: list[tuple]) -> list[tuple]:
    """Rows whose first column is a path, with the path relative to the data folder."""
    return [(os.path.relpath(path, data.root.resolve()), *rest) for path, *rest in found]


def items(dsn: str) -> list[int]:
    """The item_in_session of every play, in order."""
    return [item for (item,) in query(dsn, "select item_in_session from songplays order by 1")]


def events(*items: int) -> list[dict]:
    """Plays of the default user and session with these items."""
    return [{"itemInSession": item} for item in items]


@pytest.fixture
def workers(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Whether the load shapes in worker processes (else all in this one)."""
    if request.param:
        monkeypatch.setattr(intake, "PARALLEL_FROM_BYTES", 0)
        monkeypatch.setattr(intake, "PARALLEL_FROM_FILES", 0)
    return request.param


in_both = pytest.mark.parametrize("workers", [False, True], indirect=True, ids=["here", "workers"])


def test_names_that_are_not_utf8_are_rejected_as_valid_text(
    schema: str, data: DataDir, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
):
    data.log("good.json", *events(0))
    logs = os.fsencode(data.root / "log_data")
    (Path(os.fsdecode(logs + b"/caf\xe9.json"))).write_bytes(orjson.dumps(EVENT) + b"\n")
    folder = Path(os.fsdecode(logs + b"/d\xe9j\xe0"))
    folder.mkdir()
    (folder / "x.json").write_bytes(orjson.dumps(EVENT) + b"\n")
    song = Path(os.fsdecode(os.fsencode(data.root / "song_data") + b"/\xff.json"))
    song.write_bytes(orjson.dumps(SONG))
    assert load(schema, data) == 0
    out = capsys.readouterr().out
    assert relative(data, rejects(schema)) == [
        ("log_data/caf\\xe9.json", None, "the file name is not UTF-8: rename the file to load it"),
        (
            "log_data/d\\xe9j\\xe0",
            None,
            "the folder name is not UTF-8: rename it to load the files in it",
        ),
        ("song_data/\\xff.json", None, "the file name is not UTF-8: rename the file to load it"),
    ]
    assert "rejected records: 3\n" in out
    warned = f"{data.root.resolve()}/log_data/caf\\xe9.json: the file name is not UTF-8: "
    assert warned + "rename the file to load it" in caplog.messages
    assert items(schema) == [0]
    assert scalar(schema, "select count(*) from songs") == 0
    assert scalar(schema, "select count(*) from etl_files") == 1


def opened(path: Path) -> Callable[[IO[bytes]], bool]:
    """A test of whether an open file is the file at path now (even once it is deleted)."""
    inode = path.stat().st_ino
    return lambda content: os.fstat(content.fileno()).st_ino == inode


def after_span(path: Path, number: int, action: Callable[[], None]) -> Callable:
    """A line_spans that runs action once it has given `number` spans of the file at path."""
    line_spans, is_target = logblocks.line_spans, opened(path)

    def spans(content: IO[bytes], digest: "hashlib._Hash") -> Iterator[logblocks.Span]:
        target = is_target(content)
        for given, span in enumerate(line_spans(content, digest), start=1):
            yield span
            if target and given == number:
                action()

    return spans


def rotate(path: Path) -> None:
    """Rotate a log file as logrotate does: rename it, and start a new, shorter one."""
    path.rename(path.with_suffix(".json.1"))
    path.write_bytes(orjson.dumps(EVENT) + b"\n")


@in_both
@pytest.mark.parametrize(
    ("action", "reason"),
    [(Path.unlink, NO_SUCH_FILE), (rotate, CHANGED)],
    ids=["deleted", "rotated"],
)
def test_a_log_file_deleted_or_rotated_while_read_is_rejected_whole(
    schema: str,
    data: DataDir,
    monkeypatch: pytest.MonkeyPatch,
    workers: bool,
    action: Callable[[Path], None],
    reason: str,
):
    data.log("a.json", *events(0, 1))
    doomed = data.log("b.json", *events(*range(10, 20)), {"itemInSession": 20, "level": "gold"})
    data.log("c.json", *events(2))
    monkeypatch.setattr(logblocks, "BLOCK_BYTES", 1000)  # two or three lines a block
    # The load keeps the file open, so it reads on; whoever shapes its later blocks cannot.
    monkeypatch.setattr(logblocks, "line_spans", after_span(doomed, 2, lambda: action(doomed)))
    assert load(schema, data) == 0
    assert items(schema) == [0, 1, 2]
    assert relative(data, rejects(schema)) == [("log_data/2018/11/b.json", None, reason)]
    files = relative(data, query(schema, "select path, lines from etl_files order by 1"))
    assert files == [("log_data/2018/11/a.json", 2), ("log_data/2018/11/c.json", 1)]


@in_both
def test_a_log_file_rewritten_after_it_was_read_is_rejected_then_loaded_as_it_is(
    schema: str, data: DataDir, monkeypatch: pytest.MonkeyPatch, workers: bool
):
    data.log("a.json", *events(0))
    path = data.log("b.json", *events(*range(10, 20)), {"level": "gold", "itemInSession": 5})
    old, mtime = path.read_bytes(), path.stat().st_mtime_ns
    new = old.replace(b'"itemInSession":1', b'"itemInSession":3')  # 10-19 become 30-39
    assert len(new) == len(old)
    assert new != old
    line_spans, is_target = logblocks.line_spans, opened(path)

    def read_then_rewrite(content: IO[bytes], digest: "hashlib._Hash") -> Iterator[logblocks.Span]:
        target = is_target(content)
        yield from line_spans(content, digest)
        if not target:
            return
        # The load has read and hashed the whole file; it has not shaped its last block yet.
        # Rewritten in place with its size and time kept (as cp -p or rsync -t do), the file
        # looks unchanged to stat: only the blocks' CRC-32 can tell.
        path.write_bytes(new)
        os.utime(path, ns=(mtime, mtime))

    monkeypatch.setattr(logblocks, "BLOCK_BYTES", 1000)
    monkeypatch.setattr(logblocks, "line_spans", read_then_rewrite)
    assert load(schema, data) == 0
    assert items(schema) == [0]
    assert relative(data, rejects(schema)) == [("log_data/2018/11/b.json", None, CHANGED)]
    assert query(schema, "select count(*) from etl_files where path = %s", (str(path),)) == [(0,)]
    monkeypatch.undo()
    assert load(schema, data) == 0  # the next run reads it, and the manifest says what it read
    assert items(schema) == [0, *range(30, 40)]
    manifest = query(
        schema, "select size, sha256, lines from etl_files where path = %s", (str(path),)
    )
    assert manifest == [(len(new), hashlib.sha256(new).hexdigest(), 11)]
    assert scalar(schema, "select count(*) from etl_rejects where line = 11") == 1  # the gold one


def test_a_log_file_that_grows_while_read_is_rejected_whole(
    schema: str, data: DataDir, monkeypatch: pytest.MonkeyPatch
):
    data.log("a.json", *events(0))
    path = data.log("b.json", *events(*range(10, 20)))
    monkeypatch.setattr(logblocks, "BLOCK_BYTES", 1000)
    # Written to between two reads of the load: what it read is no version of the file.
    grow = after_span(path, 1, lambda: data.append(path, orjson.dumps(EVENT) + b"\n"))
    monkeypatch.setattr(logblocks, "line_spans", grow)
    assert load(schema, data) == 0
    assert items(schema) == [0]
    assert relative(data, rejects(schema)) == [("log_data/2018/11/b.json", None, CHANGED)]


HUGE = "9" * 5000


@in_both
def test_numbers_of_thousands_of_digits_are_rejected_wherever_they_sit(
    schema: str, data: DataDir, workers: bool
):
    fields = ["userId", "sessionId", "itemInSession", "ts", "length"]
    bad = [{"itemInSession": n, field: HUGE} for n, field in enumerate(fields, start=1)]
    path = data.log("d.json", *events(0), *bad, *events(9))
    data.append(path, b'{"page": "NextSong", "userId": ' + HUGE.encode() + b"}\n")
    for n, field in enumerate(["year", "duration", "artist_latitude"]):
        data.song(song_id=f"SO{n}", **{field: HUGE})
    data.song(song_id="SO9")
    assert load(schema, data) == 0
    assert items(schema) == [0, 9]
    assert query(schema, "select song_id from songs") == [("SO9",)]
    cut = f"'{'9' * 39}... (5,002 characters)"
    found = relative(data, rejects(schema))
    assert found[:6] == [
        ("log_data/2018/11/d.json", 2, f"userId is not a whole number in range: {cut}"),
        ("log_data/2018/11/d.json", 3, f"sessionId is not a whole number in range: {cut}"),
        ("log_data/2018/11/d.json", 4, f"itemInSession is not a whole number in range: {cut}"),
        ("log_data/2018/11/d.json", 5, f"ts is not a whole number in range: {cut}"),
        ("log_data/2018/11/d.json", 6, f"length is not a number: {cut}"),
        ("log_data/2018/11/d.json", 8, found[5][2]),
    ]
    assert found[5][2].startswith("invalid JSON: number is infinity")  # a bare JSON number
    assert found[6:] == [
        ("song_data/A/B/C/SO0.json", 1, f"year is not a whole number in range: {cut}"),
        ("song_data/A/B/C/SO1.json", 1, f"duration is not a number: {cut}"),
        ("song_data/A/B/C/SO2.json", 1, f"artist_latitude is not a number: {cut}"),
    ]


PATH_MAX = os.pathconf("/", "PC_PATH_MAX")
LONG_NAME = "f" * 245 + ".json"


def too_deep(top: Path) -> tuple[Path, Path]:
    """Folders under top down to a path longer than PATH_MAX, each with a log file of a play.

    Returns the last folder whose path fits (its files' paths do not) and the one below it,
    whose path does not fit. Made through folder descriptors, for which no path is too long.
    """
    name, fds, path = "d" * 250, [os.open(top, os.O_RDONLY)], str(top)
    try:
        while len(path) + 1 + len(name) < PATH_MAX:
            os.mkdir(name, dir_fd=fds[-1])
            fds.append(os.open(name, os.O_RDONLY, dir_fd=fds[-1]))
            path += "/" + name
        os.mkdir(name, dir_fd=fds[-1])
        fds.append(os.open(name, os.O_RDONLY, dir_fd=fds[-1]))
        for fd in fds[-2:]:
            file = os.open(LONG_NAME, os.O_WRONLY | os.O_CREAT, dir_fd=fd)
            os.write(file, orjson.dumps({**EVENT, "itemInSession": 7}) + b"\n")
            os.close(file)
    finally:
        for fd in fds:
            os.close(fd)
    return Path(path), Path(path) / name


def test_paths_longer_than_the_system_allows_are_rejected(schema: str, data: DataDir):
    data.log("good.json", *events(0))
    top = data.root / "log_data" / "deep"
    top.mkdir()
    try:
        shallow, deep = too_deep(top)
        assert len(str(deep)) >= PATH_MAX > len(str(shallow))
        assert len(str(shallow / LONG_NAME)) >= PATH_MAX
        assert load(schema, data) == 0
        assert items(schema) == [0]
        assert rejects(schema) == [  # deep sorts first: "dd..." < "ff..."
            (str(deep), None, "cannot read the folder: File name too long"),
            (str(shallow / LONG_NAME), None, "cannot read the file: File name too long"),
        ]
    finally:
        shutil.rmtree(top)  # by folder descriptors: deep paths are no problem for it


def unprivileged() -> list[str]:
    """A command prefix under which chmod 000 bites even for root (who otherwise ignores it)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.fail("running as root, the test needs setpriv (util-linux) to drop CAP_DAC_*")
    caps = "-dac_override,-dac_read_search"
    return [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}"]


def test_a_folder_that_cannot_be_read_is_rejected_and_counted(schema: str, data: DataDir):
    data.log("good.json", *events(0))
    locked = data.root / "log_data" / "2018" / "12"
    locked.mkdir()
    (locked / "hidden.json").write_bytes(orjson.dumps(EVENT) + b"\n")
    song = data.root / "song_data" / "locked"
    song.mkdir()
    locked.chmod(0)
    song.chmod(0)
    try:
        result = run_etl(schema, data, unprivileged())
    finally:
        locked.chmod(0o755)
        song.chmod(0o755)
    assert result.returncode == 0, result.stderr
    assert relative(data, rejects(schema)) == [
        ("log_data/2018/12", None, "cannot read the folder: Permission denied"),
        ("song_data/locked", None, "cannot read the folder: Permission denied"),
    ]
    assert "rejected records: 2\n" in result.stdout
    assert items(schema) == [0]


def test_fifos_devices_and_linked_folders_are_rejected_never_read(
    schema: str, data: DataDir, tmp_path: Path
):
    data.log("good.json", *events(0))
    os.mkfifo(data.root / "log_data" / "pipe.json")
    os.mkfifo(data.root / "song_data" / "pipe.json")
    (data.root / "log_data" / "zero.json").symlink_to("/dev/zero")
    (data.root / "log_data" / "gone.json").symlink_to(tmp_path / "nowhere.json")
    (data.root / "song_data" / "linked").symlink_to(data.root / "log_data")
    result = run_etl(schema, data)
    assert result.returncode == 0, result.stderr
    assert relative(data, rejects(schema)) == [
        ("log_data/gone.json", None, NO_SUCH_FILE),
        ("log_data/pipe.json", None, "cannot read the file: it is a FIFO, not a regular file"),
        (
            "log_data/zero.json",
            None,
            "cannot read the file: it is a character device, not a regular file",
        ),
        (
            "song_data/linked",
            None,
            "a symbolic link to a folder: the load does not follow links to folders",
        ),
        ("song_data/pipe.json", None, "cannot read the file: it is a FIFO, not a regular file"),
    ]
    assert "rejected records: 5\n" in result.stdout
    assert items(schema) == [0]


@pytest.fixture
def alarm() -> Iterator[None]:
    """Fail a test that blocks for 10 seconds instead of hanging the run."""

    def hung(*_: object) -> None:
        raise TimeoutError("blocked for 10 s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.mark.usefixtures("alarm")
def test_a_fifo_that_replaced_a_listed_file_is_refused_at_once(tmp_path: Path):
    fifo = tmp_path / "listed.json"
    os.mkfifo(fifo)
    with pytest.raises(NotRegularFile, match=r"^it is a FIFO, not a regular file$"):
        open_regular(str(fifo))
    with Intake("run") as reading:
        assert list(reading.song_text([str(fifo)])) == [""]
        assert list(reading.event_text([str(fifo)])) == []
        assert reading.rejected == 2
        assert reading.tallies == []


def line_of(size: int, item: int) -> bytes:
    """A play of exactly size bytes, padded in its location."""
    line = orjson.dumps({**EVENT, "itemInSession": item, "location": ""})
    return line.replace(b'"location":""', b'"location":"' + b"x" * (size - len(line)) + b'"')


def test_records_over_the_size_limit_are_rejected(schema: str, data: DataDir):
    at_limit, over = line_of(MAX_RECORD_BYTES, 1), line_of(MAX_RECORD_BYTES + 1, 2)
    huge = b"[" * (5 * 2**20)  # longer than a read of the load: never held whole
    assert len(at_limit) == MAX_RECORD_BYTES
    assert len(over) == MAX_RECORD_BYTES + 1
    path = data.log("d.json", *events(0))
    data.append(
        path, b"\n".join([at_limit, over, huge, orjson.dumps(EVENT | {"itemInSession": 3})])
    )
    data.song(song_id="SO1", title="x" * MAX_RECORD_BYTES)
    data.song(song_id="SO2")
    assert load(schema, data) == 0
    assert items(schema) == [0, 1, 3]
    assert query(schema, "select song_id from songs") == [("SO2",)]
    limit = f"more than the limit of {MAX_RECORD_BYTES:,} bytes"
    song_size = (data.root / "song_data/A/B/C/SO1.json").stat().st_size
    assert relative(data, rejects(schema)) == [
        ("log_data/2018/11/d.json", 3, f"the record is {MAX_RECORD_BYTES + 1:,} bytes, {limit}"),
        ("log_data/2018/11/d.json", 4, f"the record is {len(huge):,} bytes, {limit}"),
        ("song_data/A/B/C/SO1.json", 1, f"the record is {song_size:,} bytes, {limit}"),
    ]
    raws = query(schema, "select length(raw), left(raw, 20) from etl_rejects order by file, line")
    assert raws == [(2000, over.decode()[:20]), (2000, "[" * 20), (2000, '{"num_songs":1,"arti')]
    assert query(schema, "select lines, rows_loaded, rejected from etl_files order by path") == [
        (5, 3, 2),
        (1, 0, 1),
        (1, 1, 0),
    ]


@in_both
def test_a_log_file_of_many_blocks_loads_whole_through_the_disk_spools(
    schema: str, data: DataDir, monkeypatch: pytest.MonkeyPatch, workers: bool
):
    path = data.log("d.json", *events(*range(30)))
    data.append(path, b"{oops\n" * 3)
    data.log("e.json", *events(99))
    # Rows and rejects of a file held until its last block, spilled to disk past 64 bytes.
    monkeypatch.setattr(logblocks, "BLOCK_BYTES", 500)
    monkeypatch.setattr(held, "HELD_IN_MEMORY", 64)
    monkeypatch.setattr(reject_spool, "REJECTS_IN_MEMORY", 64)
    assert load(schema, data) == 0
    assert items(schema) == [*range(30), 99]
    assert [line for _, line, _ in rejects(schema)] == [31, 32, 33]
    counts = query(schema, "select lines, rows_loaded, rejected from etl_files order by path")
    assert counts == [(33, 30, 3), (1, 1, 0)]
