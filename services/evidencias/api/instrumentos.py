"""The observation instruments over HTTP (NT-026 §6.1, §5.7): their published versions, one with its texts in a
language, its blank form to use on paper, and publishing a new version."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from services.evidencias import documentos
from services.evidencias.api.comun import Idioma, registrado
from services.evidencias.api.dependencias import EvidenciasApp, Vistas
from services.evidencias.instrumentos import Instrumento, en

router = APIRouter(prefix="/v1", tags=["evidencias"])


@router.get("/instrumentos", summary="Instrumentos publicados (todas sus versiones)")
def instrumentos(vistas: Vistas, codigo: str | None = None) -> list[dict[str, Any]]:
    return vistas.instrumentos(codigo)


@router.get("/instrumentos/{codigo}/{version}", summary="Un instrumento, con sus textos en un idioma")
def instrumento(codigo: str, version: int, app: EvidenciasApp, idioma: Idioma = "es") -> dict[str, Any]:
    inst = app.instrumento(codigo, version)
    return {**inst.model_dump(mode="json"), "titulo": en(inst.titulo, idioma), "items": [
        {**i.model_dump(mode="json"), "titulo": en(i.titulo, idioma),
         "niveles": [{"codigo": n.codigo, "descriptor": en(n.descriptor, idioma)} for n in i.niveles]}
        for i in inst.items]}


@router.get("/instrumentos/{codigo}/{version}/ficha.pdf", summary="El instrumento en blanco, para usarlo en papel",
            description="Para el aula sin dispositivo: cabecera por llenar, cada desempeño con sus cuatro niveles y "
                        "descriptores, una casilla por nivel y espacio para la evidencia. Una lista de cotejo (GIA, "
                        "RTC, autoevaluación): cada ítem con una casilla para sí, no y no aplica.",
            response_class=Response, responses={200: {"content": {"application/pdf": {}}}})
def ficha_pdf(codigo: str, version: int, app: EvidenciasApp, idioma: Idioma = "es") -> Response:
    inst = app.instrumento(codigo, version)
    return Response(documentos.pdf_ficha(inst, idioma), media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{codigo}-v{version}.pdf"'})


@router.post("/instrumentos", summary="Publicar una versión de un instrumento", status_code=201,
             responses={200: {"description": "Ya publicada con el mismo contenido"},
                        409: {"description": "Otra con esa versión"}})
def publicar(entrada: Instrumento, app: EvidenciasApp) -> dict[str, Any]:
    return registrado(entrada.clave, app.publicar_instrumento(entrada),  # type: ignore[return-value]
                      instrumento=entrada.clave)
