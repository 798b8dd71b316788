"""Write a deterministic Sparkify-style data set: one JSON file per song, one event log per day.

Run from the project root: python -m tools.generate_data --out DIR --songs N --events M
"""

import argparse
import bisect
import heapq
import json
import math
import random
import shutil
import sys
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from itertools import accumulate, chain, pairwise
from pathlib import Path
from typing import BinaryIO

import orjson

from tools import names

SECONDS_PER_DAY = 86_400
MS_PER_DAY = SECONDS_PER_DAY * 1000
HEX = "0123456789ABCDEF"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# Shares of NextSong plays: garbled ones are taken out of the exact matches' band.
MATCH_SHARE = 0.15
MOJIBAKE_SHARE = 0.006
# Users who play all day play long sessions, not hundreds of short ones.
MEAN_SESSION_EVENTS = 9
MAX_SESSIONS_PER_DAY = 4
LOGGED_OUT_START = 0.08
HOME_START = 0.45
LEVEL_SWITCHERS = 0.15
# UTC hour of day -> relative activity; nights are quiet, evenings busy.
HOURLY = (3, 2, 1.5, 1, 1, 1.5, 2.5, 4, 5, 5.5, 6, 6.5, 7, 7, 7, 7.5, 8, 9, 10, 10, 9.5, 8, 6, 4.5)

PAGE_REQUEST = {
    "NextSong": ("PUT", 200),
    "Home": ("GET", 200),
    "Login": ("PUT", 307),
    "Logout": ("PUT", 307),
    "Settings": ("GET", 200),
    "Save Settings": ("PUT", 307),
    "Help": ("GET", 200),
    "About": ("GET", 200),
    "Error": ("GET", 404),
    "Upgrade": ("GET", 200),
    "Downgrade": ("GET", 200),
    "Submit Upgrade": ("PUT", 307),
    "Submit Downgrade": ("PUT", 307),
}
LOGGED_IN_PAGES = {
    "free": {"NextSong": 900, "Home": 85, "Logout": 13, "Settings": 7, "Save Settings": 1.5,
             "Help": 5, "About": 3, "Upgrade": 6, "Error": 1.2},
    "paid": {"NextSong": 900, "Home": 85, "Logout": 13, "Settings": 7, "Save Settings": 1.5,
             "Help": 5, "About": 3, "Downgrade": 8, "Error": 1.2},
}  # fmt: skip
LOGGED_OUT_PAGES = {"Home": 50, "Login": 40, "About": 6, "Help": 4}

# (song, artist, length) of a play, the texts already JSON-encoded in the real logs' style.
Play = tuple[orjson.Fragment, orjson.Fragment, float]
Step = tuple[str, bool, Play | None, str, int]
# (ts, user index, user's event number, line, is NextSong): unique before the line is compared.
Line = tuple[int, int, int, bytes, bool]


@dataclass
class GeneratedStats:
    """How much the generator wrote."""

    song_files: int = 0
    artists: int = 0
    users: int = 0
    events: int = 0
    next_song_events: int = 0
    log_files: int = 0
    bytes_written: int = 0


@dataclass(frozen=True, slots=True)
class Artist:
    """An artist as the song files describe it."""

    artist_id: str
    name: str
    location: str
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True, slots=True)
class Song:
    """One song file's content."""

    track_id: str
    song_id: str
    title: str
    duration: float
    year: int
    artist: Artist


@dataclass(frozen=True, slots=True)
class Identity:
    """The user fields of an event, texts JSON-encoded; null with an empty userId if logged out."""

    user_id: str
    first_name: orjson.Fragment | None
    last_name: orjson.Fragment | None
    gender: str | None
    location: orjson.Fragment | None
    registration: float | None
    agent: orjson.Fragment | None


ANONYMOUS = Identity("", None, None, None, None, None, None)


@dataclass(slots=True)
class Listener:
    """A user: who they are, how many events they make, and their current level."""

    index: int
    identity: Identity
    budget: int
    level: str
    switch_at: int  # events before the level switch; -1 for a user who never switches
    done: int = 0  # events planned so far
    written: int = 0  # events turned into lines so far


class Weighted:
    """A fast weighted choice among fixed options."""

    def __init__(self, weights: dict[str, float]) -> None:
        """Prepare the cumulative weights for bisection."""
        self.options = list(weights)
        self.cumulative = list(accumulate(weights.values()))

    def pick(self, rng: random.Random) -> str:
        """One option, drawn by weight."""
        return self.options[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]


BROWSING = {level: Weighted(pages) for level, pages in LOGGED_IN_PAGES.items()}
LOGGED_OUT = Weighted(LOGGED_OUT_PAGES)


@dataclass(frozen=True, slots=True)
class Catalog:
    """What users play: songs from song_data, songs not in it, and garbled known songs."""

    known: list[Play]
    unknown: list[Play]
    garbled: list[Play]

    def pick(self, rng: random.Random) -> Play:
        """A play: mostly unknown songs, some exact song_data songs, a few garbled ones."""
        roll = rng.random()
        if roll < MOJIBAKE_SHARE and self.garbled:
            return popular(self.garbled, rng)
        if roll < MATCH_SHARE and self.known:
            return popular(self.known, rng)
        return popular(self.unknown, rng)


class Clock:
    """The period's seconds, with sessions starting more often in busy hours."""

    def __init__(self, start: date, days: int, rng: random.Random) -> None:
        """Lay out the period's hourly activity weights and each day's millisecond phase."""
        midnight = datetime(start.year, start.month, start.day, tzinfo=UTC)
        self.start_ms = int(midnight.timestamp()) * 1000
        self.days = days
        self.seconds = days * SECONDS_PER_DAY
        day_factors = [rng.uniform(0.8, 1.2) for _ in range(days)]
        weights = [HOURLY[hour % 24] * day_factors[hour // 24] for hour in range(days * 24)]
        self.hour_weights = weights
        self.cumulative = list(accumulate(weights))
        # Real logs stamp all events on one sub-second phase, so distinct events share a ts
        # whenever they share a second; a phase per day keeps that and varies the milliseconds.
        self.phases = [rng.randint(1, 999) for _ in range(days)]

    def second_at(self, fraction: float) -> int:
        """The second of the period below which this fraction of all activity falls."""
        target = fraction * self.cumulative[-1]
        hour = min(bisect.bisect(self.cumulative, target), len(self.cumulative) - 1)
        before = self.cumulative[hour - 1] if hour else 0.0
        within = (target - before) / self.hour_weights[hour]
        return min(hour * 3600 + int(within * 3600), self.seconds - 1)

    def session_starts(self, count: int, rng: random.Random) -> Iterator[int]:
        """Count sorted session starts, drawn one by one so that memory stays flat."""
        fraction = 0.0
        for left in range(count, 0, -1):
            # The next order statistic of `left` uniforms above `fraction`.
            fraction = 1.0 - (1.0 - fraction) * rng.random() ** (1.0 / left)
            yield self.second_at(fraction)

    def ms(self, second: int) -> int:
        """The ts, in ms since the epoch, of a second of the period."""
        return self.start_ms + second * 1000 + self.phases[second // SECONDS_PER_DAY]


def popular(plays: Sequence[Play], rng: random.Random) -> Play:
    """A play drawn with a long tail: the first entries are the hits."""
    return plays[int(len(plays) * rng.random() ** 3)]


def fragment(text: str) -> orjson.Fragment:
    """The text as a JSON string in the real logs' style: every non-ASCII character escaped."""
    return orjson.Fragment(json.dumps(text).encode("ascii"))


def as_play(title: str, artist: str, length: float) -> Play:
    """A play of this song, ready to be written."""
    return fragment(title), fragment(artist), length


def mojibake(text: str) -> str:
    """The text UTF-8 encoded and read back as Latin-1 twice, as the real logs garble it."""
    for _ in range(2):
        text = text.encode("utf-8").decode("latin-1")
    return text


def make_id(
    rng: random.Random, prefix: str, middle: str, taken: set[str], lead: str = LETTERS
) -> str:
    """A new 18-character id in the Million Song Dataset's shape, its letters 3-5 from lead."""
    while True:
        head = prefix + "".join(rng.choices(lead, k=3) + rng.choices(LETTERS, k=2)) + middle
        ident = head + "".join(rng.choices(HEX, k=18 - len(head)))
        if ident not in taken:
            taken.add(ident)
            return ident


def artist_place(rng: random.Random) -> tuple[str, float | None, float | None]:
    """Where an artist is from: unknown, named without coordinates, or a located city."""
    roll = rng.random()
    if roll < 0.35:
        return "", None, None
    if roll < 0.5:
        return rng.choice(names.PLACES_WITHOUT_COORDINATES), None, None
    return rng.choice(names.ARTIST_PLACES)


def make_artists(count: int, rng: random.Random) -> list[Artist]:
    """Count artists with unique names; the first one always has an accented name."""
    taken_names: set[str] = set()
    taken_ids: set[str] = set()
    artists = []
    for index in range(count):
        # An accented first artist guarantees that even tiny sets have garbled plays.
        make = names.accented_name if index == 0 else names.artist_name
        name = names.unique(lambda make=make: make(rng), taken_names)
        artist_id = make_id(rng, "AR", "1187", taken_ids)
        artists.append(Artist(artist_id, name, *artist_place(rng)))
    return artists


def song_duration(rng: random.Random) -> float:
    """A song length in seconds, rounded to 5 decimals as in the real files."""
    return round(min(max(rng.lognormvariate(math.log(230.0), 0.35), 20.0), 1500.0), 5)


def folder_letters(songs: int) -> str:
    """The letters that track ids' folder letters are drawn from: about 50 songs per folder."""
    # Like the real sample, a subset of the A/B/C folder tree; creating folders is slow.
    return LETTERS[: max(1, min(26, math.ceil((songs / 50) ** (1 / 3))))]


def make_songs(count: int, artists: list[Artist], rng: random.Random) -> list[Song]:
    """Count songs: every artist gets one, the rest go mostly to a few prolific artists."""
    titles: dict[str, set[str]] = {}
    taken_ids: set[str] = set()
    lead = folder_letters(count)
    songs = []
    for index in range(count):
        artist = artists[index] if index < len(artists) else popular_artist(artists, rng)
        title = names.unique(lambda: names.title(rng), titles.setdefault(artist.artist_id, set()))
        track_id = make_id(rng, "TR", "128F", taken_ids, lead)
        song_id = make_id(rng, "SO", "12AB0", taken_ids)
        year = 0 if rng.random() < 0.55 else rng.randint(1956, 2010)
        songs.append(Song(track_id, song_id, title, song_duration(rng), year, artist))
    # Shuffled so that the hits (first entries) are not all one-song artists.
    rng.shuffle(songs)
    return songs


def popular_artist(artists: list[Artist], rng: random.Random) -> Artist:
    """An artist drawn with a long tail, so a few have many songs."""
    return artists[int(len(artists) * rng.random() ** 2)]


def song_record(song: Song) -> dict[str, object]:
    """The song file's object, keys in the real files' order."""
    artist = song.artist
    return {
        "num_songs": 1,
        "artist_id": artist.artist_id,
        "artist_latitude": artist.latitude,
        "artist_longitude": artist.longitude,
        "artist_location": artist.location,
        "artist_name": artist.name,
        "song_id": song.song_id,
        "title": song.title,
        "duration": song.duration,
        "year": song.year,
    }


def write_songs(root: Path, songs: list[Song], stats: GeneratedStats) -> None:
    """Write song_data/X/Y/Z/TRXYZ....json, one object per file like the real ones."""
    made: set[Path] = set()
    for song in songs:
        track = song.track_id
        folder = root / "song_data" / track[2] / track[3] / track[4]
        if folder not in made:
            folder.mkdir(parents=True, exist_ok=True)
            made.add(folder)
        # json.dumps defaults (", " separators, \u escapes) are exactly the real files' style.
        data = json.dumps(song_record(song)).encode("ascii")
        (folder / f"{track}.json").write_bytes(data)
        stats.song_files += 1
        stats.bytes_written += len(data)


def unknown_plays(songs: list[Song], count: int, rng: random.Random) -> list[Play]:
    """Count songs that are not in song_data, some by artists who are in it."""
    taken_artists = {song.artist.name for song in songs}
    strangers = [
        names.unique(lambda: names.artist_name(rng), taken_artists)
        for _ in range(max(1, count // 3))
    ]
    taken: dict[str, set[str]] = {}
    for song in songs:
        taken.setdefault(song.artist.name, set()).add(song.title)
    plays = []
    for _ in range(count):
        if songs and rng.random() < 0.2:
            artist = rng.choice(songs).artist.name
        else:
            artist = strangers[int(len(strangers) * rng.random() ** 2)]
        title = names.unique(lambda: names.title(rng), taken.setdefault(artist, set()))
        plays.append(as_play(title, artist, song_duration(rng)))
    return plays


def make_catalog(songs: list[Song], events: int, rng: random.Random) -> Catalog:
    """The plays to draw from; the unknown pool is capped so memory does not grow with events."""
    known = [as_play(song.title, song.artist.name, song.duration) for song in songs]
    # Like the real logs, a garbled play garbles every non-ASCII text, the title too.
    garbled = [
        as_play(mojibake(song.title), mojibake(song.artist.name), song.duration)
        for song in songs
        if not song.artist.name.isascii()
    ]
    unknown = unknown_plays(songs, min(max(200, events // 20), 20_000), rng)
    return Catalog(known, unknown, garbled)


def user_count(events: int) -> int:
    """About 100 users for small sets, one per 10,000 events for big ones, at least 10."""
    if events == 0:
        return 0
    return min(events, max(10, min(events // 20, max(100, events // 10_000))))


def budgets(events: int, users: int, rng: random.Random) -> list[int]:
    """Split events among users: each gets one, the rest by skewed weights."""
    weights = [rng.lognormvariate(0.0, 0.8) for _ in range(users)]
    total = sum(weights)
    spare = events - users
    shares = [int(spare * weight / total) for weight in weights]
    for index in range(spare - sum(shares)):
        shares[index % users] += 1
    return [1 + share for share in shares]


def quoted_agent(agent: str) -> str:
    """The agent as the real logs carry it: in double quotes when it has a comma."""
    return f'"{agent}"' if "," in agent else agent


def make_identity(index: int, clock: Clock, rng: random.Random) -> Identity:
    """A user's fixed fields, registered up to 120 days before the period."""
    gender = rng.choice("FM")
    first = rng.choice(names.FEMALE_FIRST if gender == "F" else names.MALE_FIRST)
    registered = clock.start_ms - rng.randint(1, 120 * MS_PER_DAY)
    return Identity(
        user_id=str(index + 1),
        first_name=fragment(first),
        last_name=fragment(rng.choice(names.LAST_NAMES)),
        gender=gender,
        location=fragment(rng.choice(names.USER_LOCATIONS)),
        registration=float(registered),
        agent=fragment(quoted_agent(rng.choice(names.USER_AGENTS))),
    )


def make_listeners(events: int, clock: Clock, rng: random.Random) -> list[Listener]:
    """The users; about one in seven, and always the busiest, switch level once."""
    shares = budgets(events, user_count(events), rng)
    busiest = max(range(len(shares)), key=shares.__getitem__, default=-1)
    listeners = []
    for index, budget in enumerate(shares):
        identity = make_identity(index, clock, rng)
        level = "paid" if rng.random() < 0.4 else "free"
        switches = budget >= 8 and (index == busiest or rng.random() < LEVEL_SWITCHERS)
        switch_at = rng.randint(budget // 5, budget * 4 // 5) if switches else -1
        listeners.append(Listener(index, identity, budget, level, switch_at))
    return listeners


def session_count(budget: int, days: int) -> int:
    """How many sessions a user's events fall into."""
    wanted = round(budget / MEAN_SESSION_EVENTS)
    return max(1, min(wanted, days * MAX_SESSIONS_PER_DAY, budget))


def session_length(left: int, sessions_left: int, rng: random.Random) -> int:
    """A skewed session length that still leaves one event for each later session."""
    if sessions_left == 1:
        return left
    length = round(left / sessions_left * rng.expovariate(1.0))
    return max(1, min(length, left - (sessions_left - 1)))


def gap_after(play: Play | None, rng: random.Random) -> int:
    """Seconds until the user's next request: a play lasts its song, a page 0 to 120 s."""
    if play is not None:
        return int(play[2]) + (rng.random() < 0.5)
    # A quarter of page views are followed within the same second, as in the real logs.
    roll = rng.random()
    return 0 if roll < 0.25 else 1 + int((roll - 0.25) * 160)


def switch_steps(user: Listener, rng: random.Random) -> list[Step]:
    """Visit the upgrade or downgrade page, submit, and take the new level."""
    old = user.level
    page = "Upgrade" if old == "free" else "Downgrade"
    user.level = "paid" if old == "free" else "free"
    user.switch_at = -1
    return [(page, True, None, old, 1), (f"Submit {page}", True, None, old, rng.randint(1, 90))]


def opening_steps(level: str, length: int, rng: random.Random) -> tuple[list[Step], bool]:
    """How a session opens: logged out, on the home page, or straight into a song."""
    if length >= 3 and rng.random() < LOGGED_OUT_START:
        return [], False
    if rng.random() < HOME_START:
        return [("Home", True, None, level, gap_after(None, rng))], True
    return [], True


def session_steps(user: Listener, length: int, catalog: Catalog, rng: random.Random) -> list[Step]:
    """The pages of one session of exactly length events, in order."""
    steps, logged_in = opening_steps(user.level, length, rng)
    while len(steps) < length:
        if not logged_in:
            page = "Login" if length - len(steps) <= 1 else LOGGED_OUT.pick(rng)
            steps.append((page, False, None, user.level, gap_after(None, rng)))
            logged_in = page == "Login"
        elif 0 <= user.switch_at <= user.done + len(steps) and length - len(steps) >= 3:
            steps += switch_steps(user, rng)
        else:
            page = BROWSING[user.level].pick(rng)
            play = catalog.pick(rng) if page == "NextSong" else None
            steps.append((page, True, play, user.level, gap_after(play, rng)))
            logged_in = page != "Logout"
    user.done += length
    return steps


def event_line(user: Listener, session_id: int, item: int, step: Step, ts: int) -> bytes:
    """The JSON line of one event, keys in the real logs' order, slashes escaped as they do."""
    page, logged_in, play, level, _ = step
    who = user.identity if logged_in else ANONYMOUS
    method, status = PAGE_REQUEST[page]
    song, artist, length = play if play is not None else (None, None, None)
    # Texts are pre-encoded fragments, so the line is ASCII; a slash can only occur inside a
    # JSON string, so the replace escapes exactly the strings' slashes.
    return orjson.dumps(
        {
            "artist": artist,
            "auth": "Logged In" if logged_in else "Logged Out",
            "firstName": who.first_name,
            "gender": who.gender,
            "itemInSession": item,
            "lastName": who.last_name,
            "length": length,
            "level": level,
            "location": who.location,
            "method": method,
            "page": page,
            "registration": who.registration,
            "sessionId": session_id,
            "song": song,
            "status": status,
            "ts": ts,
            "userAgent": who.agent,
            "userId": who.user_id,
        }
    ).replace(b"/", b"\\/")


def session_lines(
    user: Listener, session_id: int, steps: list[Step], span: tuple[int, int], clock: Clock
) -> Iterator[Line]:
    """The session's lines, squeezed if needed to end before the user's next session."""
    start, bound = span
    offsets = list(accumulate((step[4] for step in steps[:-1]), initial=0))
    room = (bound - start) * 0.9
    scale = min(1.0, room / offsets[-1]) if offsets[-1] else 1.0
    for item, (step, offset) in enumerate(zip(steps, offsets, strict=True)):
        ts = clock.ms(start + int(offset * scale))
        user.written += 1
        line = event_line(user, session_id, item, step, ts)
        yield ts, user.index, user.written, line, step[0] == "NextSong"


def user_lines(
    user: Listener, users: int, clock: Clock, catalog: Catalog, rng: random.Random
) -> Iterator[Line]:
    """All of one user's lines in time order, one session in memory at a time."""
    sessions = session_count(user.budget, clock.days)
    starts = chain(clock.session_starts(sessions, rng), (clock.seconds,))
    left = user.budget
    for number, span in enumerate(pairwise(starts)):
        length = session_length(left, sessions - number, rng)
        left -= length
        steps = session_steps(user, length, catalog, rng)
        # Unique across users and growing over time, like the real session ids.
        session_id = number * users + user.index + 1
        yield from session_lines(user, session_id, steps, span, clock)


def log_path(root: Path, clock: Clock, day: int) -> Path:
    """log_data/YYYY/MM/YYYY-MM-DD-events.json of a day of the period."""
    moment = datetime.fromtimestamp((clock.start_ms + day * MS_PER_DAY) / 1000, tz=UTC)
    folder = root / "log_data" / f"{moment:%Y}" / f"{moment:%m}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{moment:%Y-%m-%d}-events.json"


def write_logs(root: Path, lines: Iterator[Line], clock: Clock, stats: GeneratedStats) -> None:
    """Stream time-ordered lines into one file per day, newline-separated like the real ones."""
    day, handle = -1, None
    try:
        for ts, _, _, line, is_play in lines:
            current = (ts - clock.start_ms) // MS_PER_DAY
            if current != day:
                day = current
                handle = reopen(handle, log_path(root, clock, day), stats)
            else:
                handle.write(b"\n")
                stats.bytes_written += 1
            handle.write(line)
            stats.bytes_written += len(line)
            stats.events += 1
            stats.next_song_events += is_play
    finally:
        if handle is not None:
            handle.close()


def reopen(handle: BinaryIO | None, path: Path, stats: GeneratedStats) -> BinaryIO:
    """Close the previous day's file and open the next one."""
    if handle is not None:
        handle.close()
    stats.log_files += 1
    return path.open("wb", buffering=1 << 20)


def generate(
    out: Path,
    songs: int,
    events: int,
    seed: int = 0,
    start: date = date(2018, 11, 1),
    days: int = 30,
) -> GeneratedStats:
    """Write song_data/ and log_data/ under out; the same arguments write the same bytes."""
    if songs < 0 or events < 0 or days < 1:
        raise ValueError("songs and events must be >= 0 and days >= 1")
    # Separate streams, so that e.g. the song files do not change with the number of events.
    clock = Clock(start, days, random.Random(f"{seed}:clock"))
    song_rng = random.Random(f"{seed}:songs")
    artists = make_artists(min(songs, max(1, round(songs * 2 / 3))), song_rng)
    song_list = make_songs(songs, artists, song_rng)
    catalog = make_catalog(song_list, events, random.Random(f"{seed}:catalog"))
    listeners = make_listeners(events, clock, random.Random(f"{seed}:users"))
    stats = GeneratedStats(artists=len(artists), users=len(listeners))
    write_songs(out, song_list, stats)
    streams = [
        user_lines(user, len(listeners), clock, catalog, random.Random(f"{seed}:user:{user.index}"))
        for user in listeners
    ]
    write_logs(out, heapq.merge(*streams), clock, stats)
    return stats


def non_negative(text: str) -> int:
    """An argparse type: an integer >= 0."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def positive(text: str) -> int:
    """An argparse type: an integer >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


USERS_HELP = "users are about 100, or one per 10,000 events when that is more"
OPTIONS: tuple[tuple[str, dict[str, object]], ...] = (
    ("--out", {"type": Path, "required": True, "metavar": "DIR",
               "help": "folder to write song_data/ and log_data/ into; must be empty or new"}),
    ("--songs", {"type": non_negative, "required": True, "metavar": "N",
                 "help": "number of song files; artists are about 2/3 as many"}),
    ("--events", {"type": non_negative, "required": True, "metavar": "M",
                  "help": f"number of log events in all, about 83%% NextSong plays; {USERS_HELP}"}),
    ("--seed", {"type": int, "default": 0, "metavar": "S",
                "help": "random seed; other seeds give other data of this shape (default: 0)"}),
    ("--days", {"type": positive, "default": 30, "metavar": "D",
                "help": "number of days the events span, one log file per day (default: 30)"}),
    ("--start", {"type": date.fromisoformat, "default": date(2018, 11, 1), "metavar": "YYYY-MM-DD",
                 "help": "first day of the events, in UTC (default: 2018-11-01)"}),
    ("--force", {"action": "store_true",
                 "help": "write into a non-empty DIR: its song_data/ and log_data/ are deleted "
                 "first, other files in it are kept"}),
)  # fmt: skip


def parser() -> argparse.ArgumentParser:
    """The command line."""
    cli = argparse.ArgumentParser(
        prog="python -m tools.generate_data",
        description=(
            "Write a synthetic Sparkify data set in the real files' format: DIR/song_data/ "
            "(one JSON object per song) and DIR/log_data/ (one newline-delimited JSON file of "
            "events per day). The same arguments always write byte-identical files. "
            "Run it from the project root."
        ),
    )
    for flag, settings in OPTIONS:
        cli.add_argument(flag, **settings)  # type: ignore[arg-type]
    return cli


def prepare(out: Path, force: bool) -> str | None:
    """Make out ready to write into; return why not if it is not allowed."""
    if out.exists() and not out.is_dir():
        return f"{out} exists and is not a folder"
    if out.is_dir() and any(out.iterdir()):
        if not force:
            return f"{out} is not empty; pass --force to write into it anyway"
        # Stale files of an earlier, larger run would otherwise survive.
        for name in ("song_data", "log_data"):
            shutil.rmtree(out / name, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = parser().parse_args(argv)
    refusal = prepare(args.out, args.force)
    if refusal is not None:
        print(f"error: {refusal}", file=sys.stderr)
        return 2
    stats = generate(args.out, args.songs, args.events, args.seed, args.start, args.days)
    for name, value in asdict(stats).items():
        print(f"{name.replace('_', ' ')}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
