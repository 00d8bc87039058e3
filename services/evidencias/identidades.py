"""Who each of evidencias's aggregates is, and whose key encrypts what (``domainmodel`` uses and re-exports them).

An aggregate's id is deterministic (uuid5 of what it is: a docente, a visit, a commitment...): what must exist
once exists once, and a command finds it by the id the device or agenda gave, without a look-up.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import NAMESPACE_URL, UUID, uuid5

NS = uuid5(NAMESPACE_URL, "https://acompana.minedu.gob.pe/evidencias")


def _id(clase: str) -> Callable[[UUID | str], UUID]:
    """The id of an aggregate of ``clase``, from the id the coach's device or agenda gave what it records."""
    return lambda propio: uuid5(NS, f"{clase}:{propio}")


docente_id = _id("docente")
visita_id = _id("visita")
compromiso_id = _id("compromiso")
reunion_id = _id("reunion")
sesion_id = _id("sesion")
autoevaluacion_id = _id("autoevaluacion")


def instrumento_id(codigo: str, version: int) -> UUID:
    return uuid5(NS, f"instrumento:{codigo}@{version}")


def sujeto_docente(docente: UUID | str) -> str:
    """Whose key encrypts a docente's evidence references (the same subject in every service)."""
    return f"docente:{docente}"


def sujeto_reunion(actividad: UUID | str) -> str:
    """Whose key encrypts a GIA's or an RTC's attachments (its own: it concerns several docentes)."""
    return f"reunion:{actividad}"
