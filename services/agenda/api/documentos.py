"""The school's plan, its execution report and a docente's planner as PDF documents. Who may see the docentes'
names (focalizacion gives them) sends them in the body of a POST; they are printed, never stored."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from types import MappingProxyType
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Response
from pydantic import ConfigDict, Field

from services.agenda.api.comun import Entrada, Id, pdf
from services.agenda.api.dependencias import AgendaApp
from services.agenda.application import Agenda
from services.agenda.documentos import informe_pdf, plan_pdf, planificador_pdf

router = APIRouter(prefix="/v1")
PDF: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}}}}
CON_NOMBRES: dict[str, Any] = {
    "tags": ["plan de la IE"], "response_class": Response, "responses": PDF,
    "description": "Con los nombres de los docentes que se indiquen (los da focalización a quien puede verlos): "
                   "se usan solo para imprimir, no se guardan."}


class NombresIn(Entrada):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "nombres": {"0b8f3c1e-8a44-5d0e-9f6a-2c7d9e1f3a55": "Leydi Stefany Maquera Gutierrez"}}]})
    nombres: dict[UUID, Annotated[str, Field(min_length=2, max_length=200)]] = Field(
        default_factory=dict, max_length=300,
        description="Nombre de cada docente, tal como lo da focalización (GET /v1/docentes/{id}/persona): "
                    "se usa solo para imprimir, no se guarda.")
    fecha: date | None = Field(None, description="Fecha de corte (por defecto, hoy).")

    def por_id(self) -> dict[str, str]:
        return {str(k): v for k, v in self.nombres.items()}


def documento_del_plan(agenda: Agenda, dibujar: Callable[..., bytes], archivo: str, plan_ie_id: UUID,
                       fecha: date | None, nombres: Mapping[str, str] = MappingProxyType({})) -> Response:
    """The plan's or its informe's PDF as of ``fecha`` (today when not given)."""
    return pdf(dibujar(agenda, str(plan_ie_id), fecha or date.today(), nombres), f"{archivo}-{plan_ie_id}.pdf")


@router.post("/planes-monitoreo/{plan_ie_id}/plan.pdf", summary="El plan de la IE en PDF, con los nombres",
             **CON_NOMBRES)
def post_plan_ie_pdf(plan_ie_id: Id, body: NombresIn, agenda: AgendaApp) -> Response:
    return documento_del_plan(agenda, plan_pdf, "plan", plan_ie_id, body.fecha, body.por_id())


@router.post("/planes-monitoreo/{plan_ie_id}/informe.pdf",
             summary="Informe de ejecución en PDF, con los nombres", **CON_NOMBRES)
def post_informe_pdf(plan_ie_id: Id, body: NombresIn, agenda: AgendaApp) -> Response:
    return documento_del_plan(agenda, informe_pdf, "informe", plan_ie_id, body.fecha, body.por_id())


@router.post("/planes-monitoreo/{plan_ie_id}/docentes/{docente_id}/planificador.pdf",
             summary="Planificador individual del docente en PDF, con su nombre", **CON_NOMBRES)
def post_planificador_pdf(plan_ie_id: Id, docente_id: Id, body: NombresIn, agenda: AgendaApp) -> Response:
    corte = body.fecha or date.today()
    return pdf(planificador_pdf(agenda, str(plan_ie_id), str(docente_id), corte, body.por_id()),
               f"planificador-{docente_id}.pdf")


@router.get("/planes-monitoreo/{plan_ie_id}/plan.pdf", tags=["plan de la IE"], response_class=Response,
            summary="El plan de la IE en PDF, con el cronograma de visitas por docente", responses=PDF)
def get_plan_ie_pdf(plan_ie_id: Id, agenda: AgendaApp, fecha: date | None = None) -> Response:
    return documento_del_plan(agenda, plan_pdf, "plan", plan_ie_id, fecha)


@router.get("/planes-monitoreo/{plan_ie_id}/informe.pdf", tags=["plan de la IE"], response_class=Response,
            summary="Informe de ejecución del plan en PDF", responses=PDF)
def get_informe_pdf(plan_ie_id: Id, agenda: AgendaApp, fecha: date | None = None) -> Response:
    return documento_del_plan(agenda, informe_pdf, "informe", plan_ie_id, fecha)


@router.get("/planes-monitoreo/{plan_ie_id}/docentes/{docente_id}/planificador.pdf", tags=["plan de la IE"],
            response_class=Response, summary="Planificador individual del docente (desempeño por fase) en PDF",
            responses=PDF)
def get_planificador_pdf(plan_ie_id: Id, docente_id: Id, agenda: AgendaApp, fecha: date | None = None) -> Response:
    return pdf(planificador_pdf(agenda, str(plan_ie_id), str(docente_id), fecha or date.today()),
               f"planificador-{docente_id}.pdf")
