"""Bad records are refused one by one into etl_rejects; everything valid still loads."""

import subprocess
import sys
from pathlib import Path

import pytest

from helpers import EVENT, DataDir, load, query, scalar
from sparkify.intake import Intake

REPO = Path(__file__).resolve().parent.parent


def rejects(dsn: str) -> list[tuple]:
    """(file name, line, reason) of every reject, in order."""
    rows = query(dsn, "select file, line, reason from etl_rejects order by file, line")
    return [(Path(file).name, line, reason) for file, line, reason in rows]


def test_each_bad_line_is_rejected_with_a_reason_and_the_rest_loads(schema: str, data: DataDir):
    path = data.log("d.json", {"itemInSession": 0}, {"itemInSession": 1})
    bad = [
        b'{"page": "NextSong", "ts": 15411',  # truncated
        b'{"page": "NextSong", "ts": "soon", "userId": "7"}',
        b'{"page": "NextSong", "ts": 1541105830796, "userId": ""}',
        b"[1, 2, 3]",
        b'{"page": "NextSong", "ts": 1541105830796, "userId": "7", "level": "gold"}',
        b"\xff\xfe not utf-8",
    ]
    data.append(path, b"\n   \n" + b"\n".join(bad) + b"\n")
    assert load(schema, data) == 0
    assert scalar(schema, "select count(*) from songplays") == 2
    found = rejects(schema)
    assert [(name, line) for name, line, _ in found] == [("d.json", n) for n in range(5, 11)]
    reasons = [reason for _, _, reason in found]
    assert reasons[0].startswith("invalid JSON: ")
    assert reasons[1] == "ts is not a whole number in range: 'soon'"
    assert reasons[2] == "userId is missing"
    assert reasons[3] == "expected a JSON object, found list"
    assert reasons[4] == "level is neither free nor paid: 'gold'"
    assert reasons[5].startswith("invalid JSON: ")
    raw = scalar(schema, "select raw from etl_rejects where line = 6")
    assert raw == bad[1].decode()


def test_song_files_missing_required_fields_are_rejected(schema: str, data: DataDir):
    data.song(song_id="SO1")
    data.song(song_id="SO2", title="")
    data.song(song_id="SO3", duration="long")
    assert load(schema, data) == 0
    assert query(schema, "select song_id from songs") == [("SO1",)]
    assert rejects(schema) == [
        ("SO2.json", 1, "title is missing"),
        ("SO3.json", 1, "duration is not a number: 'long'"),
    ]


def test_blank_lines_non_json_files_and_empty_files_are_skipped(
    schema: str, data: DataDir, capsys: pytest.CaptureFixture[str]
):
    path = data.log("d.json", {})
    path.write_bytes(b"\n\n" + path.read_bytes() + b"\n \n")
    (data.root / "log_data" / "notes.txt").write_text("not data")
    (data.root / "log_data" / "empty.json").write_bytes(b"")
    assert load(schema, data) == 0
    assert "files: 2 read, 0 unchanged and skipped\n  note: 1 empty files skipped\n" in (
        capsys.readouterr().out
    )
    assert scalar(schema, "select count(*) from songplays") == 1
    assert scalar(schema, "select count(*) from etl_rejects") == 0
    files = query(schema, "select path, lines, rows_loaded, rejected, skipped from etl_files")
    assert sorted((Path(p).name, *rest) for p, *rest in files) == [
        ("d.json", 5, 1, 0, 4),
        ("empty.json", 0, 0, 0, 0),
    ]


def test_summary_counts_rejects_and_says_where_to_look(dsn: str, data: DataDir):
    data.append(data.log("d.json", {}), b"{oops\n")
    assert (
        subprocess.run([sys.executable, "create_tables.py", "--dsn", dsn], cwd=REPO).returncode == 0
    )
    result = subprocess.run(
        [sys.executable, "etl.py", "--dsn", dsn, "--data", str(data.root)],
        cwd=REPO, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0
    run_id = scalar(dsn, "select run_id from etl_rejects")
    assert "rejected records: 1\n" in result.stdout
    assert f"\n    see: select * from etl_rejects where run_id = '{run_id}'\n" in result.stdout


def test_strict_exits_6_after_loading_the_valid_rows(schema: str, data: DataDir, capsys):
    data.append(data.log("d.json", {}), b"{oops\n")
    assert load(schema, data, "--strict") == 6
    assert capsys.readouterr().err == "error: 1 records rejected (--strict)\n"
    assert scalar(schema, "select count(*) from songplays") == 1


def test_strict_exits_0_without_rejects(schema: str, data: DataDir):
    data.log("d.json", {})
    assert load(schema, data, "--strict") == 0


def test_a_file_that_vanishes_before_reading_is_rejected_whole(tmp_path: Path):
    missing = tmp_path / "gone.json"
    with Intake("run") as intake:
        assert list(intake.event_text([missing])) == []
        assert intake.rejected == 1
        assert intake.tallies == []
        line = intake.reject_csv().read()
    assert line == f"run,{missing},,cannot read the file: No such file or directory,\r\n"


def test_nul_characters_are_rejected_not_fatal(schema: str, data: DataDir):
    data.log("d.json", {"itemInSession": 0}, {"itemInSession": 1, "location": "a\x00b"})
    assert load(schema, data) == 0
    assert scalar(schema, "select count(*) from songplays") == 1
    assert rejects(schema) == [("d.json", 2, "location contains a NUL character")]
    assert "\ufffd" not in scalar(schema, "select raw from etl_rejects")  # JSON escapes it


def test_user_id_accepts_digits_in_a_string_or_a_number(schema: str, data: DataDir):
    data.log("d.json", {"itemInSession": 0, "userId": 8}, {"itemInSession": 1, "userId": "9"})
    assert load(schema, data) == 0
    assert query(schema, "select user_id from users order by 1") == [(8,), (9,)]
    assert EVENT["userId"] == "7"


def test_user_id_refuses_strings_that_only_look_like_digits(schema: str, data: DataDir):
    # str.isdigit() takes "²" and lstrip("-") takes "--5"; int() refuses both.
    data.log("d.json", *({"itemInSession": n, "userId": v} for n, v in enumerate(["²", "--5"])))
    assert load(schema, data) == 0
    assert rejects(schema) == [
        ("d.json", 1, "userId is not a whole number in range: '²'"),
        ("d.json", 2, "userId is not a whole number in range: '--5'"),
    ]
