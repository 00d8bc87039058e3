"""The base of every published (integration) event.

A published contract is identified by (servicio, evento, version) and travels on the subject
``acompana.<servicio>.<Evento>.v<N>.<dre>.<ugel>``. It never changes once published: a change
is a new class with ``version = N + 1`` on its own subject, and both are published side by side
until every subscriber has moved.
"""

from __future__ import annotations

import re
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

SUBJECT_ROOT = "acompana"
SPEC_VERSION = "1.0"
TYPE_PREFIX = "pe.gob.minedu.acompana"
# Token used in the territory positions of a subject when an event concerns no DRE / UGEL.
SIN_TERRITORIO = "nacional"
TERRITORY_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class ContractError(ValueError):
    """A message that does not honour a published contract."""


class IntegrationEvent(BaseModel):
    """A fact other systems may subscribe to. Subclasses set the three class variables."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    servicio: ClassVar[str]
    evento: ClassVar[str]
    version: ClassVar[int]

    registry: ClassVar[dict[tuple[str, str, int], type[IntegrationEvent]]] = {}

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "version" in cls.__dict__:
            key = (cls.servicio, cls.evento, cls.version)
            if key in IntegrationEvent.registry:
                raise TypeError(f"contrato duplicado: {key}")
            IntegrationEvent.registry[key] = cls

    @classmethod
    def ce_type(cls) -> str:
        return f"{TYPE_PREFIX}.{cls.servicio}.{cls.evento}.v{cls.version}"

    @classmethod
    def subject(cls, dre: str = "*", ugel: str = "*") -> str:
        """The subject for a territory; with no arguments, the pattern for every territory."""
        return f"{SUBJECT_ROOT}.{cls.servicio}.{cls.evento}.v{cls.version}.{dre}.{ugel}"

    @classmethod
    def lookup(cls, ce_type: str) -> type[IntegrationEvent]:
        prefix = TYPE_PREFIX + "."
        try:
            servicio, evento, version = ce_type.removeprefix(prefix).split(".")
            return cls.registry[(servicio, evento, int(version.removeprefix("v")))]
        except (ValueError, KeyError):
            raise ContractError(f"tipo de evento desconocido: {ce_type!r}") from None


def territory_token(code: str | None) -> str:
    """A DRE or UGEL code as a subject token (``SIN_TERRITORIO`` when there is none)."""
    if not code:
        return SIN_TERRITORIO
    if not TERRITORY_TOKEN.match(code):
        raise ContractError(f"código de territorio no válido para un sujeto NATS: {code!r}")
    return code
