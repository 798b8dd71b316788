"""Made-up names for the generator: artists, titles, listeners, places and browsers."""

import random
from collections.abc import Callable, Sequence

ONSETS = ("b", "br", "d", "dr", "f", "fl", "g", "gr", "h", "j", "k", "kr", "l", "m", "n", "p")
ONSETS += ("pr", "r", "s", "sk", "st", "t", "th", "tr", "v", "w", "z")
VOWELS = ("a", "e", "i", "o", "u", "ai", "ea", "ou", "y")
ACCENTED = ("á", "é", "í", "ó", "ú", "ö", "ü", "ë", "å", "ø", "ã", "ç", "ñ", "ð", "œ")
CODAS = ("", "", "", "n", "r", "s", "l", "m", "nd", "rk", "st", "x")

# The pools read best packed, one screen instead of three hundred lines.
# fmt: off
PLAIN_FIRST = (
    "Anna", "Ben", "Carla", "Dev", "Ella", "Finn", "Gus", "Hana", "Ivo", "Jade", "Kai", "Lena",
    "Milo", "Nora", "Otis", "Pia", "Rafe", "Sade", "Theo", "Uma", "Vic", "Wes", "Yara", "Zed",
)
ACCENTED_FIRST = (
    "Zoë", "Renée", "José", "Søren", "Björn", "Íris", "Ángel", "Chloé", "Françoise", "Jürgen",
    "Anaïs", "Dagný", "Łukasz", "Inés", "Raúl", "Sigrún", "Zoltán", "Çelik", "Noël",
)
ADJECTIVES = (
    "Black", "Silver", "Velvet", "Electric", "Broken", "Golden", "Hollow", "Lonely", "Neon",
    "Paper", "Quiet", "Restless", "Savage", "Tender", "Wild", "Crimson", "Frozen", "Lucky",
    "Midnight", "Northern", "Secret", "Sunday", "Burning", "Glass", "Honest", "Little",
)
NOUNS = (
    "Heart", "River", "Engine", "Mirror", "Garden", "Ghost", "Harbor", "Highway", "Lantern",
    "Machine", "Ocean", "Parade", "Rocket", "Shadow", "Signal", "Thunder", "Valley", "Wolf",
    "Crown", "Fever", "Island", "Letter", "Mountain", "Radio", "Satellite", "Window", "Dream",
)
VERBS = (
    "Dance", "Run", "Fall", "Hold", "Wait", "Call", "Shine", "Break", "Follow", "Leave", "Stay",
    "Burn", "Drive", "Sing", "Dream", "Carry", "Chase", "Forget", "Remember", "Walk",
)
PREPOSITIONS = ("Into", "Through", "Under", "Over", "Across", "Beyond", "Around", "Without")
FOREIGN_TITLES = (
    "Canción del {w}", "Café {w}", "Über den {w}", "Señorita {w}", "Corazón de {w}",
    "Été à {w}", "Mañana en {w}", "São {w}", "Ça ira, {w}", "Skål för {w}", "Ånden i {w}",
)
TITLE_SUFFIXES = (
    " (Live)", " (Remix)", " (Album Version)", ' (7" Version)', " (Acoustic)", " [Demo]",
    " (feat. {p})", " (Remastered {y})",
)

FEMALE_FIRST = (
    "Aiyana", "Alivia", "Amiya", "Anabelle", "Ava", "Brooklyn", "Cecilia", "Chloe", "Emily",
    "Evelyn", "Grace", "Hailey", "Isabella", "Jacqueline", "Jayden", "Kate", "Kaylee", "Layla",
    "Lily", "Madison", "Mia", "Molly", "Olivia", "Rylie", "Sara", "Sophia", "Tegan", "Zoe",
)
MALE_FIRST = (
    "Aaron", "Adler", "Anthony", "Ayden", "Brayden", "Carter", "Connor", "Dustin", "Elijah",
    "Ethan", "Gabriel", "Henry", "Isaac", "Jacob", "Jordan", "Kevin", "Lucas", "Mason", "Noah",
    "Oliver", "Ryan", "Samuel", "Theodore", "Tucker", "Walter", "Wyatt", "Xavier", "Zachary",
)
LAST_NAMES = (
    "Allen", "Barrera", "Bell", "Brooks", "Campbell", "Cline", "Cruz", "Daniels", "Ellis",
    "Fox", "Garrison", "Harrell", "Hicks", "Jones", "Koch", "Levine", "Lynch", "Martin",
    "Moore", "Nguyen", "Owens", "Perez", "Reed", "Robinson", "Sanchez", "Schwartz", "Shaw",
    "Summers", "Taylor", "Thompson", "Vargas", "Walker", "Williams", "Young", "O'Neill",
)
USER_LOCATIONS = (
    "Atlanta-Sandy Springs-Roswell, GA", "Boston-Cambridge-Newton, MA-NH",
    "Chicago-Naperville-Elgin, IL-IN-WI", "Dallas-Fort Worth-Arlington, TX",
    "Denver-Aurora-Lakewood, CO", "Detroit-Warren-Dearborn, MI",
    "Houston-The Woodlands-Sugar Land, TX", "Kansas City, MO-KS",
    "Los Angeles-Long Beach-Anaheim, CA", "Miami-Fort Lauderdale-West Palm Beach, FL",
    "Minneapolis-St. Paul-Bloomington, MN-WI", "Nashville-Davidson--Murfreesboro--Franklin, TN",
    "New York-Newark-Jersey City, NY-NJ-PA", "Philadelphia-Camden-Wilmington, PA-NJ-DE-MD",
    "Phoenix-Mesa-Scottsdale, AZ", "Portland-Vancouver-Hillsboro, OR-WA",
    "Sacramento--Roseville--Arden-Arcade, CA", "San Francisco-Oakland-Hayward, CA",
    "Seattle-Tacoma-Bellevue, WA", "St. Louis, MO-IL", "Tampa-St. Petersburg-Clearwater, FL",
    "Burlington, VT", "Eugene, OR", "Santa Fe, NM", "Ithaca, NY", "Boise City, ID",
)
# (place, latitude, longitude); artists from anywhere, some places spelled with accents.
ARTIST_PLACES = (
    ("Nashville, TN", 36.16778, -86.77836),
    ("Los Angeles, CA", 34.05349, -118.24532),
    ("New York, NY", 40.71455, -74.00712),
    ("Chicago, IL", 41.88415, -87.63241),
    ("Austin, TX", 30.26715, -97.74306),
    ("Seattle, WA", 47.60356, -122.32944),
    ("Detroit, MI", 42.33168, -83.04792),
    ("London, England", 51.50632, -0.12714),
    ("Manchester, England", 53.4796, -2.24881),
    ("Reykjavík, Iceland", 64.13548, -21.89541),
    ("Stockholm, Sweden", 59.33217, 18.06243),
    ("Montréal, QC", 45.51228, -73.55439),
    ("São Paulo, Brazil", -23.56287, -46.65468),
    ("Kingston, Jamaica", 17.99702, -76.79358),
    ("Berlin, Germany", 52.51607, 13.37698),
    ("Paris, France", 48.85692, 2.3412),
    ("Zürich, Switzerland", 47.37698, 8.53915),
    ("Melbourne, Australia", -37.81753, 144.96715),
    ("Tokyo, Japan", 35.68953, 139.69188),
    ("México City, México", 19.43261, -99.13321),
    ("Dublin, Ireland", 53.34376, -6.24953),
    ("Atlanta, GA", 33.74831, -84.39111),
    ("Bristol, England", 51.4539, -2.59103),
    ("Oslo, Norway", 59.91228, 10.74998),
)
PLACES_WITHOUT_COORDINATES = (
    "California - SF", "Brooklyn", "UK", "Southern California", "Texas", "Scandinavia",
    "Bergen, Norway", "Paris - Berlin", "Pacific Northwest", "Jersey Shore",
)
# Agents with a comma arrive wrapped in double quotes, as in the real logs.
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/36.0.1985.143 Safari/537.36",
    "Mozilla/5.0 (Windows NT 6.1; WOW64; rv:31.0) Gecko/20100101 Firefox/31.0",
    "Mozilla/5.0 (Windows NT 6.3; WOW64; Trident/7.0; rv:11.0) like Gecko",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_4) AppleWebKit/537.78.2 (KHTML, like Gecko) "
    "Version/7.0.6 Safari/537.78.2",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_4) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/36.0.1985.143 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Ubuntu Chromium/36.0.1985.125 Chrome/36.0.1985.125 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:31.0) Gecko/20100101 Firefox/31.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 7_1_2 like Mac OS X) AppleWebKit/537.51.2 "
    "(KHTML, like Gecko) Version/7.0 Mobile/11D257 Safari/9537.53",
    "Mozilla/5.0 (Linux; Android 4.4.2; Nexus 5 Build/KOT49H) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/36.0.1985.135 Mobile Safari/537.36",
)
# fmt: on


def pick(rng: random.Random, options: Sequence[str]) -> str:
    """One of the options; several times faster than rng.choice, which matters at 100k names."""
    return options[int(rng.random() * len(options))]


def word(rng: random.Random, accent: float = 0.0) -> str:
    """A pronounceable made-up word, with an accented letter at the given odds."""
    count = 1 + (rng.random() < 0.75) + (rng.random() < 0.25)
    text = "".join(pick(rng, ONSETS) + pick(rng, VOWELS) + pick(rng, CODAS) for _ in range(count))
    if rng.random() < accent:
        spot = int(rng.random() * len(text))
        text = text[:spot] + pick(rng, ACCENTED) + text[spot + 1 :]
    return text.capitalize()


def first_name(rng: random.Random) -> str:
    """A performer's first name, accented one time in ten."""
    return pick(rng, ACCENTED_FIRST if rng.random() < 0.1 else PLAIN_FIRST)


def person(rng: random.Random) -> str:
    """A performer's name: a first name and a made-up surname."""
    return f"{first_name(rng)} {word(rng, accent=0.1)}"


def band(rng: random.Random) -> str:
    """A band name in one of the usual shapes."""
    shapes: tuple[Callable[[], str], ...] = (
        lambda: f"The {pick(rng, ADJECTIVES)} {pick(rng, NOUNS)}s",
        lambda: f"{pick(rng, ADJECTIVES)} {pick(rng, NOUNS)} {word(rng)}",
        lambda: f"{word(rng)} & The {pick(rng, NOUNS)}s",
        lambda: f"{pick(rng, NOUNS)}s N' {pick(rng, NOUNS)}s of {word(rng)}",
        lambda: f"The {word(rng)} {pick(rng, NOUNS)} Band",
    )
    return shapes[int(rng.random() * len(shapes))]()


def tricky_artist(rng: random.Random) -> str:
    """A name with accents, quotes, commas, slashes or apostrophes in it."""
    shapes: tuple[Callable[[], str], ...] = (
        lambda: f"{word(rng, 0.9)} {word(rng, 0.9)}",
        lambda: word(rng, 1.0),
        lambda: f"M{pick(rng, 'öü')}{word(rng).lower()} Cr{pick(rng, 'üö')}{word(rng).lower()}",
        lambda: f"{word(rng)}, {word(rng)} & {word(rng)}",
        lambda: f'{first_name(rng)} "{pick(rng, ADJECTIVES)}" {word(rng)}',
        lambda: f"{first_name(rng)} O'{word(rng)}",
        lambda: f"{word(rng)}'{word(rng).lower()}",
        lambda: f"{person(rng)} feat. {person(rng)}",
        lambda: f"{person(rng)} / {band(rng)}",
    )
    return shapes[int(rng.random() * len(shapes))]()


def artist_name(rng: random.Random) -> str:
    """An artist name: mostly plain people and bands, a fair share tricky."""
    roll = rng.random()
    if roll < 0.4:
        return person(rng)
    if roll < 0.75:
        return band(rng)
    return tricky_artist(rng)


def accented_name(rng: random.Random) -> str:
    """A one-word artist name with an accented letter, like Björk."""
    return word(rng, accent=1.0)


def title(rng: random.Random) -> str:
    """A song title, sometimes with accents, quotes, commas, slashes or a suffix."""
    shapes: tuple[Callable[[], str], ...] = (
        lambda: f"{pick(rng, ADJECTIVES)} {pick(rng, NOUNS)}",
        lambda: f"{pick(rng, VERBS)} {pick(rng, PREPOSITIONS)} the {pick(rng, NOUNS)}",
        lambda: f"Don't {pick(rng, VERBS)} My {pick(rng, NOUNS)}",
        lambda: f"{pick(rng, VERBS)}in' {word(rng)}",
        lambda: f"{pick(rng, NOUNS)}, {pick(rng, NOUNS)} and {word(rng)}",
        lambda: f'The "{pick(rng, ADJECTIVES)}" {pick(rng, NOUNS)}',
        lambda: f"{pick(rng, NOUNS)}/{word(rng)}",
        lambda: pick(rng, FOREIGN_TITLES).format(w=word(rng, 0.5)),
        lambda: f"{word(rng, 0.1)} {word(rng)}",
        lambda: f"{pick(rng, ADJECTIVES)} {word(rng)}",
    )
    text = shapes[int(rng.random() * len(shapes))]()
    if rng.random() < 0.12:
        text += pick(rng, TITLE_SUFFIXES).format(p=person(rng), y=rng.randint(1995, 2010))
    return text


def unique(make: Callable[[], str], taken: set[str]) -> str:
    """A name from make that is not in taken yet, added to taken."""
    name = make()
    while name in taken:
        name = make()
    taken.add(name)
    return name
