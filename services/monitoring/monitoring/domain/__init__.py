"""Monitoring rules: no FastAPI here; functions flush and ``uow.publish``, the caller commits."""
