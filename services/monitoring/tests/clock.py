"""The clock the tests hand to the apps they build (``build_app(settings, clock=clock)``) and move forward
(``clock.advance``): deadlines without sleeping."""

from backstop_common.clock import Clock

clock = Clock()
