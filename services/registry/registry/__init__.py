"""Backstop registry (建档立卡)."""
