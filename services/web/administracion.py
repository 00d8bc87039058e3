"""The administrador's desk: the padrón import with its rejected rows, running a call's targeting and each
school's decision with its criteria ("why was my school left out"), the messages a service could not process
(inspect, process again), and the projection rebuilds with their progress.

Everything goes to the services' public APIs with the administrador's own token.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from services.web import territorios
from services.web.auditoria import SERVICIOS, convocatoria_vigente
from services.web.formularios import enviar_o_reabrir, formulario
from services.web.i18n import _
from services.web.servicios import Rechazo
from services.web.vistas import Contexto, comprobar_csrf, contexto

ADMINISTRADOR = frozenset({"administrador"})
NDJSON = "application/x-ndjson"
PADRONES = {"ies": _("Instituciones educativas (padrón de IIEE)"), "docentes": _("Docentes"),
            "acompanantes": _("Acompañantes")}
RESULTADOS = {"cumple": _("cumple"), "no_cumple": _("no cumple"), "sin_dato": _("sin dato para evaluarlo")}
PROYECCIONES = {"progreso": _("Progreso de los docentes"), "seguimiento": _("Seguimiento"),
                "practica": _("Práctica pedagógica"), "historia": _("Historia de los docentes"),
                "territorios": _("Nombres de las DRE y UGEL")}
CUENTAS = ("evaluadas", "focalizadas", "excluidas", "cambios")  # of a targeting run
ESTADOS_RECONSTRUCCION = {"en_curso": _("en curso"), "terminada": _("terminada"), "fallida": _("fallida")}


def hecho_de(sujeto: str) -> str:
    """The fact a message carried, from its subject (``acompana.<service>.<Fact>.v<N>...``): "VisitaRealizada
    (Agenda)"."""
    partes = sujeto.split(".")
    if len(partes) < 3:
        return sujeto
    return _("{hecho} (de {servicio})").format(hecho=partes[2], servicio=SERVICIOS.get(partes[1], partes[1]))


async def mensajes_de(ctx: Contexto) -> list[dict[str, Any]]:
    async def uno(servicio: str) -> dict[str, Any]:
        try:
            mensajes = [{**m, "hecho": hecho_de(m.get("sujeto_original", ""))}
                        for m in await ctx.leer(servicio, "/mensajes-fallidos")]
            return {"servicio": servicio, "mensajes": mensajes, "error": ""}
        except Rechazo as exc:
            return {"servicio": servicio, "mensajes": [], "error": exc.motivo}
    return list(await asyncio.gather(*(uno(s) for s in SERVICIOS)))


async def importar_con_avance(ctx: Contexto, tipo: str, contenido: bytes, archivo: str) -> Response:
    """The import with its progress as JSON lines: each batch focalizacion records (``procesadas``, ``total``),
    then the page's result already rendered (``html``: the form again, with the report or the reason next to
    the file). A file refused at once answers 422 with that one line."""
    def resultado(informe: dict[str, Any] | None, error: str) -> bytes:
        html = ctx.pagina("_padron.html", padrones=PADRONES, informe=informe, tipo=tipo, error=error,
                          archivo=archivo).body.decode()
        return (json.dumps({"html": html}, ensure_ascii=False) + "\n").encode()

    salida = contextlib.AsyncExitStack()
    try:
        lineas = await salida.enter_async_context(ctx.servicios.transmitir(
            ctx.token, "POST", "focalizacion", f"/padron/{tipo}", content=contenido,
            headers={"Accept": NDJSON, "Content-Type": "text/csv"}))
    except Rechazo as exc:
        await salida.aclose()
        return Response(resultado(None, exc.motivo or _("El archivo no se pudo importar.")), 422, media_type=NDJSON)

    async def reenviar() -> AsyncIterator[bytes]:
        async with salida:
            async for linea in lineas:
                if not linea:
                    continue
                dato = json.loads(linea)
                if "informe" in dato:
                    territorios.olvidar()  # a padrón of IIEE may name the DREs and UGELs anew
                    yield resultado(dato["informe"], "")
                elif "error" in dato:
                    yield resultado(None, dato["error"])
                else:
                    yield (json.dumps({"procesadas": dato["procesadas"], "total": dato["total"]}) + "\n").encode()

    return StreamingResponse(reenviar(), media_type=NDJSON, headers={"Cache-Control": "no-store"})


async def pagina_focalizacion(ctx: Contexto, estado: int = 200, **datos: Any) -> Response:
    """The calls and their targeting, with the rule sets a new call may follow (each code once, its latest
    version named)."""
    reglas: dict[str, dict[str, Any]] = {}
    for r in await ctx.leer("focalizacion", "/reglas"):
        reglas[r["codigo"]] = r  # in order of code and version: the last one stays
    datos.setdefault("nueva", {})
    datos.setdefault("error", {})
    return ctx.pagina("admin_focalizacion.html", estado, reglas=list(reglas.values()), **datos)


async def reabrir_convocatoria(ctx: Contexto, datos: dict[str, str], errores: dict[str, str]) -> Response:
    """The calls' page again with the new call's form as written and the reason next to its field (the code's
    when the reason names none of the form's)."""
    campo, motivo = next(iter(errores.items()))
    return await pagina_focalizacion(ctx, 422, convocatorias=await ctx.leer("focalizacion", "/convocatorias"),
                                     codigo=None, decisiones=[], focalizadas=False, ejecucion=None, abierta=None,
                                     nueva=datos, error={"campo": campo if campo in datos else "codigo",
                                                         "motivo": motivo})


router = APIRouter()


@router.get("/administracion/padron", include_in_schema=False)
async def padron(request: Request) -> Response:
    ctx = await contexto(request, ADMINISTRADOR)
    return ctx.pagina("admin_padron.html", padrones=PADRONES, informe=None, tipo="ies", error="")


@router.post("/administracion/padron", include_in_schema=False)
async def importar(request: Request, archivo: UploadFile, csrf: str = Form(""),
                   tipo: str = Form("ies")) -> Response:
    ctx = await contexto(request, ADMINISTRADOR)
    comprobar_csrf(ctx, csrf)
    tipo = tipo if tipo in PADRONES else "ies"
    contenido = await archivo.read()
    if NDJSON in request.headers.get("accept", ""):  # the page's script: the progress, then the result
        return await importar_con_avance(ctx, tipo, contenido, archivo.filename or "")
    informe, error = None, ""
    try:
        respuesta = await ctx.servicios.pedir(ctx.token, "POST", "focalizacion", f"/padron/{tipo}",
                                              content=contenido)
        informe = respuesta.json()
        territorios.olvidar()
    except Rechazo as exc:
        error = exc.motivo or _("El archivo no se pudo importar.")
    return ctx.pagina("admin_padron.html", 422 if error else 200, padrones=PADRONES, informe=informe,
                      tipo=tipo, error=error, archivo=archivo.filename)


@router.get("/administracion/focalizacion", include_in_schema=False)
async def focalizacion(request: Request) -> Response:
    ctx = await contexto(request, ADMINISTRADOR)
    convocatorias = await ctx.leer("focalizacion", "/convocatorias")
    vigente = await convocatoria_vigente(ctx)
    codigo = request.query_params.get("convocatoria") or (vigente or {}).get("codigo")
    focalizadas = request.query_params.get("ver") == "focalizadas"  # the excluded ones by default
    decisiones, lugares = await asyncio.gather(ctx.leer(
        "focalizacion", f"/convocatorias/{codigo}/decisiones", focalizada=focalizadas, limite=1000)
        if codigo else asyncio.sleep(0, []), territorios.territorios(ctx))
    decisiones = [{**d, "ugel_nombre": lugares.ugel(d["ugel"])} for d in decisiones]
    ejecucion = {k: request.query_params.get(k) for k in CUENTAS}
    return await pagina_focalizacion(ctx, convocatorias=convocatorias, codigo=codigo, decisiones=decisiones,
                                     focalizadas=focalizadas, abierta=request.query_params.get("abierta"),
                                     ejecucion=ejecucion if ejecucion["evaluadas"] else None)


@router.post("/administracion/convocatorias", include_in_schema=False)
async def abrir(request: Request) -> Response:
    """A new call: its code, its years and the rule set it follows (the version in force when opened)."""
    ctx = await contexto(request, ADMINISTRADOR)
    enviado = await formulario(request, ctx)
    datos = {k: enviado.get(k, "") for k in ("codigo", "anio_inicio", "anio_fin", "reglas")}
    anios = {k: datos[k] for k in ("anio_inicio", "anio_fin")}
    error = next(((k, _("Escriba el año con cuatro cifras, por ejemplo 2027.")) for k, v in anios.items()
                  if not (v.isdigit() and len(v) == 4)), None)
    if error is not None:
        return await reabrir_convocatoria(ctx, datos, {error[0]: error[1]})
    return await enviar_o_reabrir(
        ctx, "focalizacion", "/convocatorias", {**datos, **{k: int(v) for k, v in anios.items()}},
        "/administracion/focalizacion?" + urlencode({"abierta": datos["codigo"]}),
        lambda errores: reabrir_convocatoria(ctx, datos, errores))


@router.post("/administracion/focalizacion", include_in_schema=False)
async def ejecutar(request: Request, csrf: str = Form(""), convocatoria: str = Form(...)) -> Response:
    ctx = await contexto(request, ADMINISTRADOR)
    comprobar_csrf(ctx, csrf)
    _estado, hecho = await ctx.enviar("focalizacion", f"/convocatorias/{convocatoria}/focalizacion", {})
    consulta = urlencode({"convocatoria": convocatoria, **{k: hecho.get(k, 0) for k in CUENTAS}})
    return RedirectResponse(f"/administracion/focalizacion?{consulta}", status_code=303)


@router.get("/administracion/focalizacion/{convocatoria}/ies/{codigo_modular}/{anexo}",
            include_in_schema=False)
async def decision(request: Request, convocatoria: str, codigo_modular: str, anexo: int) -> Response:
    ctx = await contexto(request, ADMINISTRADOR)
    d = await ctx.leer("focalizacion", f"/convocatorias/{convocatoria}/ies/{codigo_modular}/{anexo}")
    return ctx.pagina("admin_decision.html", d=d, convocatoria=convocatoria, resultados=RESULTADOS)


@router.get("/administracion/mensajes", include_in_schema=False)
async def mensajes(request: Request) -> Response:
    ctx = await contexto(request, ADMINISTRADOR)
    return ctx.pagina("admin_mensajes.html", por_servicio=await mensajes_de(ctx), servicios=SERVICIOS,
                      aviso=request.query_params.get("aviso", ""))


@router.post("/administracion/mensajes/{servicio}/{secuencia}", include_in_schema=False)
async def reintentar(request: Request, servicio: str, secuencia: int, csrf: str = Form("")) -> Response:
    ctx = await contexto(request, ADMINISTRADOR)
    comprobar_csrf(ctx, csrf)
    if servicio not in SERVICIOS:
        raise Rechazo(404, "")
    try:
        await ctx.enviar(servicio, f"/mensajes-fallidos/{secuencia}/reintentar", {})
        aviso = _("El mensaje {n} se procesó.").format(n=secuencia)
    except Rechazo as exc:
        aviso = _("El mensaje {n} volvió a fallar: {motivo}").format(n=secuencia, motivo=exc.motivo)
    return ctx.pagina("admin_mensajes.html", por_servicio=await mensajes_de(ctx), servicios=SERVICIOS,
                      aviso=aviso)


@router.get("/administracion/proyecciones", include_in_schema=False)
async def proyecciones(request: Request) -> Response:
    ctx = await contexto(request, ADMINISTRADOR)
    return ctx.pagina("admin_proyecciones.html", filas=await ctx.leer("evaluacion", "/proyecciones"),
                      nombres=PROYECCIONES, estados=ESTADOS_RECONSTRUCCION, aviso="")


@router.post("/administracion/proyecciones", include_in_schema=False)
async def reconstruir(request: Request, csrf: str = Form(""), nombre: str = Form(...)) -> Response:
    ctx = await contexto(request, ADMINISTRADOR)
    comprobar_csrf(ctx, csrf)
    try:
        await ctx.enviar("evaluacion", f"/proyecciones/{nombre}/reconstruccion", {})
        aviso = _("La reconstrucción empezó; la proyección actual sigue respondiendo hasta que la nueva "
                  "la alcance.")
    except Rechazo as exc:
        aviso = exc.motivo
    return ctx.pagina("admin_proyecciones.html", filas=await ctx.leer("evaluacion", "/proyecciones"),
                      nombres=PROYECCIONES, estados=ESTADOS_RECONSTRUCCION, aviso=aviso)

