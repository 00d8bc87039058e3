"""agenda's deterministic ids (its aggregates', by what names them) and whose key encrypts a docente's free text.
Re-exported by ``domainmodel`` (``dm.plan_id`` as before)."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

NS = uuid5(NAMESPACE_URL, "https://acompana.minedu.gob.pe/agenda")


def protocolo_id(codigo: str, version: int) -> UUID:
    return uuid5(NS, f"protocolo:{codigo}@{version}")


def plan_id(docente_id: UUID | str, anio: int, modalidad: str = "externa") -> UUID:
    """One plan per docente, year and modality: the external coach's and the school's own coexist."""
    sufijo = "" if modalidad == "externa" else f":{modalidad}"
    return uuid5(NS, f"plan:{docente_id}:{anio}{sufijo}")


def plan_ie_id(ie: str, anio: int) -> UUID:
    """A school's plan of monitoring and coaching for one year (``ie``: codigo_modular-anexo)."""
    return uuid5(NS, f"plan-ie:{ie}:{anio}")


def agenda_id(acompanante_id: UUID | str, anio: int) -> UUID:
    return uuid5(NS, f"agenda:{acompanante_id}:{anio}")


def reserva_id(actividad_id: str) -> UUID:
    return uuid5(NS, f"actividad:{actividad_id}")


def ie_id(codigo_modular: str, anexo: int) -> UUID:
    return uuid5(NS, f"ie:{codigo_modular}-{anexo}")


# A realized visit's free text about its docente: stored encrypted with his key (``datos.cifrada``).
PERSONALES = ("observaciones",)


def sujeto_docente(docente: UUID | str) -> str:
    """Whose key encrypts a docente's free text (the same subject in every service)."""
    return f"docente:{docente}"
