"""The UGEL specialist's caseloads page: each acompañante's caseload with its ratio and state, and the forms
that change them (reassign a docente, a ratio exception, an acompañante who leaves).

Names come from focalizacion on each request (``escritorio_ugel.nombres_ugel``); a change made here forgets
them at once.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web.escritorio_ugel import UGEL, nombres_ugel, olvidar_nombres, su_ugel
from services.web.formularios import enviar_o_reabrir, formulario
from services.web.i18n import _
from services.web.paginas import ahora
from services.web.vistas import Contexto, contexto

ESTADOS_CARTERA = {"completa": _("completa"), "con_cupo": _("con cupo"),
                   "excede_ratio": _("excede el ratio"), "retirado": _("acompañante retirado"),
                   "sin_docentes": _("sin docentes")}
TIPOS_IE = {"multigrado": _("multigrado"), "eib": _("EIB"), "polidocente_inicial": _("polidocente inicial"),
            "polidocente_primaria": _("polidocente primaria"),
            "polidocente_secundaria": _("polidocente secundaria")}
CAMPOS_CARTERA = frozenset({"limite", "justificacion", "motivo", "reemplazo_id", "acompanante_id",
                            "docente_id"})

async def pagina_carteras(ctx: Contexto, estado: int = 200, hecho: str | None = None,
                          error: tuple[str, str, str] | None = None) -> Response:
    """The caseloads page; ``error`` is (form, field, reason) of a form the service refused, shown next to
    that field of that form."""
    datos = await nombres_ugel(ctx, su_ugel(ctx))
    filas = sorted(({**c, "nombre": datos["acompanantes"].get(c["acompanante_id"], ""),
                     "escuelas_nombres": [datos["escuelas"].get(e, e) for e in c["escuelas"]],
                     "docentes_nombres": sorted(datos["docentes"][d]["nombre"]
                                                for d in c.get("docente_ids", []) if d in datos["docentes"])}
                    for c in datos["carteras"]), key=lambda c: c["nombre"])
    docentes = sorted(datos["docentes"].values(), key=lambda d: d["nombre"])
    formulario_, campo, motivo = error or ("", "", "")
    return ctx.pagina("ugel_carteras.html", estado, carteras=filas, docentes=docentes,
                      escuelas=datos["escuelas"], acompanantes=datos["acompanantes"], estados=ESTADOS_CARTERA,
                      tipos=TIPOS_IE, convocatoria=ctx.settings.convocatoria, hecho=hecho,
                      actualizado=ahora(),
                      error={"formulario": formulario_, "campo": campo, "motivo": motivo})


async def enviar_o_mostrar(ctx: Contexto, nombre: str, ruta: str, cuerpo: dict[str, Any]) -> Response:
    """One of the caseloads page's forms sent to focalizacion: back to the page, or the page again with the
    service's reason next to the field it names (the acompañante chosen when it names none)."""
    async def reabrir(errores: dict[str, str]) -> Response:
        campo, motivo = next(iter(errores.items()))
        campo = campo if campo in CAMPOS_CARTERA else "acompanante_id"
        return await pagina_carteras(ctx, 422, error=(nombre, campo, motivo))
    olvidar_nombres(ctx)  # the caseloads change (or may have): read them again
    return await enviar_o_reabrir(ctx, "focalizacion", f"/convocatorias/{ctx.settings.convocatoria}{ruta}",
                                  cuerpo, "/ugel/carteras", reabrir)


router = APIRouter()


@router.get("/ugel/carteras", include_in_schema=False)
async def carteras(request: Request) -> Response:
    ctx = await contexto(request, UGEL)
    return await pagina_carteras(ctx, hecho=request.query_params.get("hecho"))


@router.post("/ugel/carteras/reasignacion", include_in_schema=False)
async def reasignar(request: Request) -> Response:
    ctx = await contexto(request, UGEL)
    datos = await formulario(request, ctx)
    cuerpo = {"docente_id": datos.get("docente_id", ""), "acompanante_id": datos.get("acompanante_id", ""),
              "motivo": datos.get("motivo", "")}
    return await enviar_o_mostrar(ctx, "reasignacion", "/reasignaciones", cuerpo)


@router.post("/ugel/carteras/excepcion", include_in_schema=False)
async def excepcion(request: Request) -> Response:
    """A ratio exception for one acompañante: his new limit and why (NT-026 §5.4)."""
    ctx = await contexto(request, UGEL)
    datos = await formulario(request, ctx)
    limite = datos.get("limite", "")
    if not limite.isdigit():
        return await pagina_carteras(ctx, 422, error=(
            "excepcion", "limite", _("Escriba el nuevo límite como un número de docentes.")))
    return await enviar_o_mostrar(ctx, "excepcion",
                                  f"/acompanantes/{datos.get('acompanante_id', '')}/excepciones",
                                  {"limite": int(limite), "justificacion": datos.get("justificacion", "")})


@router.post("/ugel/carteras/retiro", include_in_schema=False)
async def retiro(request: Request) -> Response:
    """An acompañante leaves: his caseload to the replacement chosen, or spread over the UGEL's others of
    the same type keeping schools together (refused, with nothing recorded, when it does not fit)."""
    ctx = await contexto(request, UGEL)
    datos = await formulario(request, ctx)
    cuerpo: dict[str, Any] = {"motivo": datos.get("motivo", "")}
    if datos.get("reemplazo_id"):
        cuerpo["reemplazo_id"] = datos["reemplazo_id"]
    return await enviar_o_mostrar(ctx, "retiro", f"/acompanantes/{datos.get('acompanante_id', '')}/retiro",
                                  cuerpo)
