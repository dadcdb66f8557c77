"""Thin routes: parse, call the domain, commit, return."""
