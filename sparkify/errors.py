"""The named errors of the pipeline; the scripts turn each into one line and an exit code."""


class EtlError(Exception):
    """A problem a person can act on; the message says what and what to do."""

    exit_code = 1


class DatabaseError(EtlError):
    """The database cannot be reached, or refused what we asked."""

    exit_code = 2


class DataError(EtlError):
    """The input data cannot be found or read."""

    exit_code = 3


class SchemaError(EtlError):
    """The target database does not hold the star schema yet."""

    exit_code = 4


class RecordError(Exception):
    """One input record cannot be loaded; the message is the reject's reason."""


def one_line(text: str) -> str:
    """A message on one line: the server's and the driver's span several, with indents."""
    return " ".join(text.split())
