"""Builders of the domain world shared by several tests."""

from __future__ import annotations

import uuid

from services.agenda import domainmodel as dm
from services.agenda.application import Agenda, Asignacion
from services.agenda.protocolos import PlanDocente, incluidos

UGELES = [("DRE-PUNO", "UGEL-EL-COLLAO"), ("DRE-PUNO", "UGEL-PUNO"), ("DRE-CUSCO", "UGEL-CANCHIS")]
ANIO = 2021  # within NT-026 (2020-2022), etapa 2


def asignacion(docente_id: uuid.UUID | str, acompanante_id: uuid.UUID | str, *, anio: int = ANIO,
               codigo_modular: str = "0236885", dre: str = "DRE-PUNO", ugel: str = "UGEL-EL-COLLAO",
               tipo_ie: str = "polidocente_primaria", nivel: str = "primaria") -> Asignacion:
    return Asignacion(docente_id=str(docente_id), acompanante_id=str(acompanante_id), convocatoria="2020-2022",
                      anio=anio, codigo_modular=codigo_modular, anexo=0, dre=dre, ugel=ugel, tipo_ie=tipo_ie,
                      nivel=nivel)


def asignar(agenda: Agenda, docente_id: uuid.UUID | str, acompanante_id: uuid.UUID | str | None = None,
            **kw: object) -> str:
    """Give the docente a plan with an acompañante, as a DocenteAsignado would; returns the acompañante."""
    acompanante = str(acompanante_id or uuid.uuid5(uuid.NAMESPACE_URL, f"acompanante-de/{docente_id}"))
    agenda.generar_plan(asignacion(docente_id, acompanante, **kw), etapa=ANIO - 2019)  # type: ignore[arg-type]
    return acompanante


def registrar_planes(agenda: Agenda, n: int, start: int = 0) -> list[uuid.UUID]:
    """Record n yearly plans (each one published event), saved in groups of 100 (fast setup)."""
    componentes = incluidos()[0].tipos["polidocente_primaria/primaria"]
    ids: list[uuid.UUID] = []
    pending = []
    for i in range(start, start + n):
        dre, ugel = UGELES[i % len(UGELES)]
        docente = str(uuid.uuid5(uuid.NAMESPACE_URL, f"docente/{i}"))
        plan = PlanDocente(**vars(asignacion(docente, uuid.uuid5(uuid.NAMESPACE_URL, f"acompanante/{i % 11}"),
                                             codigo_modular=f"{1000000 + i % 500:07d}", dre=dre, ugel=ugel)),
                           etapa=2, modalidad="externa", protocolo="NT-026@1",
                           anio_escolar=["2021-03-15", "2021-12-17"], componentes=componentes)
        pid = dm.plan_id(docente, ANIO)
        pending.append(dm.PlanAnual(id=pid, plan=plan))
        ids.append(pid)
        if len(pending) == 100:
            agenda.save(*pending)
            pending = []
    if pending:
        agenda.save(*pending)
    return ids
