"""Payload parts more than one publisher uses."""

from pydantic import BaseModel


class Actor(BaseModel):
    """Who did it: the ``sub`` of their token and the role they acted in (never a name)."""

    user_id: str
    role: str
