"""Monitoring's notion of now: the kernel's movable ``Clock``, one per process.

Routes, handlers and the sweepers read ``clock.now()``; tests call ``clock.advance(...)``, and a stack
started with ``CLOCK_CONTROL_ENABLED`` moves it through ``POST /_ops/clock`` (``build_app`` makes this
the app's clock).
"""

from backstop_common.clock import Clock

clock = Clock()
