"""Backstop monitoring (防返贫动态监测)."""
