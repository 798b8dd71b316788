"""The walk of a data folder: path order, a folder listed only when the walk reaches it."""

import os
from pathlib import Path

from sparkify.read import Refusal, json_files, walk_json

FIFO = "cannot read the file: it is a FIFO, not a regular file"


def touch(root: Path, *names: str) -> list[str]:
    """Make empty files under root; their paths, as the walk gives them."""
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).touch()
    return [str(root / name) for name in names]


def test_the_walk_gives_the_order_of_the_whole_paths(tmp_path: Path):
    # "-" and "." sort before "/": a folder's files come after a.json and a-b.json, though
    # the name "a" sorts before both.
    made = touch(tmp_path, "a/x.json", "a.json", "a-b.json", "a/b/c.json", "ab/z.json", "B.json")
    (tmp_path / "notes.txt").touch()  # not *.json: not listed
    os.mkfifo(tmp_path / "a/pipe.json")
    walked = list(walk_json(tmp_path))
    expected = sorted([*made, str(tmp_path / "a/pipe.json")])
    assert [item if isinstance(item, str) else item.path for item in walked] == expected
    assert Refusal(str(tmp_path / "a/pipe.json"), FIFO) in walked
    assert json_files(tmp_path) == (sorted(made), [Refusal(str(tmp_path / "a/pipe.json"), FIFO)])


def test_the_walk_lists_a_folder_only_when_it_reaches_it(tmp_path: Path):
    first, last = touch(tmp_path, "A/x.json", "C/z.json")
    walk = walk_json(tmp_path)
    assert next(walk) == first
    # Made in C after the walk began, before it reached C: a walk that listed the tree up
    # front would miss it.
    (added,) = touch(tmp_path, "C/y.json")
    assert list(walk) == [added, last]
