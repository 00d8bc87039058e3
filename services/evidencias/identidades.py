"""Who each of evidencias's aggregates is, and whose key encrypts what (``domainmodel`` uses and re-exports them).

An aggregate's id is deterministic (uuid5 of what it is: a docente, a visit, a commitment...): what must exist
once exists once, and a command finds it by the id the device or agenda gave, without a look-up.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

NS = uuid5(NAMESPACE_URL, "https://acompana.minedu.gob.pe/evidencias")


def instrumento_id(codigo: str, version: int) -> UUID:
    return uuid5(NS, f"instrumento:{codigo}@{version}")


def docente_id(docente: UUID | str) -> UUID:
    return uuid5(NS, f"docente:{docente}")


def visita_id(visita: UUID | str) -> UUID:
    return uuid5(NS, f"visita:{visita}")


def compromiso_id(compromiso: UUID | str) -> UUID:
    return uuid5(NS, f"compromiso:{compromiso}")


def reunion_id(actividad: UUID | str) -> UUID:
    return uuid5(NS, f"reunion:{actividad}")


def sesion_id(sesion: UUID | str) -> UUID:
    return uuid5(NS, f"sesion:{sesion}")


def autoevaluacion_id(autoevaluacion: UUID | str) -> UUID:
    return uuid5(NS, f"autoevaluacion:{autoevaluacion}")


def sujeto_docente(docente: UUID | str) -> str:
    """Whose key encrypts a docente's evidence references (the same subject in every service)."""
    return f"docente:{docente}"


def sujeto_reunion(actividad: UUID | str) -> str:
    """Whose key encrypts a GIA's or an RTC's attachments (its own: it concerns several docentes)."""
    return f"reunion:{actividad}"
