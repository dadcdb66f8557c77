"""What handlers, the dispatcher and routes share: settings, the clock, the channel providers."""

from dataclasses import dataclass, field

from notifications.clock import Clock, system_clock
from notifications.config import Settings
from notifications.providers import Provider, build_providers


@dataclass
class Context:
    settings: Settings
    clock: Clock = system_clock
    providers: dict[str, Provider] = field(default_factory=dict)

    @classmethod
    def build(cls, settings: Settings, clock: Clock | None = None) -> "Context":
        return cls(settings=settings, clock=clock or system_clock, providers=build_providers(settings))
