"""The registry's rules: no framework here; services flush and publish, the caller commits."""
