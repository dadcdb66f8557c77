"""The rules of notifying: no FastAPI here; flush and publish, the caller commits."""
