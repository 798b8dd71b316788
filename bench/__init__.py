"""The benchmark: our load against the COPY floor and a row-by-row baseline."""
