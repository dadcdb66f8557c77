"""The event contract: one module per publishing service, each holding the pydantic models of its events'
``data`` and the catalog of what it publishes (short name → topic and model).

The producer builds its payloads from these models and its consumers parse them back with the same ones, so
neither side re-reads a dict by hand and no service imports another (docs/events.md). The envelope stays
the kernel's (``backstop_common.envelope``); this package holds payloads only.
"""
