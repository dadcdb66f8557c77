"""The rules of funds: no FastAPI here; services flush and publish, the route or consumer commits."""
