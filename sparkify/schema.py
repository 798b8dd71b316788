"""The schema plan: every statement that builds the star schema, in order, and running it."""

from dataclasses import dataclass

import psycopg2
from psycopg2.extensions import cursor

from sparkify import queries as q
from sparkify.db import connect, database_error, ensure_database
from sparkify.errors import DatabaseError

Statement = tuple[str, tuple[str, ...]]


def schema_plan(distributed: bool) -> list[Statement]:
    """Every statement that builds the schema, in order, with its parameters."""
    plan = [(statement, ()) for statement in q.drop_table_queries + q.create_table_queries]
    if distributed:
        # Citus needs the dimensions as reference tables and songplays distributed before
        # any foreign key points from songplays to them.
        plan.insert(0, (q.citus_extension_create, ()))
        plan += [(q.reference_table_create, (table,)) for table in q.reference_tables]
        plan.append((q.songplay_table_distribute, ()))
    else:
        plan += [(statement, ()) for statement in q.row_counter_create_queries]
    plan += [(statement, ()) for statement in q.songplay_foreign_keys_create]
    return plan


@dataclass
class ShardLayout:
    """Where Citus put songplays' shards, and how many workers the database knows."""

    shards: int
    nodes: int
    node_names: str
    workers: int

    def describe(self) -> str:
        """One line: how many shards on how many nodes, and which."""
        nodes = "1 node" if self.nodes == 1 else f"{self.nodes} nodes"
        return f"songplays: {self.shards} shards on {nodes} ({self.node_names})"

    def warning(self) -> str | None:
        """What to do when the shards cannot be on workers because the database has none."""
        if self.workers:
            return None
        return (
            "warning: this database has no Citus workers (Citus keeps its nodes per database), "
            f"so all {self.shards} shards of songplays are on the coordinator: in this database, "
            "add each worker with select citus_add_node('worker-host', 5432); then move shards "
            "onto them with select citus_rebalance_start();"
        )


def check_citus(cur: cursor) -> None:
    """Fail with a clear message when the server cannot load Citus."""
    cur.execute(q.citus_available)
    if not cur.fetchone()[0]:
        raise DatabaseError(
            "--distributed needs the citus extension, which this server does not have: "
            "run it on a Citus coordinator (see README, Scaling out)"
        )
    cur.execute(q.citus_preloaded)
    if not cur.fetchone()[0]:
        raise DatabaseError(
            "--distributed needs citus in shared_preload_libraries, which this server does "
            "not load: run it on a Citus coordinator (see README, Scaling out)"
        )


def shard_layout(cur: cursor) -> ShardLayout:
    """Where songplays' shards are, and how many workers the database has."""
    cur.execute(q.songplay_shard_placements)
    shards, nodes, node_names = cur.fetchone()
    cur.execute(q.citus_worker_count)
    return ShardLayout(shards, nodes, node_names, cur.fetchone()[0])


def create_schema(dsn: str, distributed: bool = False) -> ShardLayout | None:
    """Create the database if it is missing, then the tables, in one transaction.

    With distributed, returns where Citus put the shards of songplays.
    """
    ensure_database(dsn)
    conn = connect(dsn)
    try:
        with conn, conn.cursor() as cur:
            if distributed:
                check_citus(cur)
            for statement, params in schema_plan(distributed):
                cur.execute(statement, params)
            return shard_layout(cur) if distributed else None
    except psycopg2.Error as exc:
        raise database_error(exc, "creating the schema failed") from exc
    finally:
        conn.close()
