"""Backstop shared kernel: the plumbing every service uses, written once."""
