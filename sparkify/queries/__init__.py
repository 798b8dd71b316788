"""Every SQL statement of the pipeline, as named constants, one module per part of the job.

schema: the tables, their keys and indexes (create_tables.py); citus: the distributed layout;
stage: the temporary tables a load COPYs into; merges: staging into the star tables;
summaries: the dashboard's summaries, kept by each load; bookkeeping: the manifest, rejects,
run history, settings and load lock; checks: the data checks, those of a shared shape
declared (declared_checks generates their SQL); insight, walkthrough and dashboard: what the
notebooks and the dashboard read.

Gathered here so that callers name a statement the same way wherever it lives
(`queries.song_table_create`), as the top-level sql_queries.py does for Udacity-style code.
"""

from sparkify.queries.bookkeeping import *  # noqa: F403
from sparkify.queries.checks import *  # noqa: F403
from sparkify.queries.citus import *  # noqa: F403
from sparkify.queries.dashboard import *  # noqa: F403
from sparkify.queries.insight import *  # noqa: F403
from sparkify.queries.merges import *  # noqa: F403
from sparkify.queries.schema import *  # noqa: F403
from sparkify.queries.stage import *  # noqa: F403
from sparkify.queries.summaries import *  # noqa: F403
from sparkify.queries.walkthrough import *  # noqa: F403
