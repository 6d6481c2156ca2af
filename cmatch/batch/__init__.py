"""Batch jobs that outgrow one machine, on Ray: nightly matching of every portfolio
(:mod:`cmatch.batch.match_all`) and bulk extraction + embedding of vacancy texts
(:mod:`cmatch.batch.embed`). Both run the same code in one process or on a Ray cluster
(:mod:`cmatch.batch.ray_runtime`), in shards that are written once and merged at the end
(:mod:`cmatch.batch.shards`)."""
