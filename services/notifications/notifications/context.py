"""What handlers, the dispatcher and routes share: the settings and the channel providers.

The time is not here: it comes from the app's clock, on every unit of work (``uow.clock``)."""

from dataclasses import dataclass, field

from notifications.config import Settings
from notifications.providers import Provider, build_providers


@dataclass
class Context:
    settings: Settings
    providers: dict[str, Provider] = field(default_factory=dict)

    @classmethod
    def build(cls, settings: Settings) -> "Context":
        return cls(settings=settings, providers=build_providers(settings))
