"""Serving: SavedModel export and load, the series stream and batch engine, local batch files
and Spark."""
