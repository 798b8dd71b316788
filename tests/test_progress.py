"""What a load shows while it works and when it ends: bars that follow the work, a clean summary."""

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from helpers import DataDir, load
from sparkify import intake, logblocks
from sparkify.intake import LOG_BYTES, SONG_FILES, Intake

REPO = Path(__file__).resolve().parent.parent
RUN = re.compile(r"this run \(id [0-9]{8}T[0-9]{6}-[0-9a-f]{6}, in etl_runs\):")


@pytest.fixture
def eager_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small units of work, in worker processes from the first: the intake reads far ahead."""
    monkeypatch.setattr(intake, "SONG_FILES_PER_BATCH", 2)
    monkeypatch.setattr(logblocks, "BLOCK_BYTES", 1)  # a block per line
    monkeypatch.setattr(intake, "PARALLEL_FROM_FILES", 0)
    monkeypatch.setattr(intake, "PARALLEL_FROM_BYTES", 0)


def test_song_progress_counts_files_as_their_rows_go_to_copy(data: DataDir, eager_workers):
    for n in range(12):
        data.song(song_id=f"SO{n:02}")
    paths = sorted(str(p) for p in (data.root / "song_data").rglob("*.json"))
    reported: list[tuple[str, int]] = []
    with Intake("run", progress=lambda kind, n: reported.append((kind, n))) as songs:
        handed, counted = [], []
        for chunk in songs.song_text(paths):
            handed.append(chunk.count("\n"))  # one row per song file
            counted.append(sum(n for _, n in reported))
    assert {kind for kind, _ in reported} == {SONG_FILES}
    assert counted == [2, 4, 6, 8, 10, 12]
    assert handed == [2] * 6


def test_log_progress_counts_bytes_as_their_rows_go_to_copy(data: DataDir, eager_workers):
    # Lines of one length, all song plays: each line is a block, a row and len(line) bytes.
    events = [{"itemInSession": 10 + n, "sessionId": day} for day in range(3) for n in range(8)]
    for day in range(3):
        data.log(f"2018-11-0{day + 1}-events.json", *events[day * 8 : day * 8 + 8])
    paths = sorted(str(p) for p in (data.root / "log_data").rglob("*.json"))
    line_bytes = len(Path(paths[0]).read_bytes()) // 8
    reported: list[tuple[str, int]] = []
    with Intake("run", progress=lambda kind, n: reported.append((kind, n))) as logs:
        rows = 0
        for chunk in logs.event_text(paths):
            rows += chunk.count("\n")
            assert sum(n for _, n in reported) == rows * line_bytes
    assert {kind for kind, _ in reported} == {LOG_BYTES}
    assert rows == 24


def screen(output: str) -> list[str]:
    """The lines a terminal shows after output: carriage returns and cursor-ups applied."""
    lines, row, col = [""], 0, 0
    for token in re.findall(r"\x1b\[[0-9;]*[A-Za-z]|\r|\n|[^\x1b\r\n]", output):
        if token == "\x1b[A":
            row = max(row - 1, 0)
        elif token.startswith("\x1b"):
            continue
        elif token == "\r":
            col = 0
        elif token == "\n":
            row, col = row + 1, 0
            lines += [""] * (row + 1 - len(lines))
        else:
            line = lines[row].ljust(col)
            lines[row] = line[:col] + token + line[col + 1 :]
            col += 1
    return [line.rstrip() for line in lines if line.strip()]


def on_a_terminal(*args: str) -> tuple[int, str]:
    """Run a repo script on a pseudo-terminal 100 columns wide; its exit code and output."""
    main, child = os.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
    process = subprocess.Popen([sys.executable, *args], cwd=REPO, stdin=child, stdout=child,
                               stderr=child, start_new_session=True)  # fmt: skip
    os.close(child)
    output = b""
    while True:
        ready, _, _ = select.select([main], [], [], 120)
        if not ready:
            process.kill()
            pytest.fail("no output for 120 s")
        try:
            data = os.read(main, 65536)
        except OSError:  # the terminal's other side closed: the script ended
            break
        if not data:
            break
        output += data
    os.close(main)
    return process.wait(timeout=60), output.decode()


def test_a_terminal_sees_bars_then_each_step_then_a_clean_summary(schema: str):
    code, output = on_a_terminal("etl.py", "--dsn", schema)
    assert code == 0, output
    assert "merging the songs and artists..." in output
    assert re.search(r"merging [0-9,]+ song plays into time, users and songplays\.\.\.", output)
    assert "committing..." in output
    shown = screen(output)
    # The two bars, full, then the summary and nothing else: no step line, no bar fragment.
    assert re.fullmatch(r"song files: 100%\|█+\| 300/300 \[.*\]", shown[0])
    assert re.fullmatch(r"log files: 100%\|█+\| 2.26M/2.26M \[.*\]", shown[1])
    assert RUN.fullmatch(shown[3])
    assert shown[2:3] + shown[4:] == [
        f"loaded into {schema}",
        "  files: 330 read, 0 unchanged and skipped",
        "  mis-decoded text repaired: 30 (artist 27, song 3)",
        "  rejected records: 0",
        "the tables now hold:",
        "  table              rows",
        "  songplays         4,078",
        "  users               100",
        "  songs               300",
        "  artists             200",
        "  time              4,073",
        "  song plays matched to a song: 639 of 4,078 (15.67%)",
    ]


def test_the_summary_says_what_this_run_did_and_what_the_tables_hold(
    schema: str, data: DataDir, capsys: pytest.CaptureFixture[str]
):
    data.song()
    data.log("d.json", {}, {"itemInSession": 1, "song": "Other"})
    assert load(schema, data) == 0
    assert load(schema, data) == 0
    out = RUN.sub("this run:", capsys.readouterr().out)
    first, second = out.split(f"no file read, nothing loaded into {schema}\n")
    tables = (
        "the tables now hold:\n"
        "  table              rows\n"
        "  songplays             2\n"
        "  users                 1\n"
        "  songs                 1\n"
        "  artists               1\n"
        "  time                  1\n"
        "  song plays matched to a song: 1 of 2 (50.00%)\n"
    )
    this_run = (
        "this run:\n"
        "  files: {} read, {} unchanged and skipped\n"
        "  mis-decoded text repaired: 0 (none)\n"
        "  rejected records: 0\n"
    )
    assert first == f"loaded into {schema}\n" + this_run.format(2, 0) + tables
    assert second == this_run.format(0, 2) + tables
