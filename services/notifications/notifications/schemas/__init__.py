"""API shapes of the notifications service."""
