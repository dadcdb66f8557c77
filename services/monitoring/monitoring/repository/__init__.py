"""Every monitoring query, split by aggregate."""
