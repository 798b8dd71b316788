"""The manifest's side of a run: tallies spooled as COPY text, read back as they were."""

from sparkify.manifest import FileTally, TallySpool


def test_spooled_tallies_read_back_as_they_were_written():
    written = [
        FileTally("song_data/a.json", 120, "ab" * 32, 1, 1, 0, 0),
        FileTally("log_data/tab\there, back\\slash,\nnewline.json", 0, "", 0, 0, 0, 0),
        FileTally("log_data/2018-11-01-events.json", 2**40, "cd" * 32, 9, 6, 1, 2),
    ]
    spool = TallySpool()
    try:
        for tally in written:
            spool.add(tally)
        assert spool.count == 3
        assert spool.tallies() == written
        spool.add(written[0])  # more can follow a read-back
        assert spool.tallies() == [*written, written[0]]
    finally:
        spool.close()
