"""Citus: the distributed layout of the schema, and what a database says of its cluster."""

# Songplays sharded by user_id; the dimensions copied to every node.
# time is a reference table too, though it grows with the plays: that keeps the foreign key
# from songplays and makes every join with it local to a shard (see README, Scaling out).

citus_available = """
select count(*) > 0
from pg_available_extensions
where name = 'citus'
"""

# pg_available_extensions lists citus wherever it is installed, but only a server that preloads
# it can create the extension.
citus_preloaded = """
select 'citus' = any(
    string_to_array(replace(current_setting('shared_preload_libraries'), ' ', ''), ',')
)
"""

citus_extension_create = "create extension if not exists citus"

# Whether this database uses Citus: its loads keep to the statements known to run there.
citus_installed = """
select count(*) > 0
from pg_extension
where extname = 'citus'
"""

reference_table_create = "select create_reference_table(%s)"

songplay_table_distribute = "select create_distributed_table('songplays', 'user_id')"

reference_tables = ["artists", "songs", "users", "time"]

# The nodes that hold songplays' shards, as host:port, and how many shards.
songplay_shard_placements = """
select
    count(distinct p.shardid) as shards,
    count(distinct n.nodeid) as nodes,
    string_agg(distinct n.nodename || ':' || n.nodeport, ', ') as node_names
from pg_dist_shard as s
inner join pg_dist_placement as p
    on p.shardid = s.shardid
inner join pg_dist_node as n
    on n.groupid = p.groupid
where s.logicalrelid = 'songplays'::regclass
"""

# Citus keeps its nodes per database: one made by create database knows no workers.
citus_worker_count = """
select count(*)
from citus_get_active_worker_nodes()
"""
