"""Backstop notifications."""
