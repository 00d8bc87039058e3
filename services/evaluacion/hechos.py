"""The rows of the history's ``hechos`` a published fact gives (``services.evaluacion.historia``): one per docente
it concerns, with when it happened, who caused it, its trace and its content."""

from __future__ import annotations

from datetime import date
from typing import Any

from shared import contracts as c
from shared.contracts import Envelope, IntegrationEvent
from shared.contracts.agenda import VisitaEntreParesRealizadaV1
from shared.stream_views import instante

FECHAS = ("fecha", "fecha_inicio", "vencido_el")

# contracts whose docentes are not (only) in ``docente_id`` and ``docente_ids``
_VARIOS = (c.ActaGIARegistradaV1, c.ActaRTCRegistradaV1, c.EncuestaSatisfaccionRespondidaV1,
           VisitaEntreParesRealizadaV1)


def docentes_de(datos: IntegrationEvent) -> list[str]:
    """The docentes a published fact is about (none for facts about schools, rules or coaches)."""
    campos = datos.__dict__
    docente = campos.get("docente_id")
    if docente is not None and not campos.get("docente_ids") and not isinstance(datos, _VARIOS):
        return [str(docente)]  # most facts: about one docente
    ids: set[str] = set()
    if docente is not None:
        ids.add(str(docente))
    ids.update(str(d) for d in campos.get("docente_ids") or [])
    if isinstance(datos, c.ActaGIARegistradaV1 | c.ActaRTCRegistradaV1):
        ids.update(datos.asistencia)
    if isinstance(datos, c.EncuestaSatisfaccionRespondidaV1) and datos.encuestado == "docente":
        ids.add(str(datos.persona_id))
    if isinstance(datos, VisitaEntreParesRealizadaV1):  # the docente who observed and the one observed
        ids.update((str(datos.docente_visitante_id), str(datos.docente_visitado_id)))
    return sorted(ids)


_FECHAS_DE: dict[type[IntegrationEvent], tuple[str, ...]] = {}  # contract -> its fields among FECHAS, in order


def _ocurrido(datos: IntegrationEvent) -> date | None:
    """When the fact happened: its first date among ``FECHAS`` (the contract's own, looked up once per contract)."""
    nombres = _FECHAS_DE.get(type(datos))
    if nombres is None:
        nombres = _FECHAS_DE[type(datos)] = tuple(f for f in FECHAS if f in type(datos).model_fields)
    campos = datos.__dict__
    for campo in nombres:
        valor = campos.get(campo)
        if isinstance(valor, date):
            return valor
    return None


def _traza(traceparent: str) -> str:
    partes = traceparent.split("-")
    return partes[1] if len(partes) == 4 else ""


def filas_de_hecho(env: Envelope, filas: list[dict[str, Any]]) -> None:
    """Append to ``filas`` the rows of ``hechos`` a fact gives: one per docente it concerns (none when it concerns
    no docente), with its content as the contract encodes it (``model_dump_json``: the same text for every
    payload version and producer, whatever bytes it came in)."""
    datos = env.data
    docentes = docentes_de(datos)
    if not docentes:
        return
    ocurrido = _ocurrido(datos)
    anio = datos.__dict__.get("anio") or (ocurrido.year if ocurrido else None)
    fila = {"secuencia": env.sequence or 0, "servicio": datos.servicio, "evento": datos.evento,
            "version": datos.version, "evento_id": env.id, "registrado_en": instante(env.time),
            "ocurrido": ocurrido, "anio": anio, "usuario": env.usuario, "rol": env.rol,
            "traza": _traza(env.traceparent), "contenido": datos.model_dump_json(), "docente_id": docentes[0]}
    filas.append(fila)
    for docente in docentes[1:]:
        filas.append({**fila, "docente_id": docente})
