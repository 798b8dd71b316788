"""Every SQL statement of the project, as named constants: the Udacity-style home of its SQL.

The statements live in the pipeline's package, one module per part of the job
(sparkify/queries/: schema, citus, stage, merges, summaries, bookkeeping, checks, insight,
walkthrough, dashboard); this module gathers them under the names they have always had, so
that `from sql_queries import create_table_queries, drop_table_queries` and every other name
keeps working.
"""

from sparkify.queries import *  # noqa: F403
