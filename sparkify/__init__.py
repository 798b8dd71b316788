"""The Sparkify star-schema ETL: read JSON, shape rows, COPY and merge into PostgreSQL."""
