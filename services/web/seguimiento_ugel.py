"""The UGEL specialist's follow-up pages beyond fulfilment and caseloads: coverage, commitments, results per
stage, the seguimiento and evaluación matrices and the acompañantes' performance (the quarterly report is in
informe_ugel.py, with the helpers of this module).

Names come from focalizacion's caseloads on each request (``nombres_ugel``); every download goes through this
application with the user's token: the services' own CSV and XLSX, or a CSV built here for a table computed
here (coverage, commitments).
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections import Counter
from collections.abc import Sequence
from datetime import date
from statistics import mean
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from services.web import frases, i18n
from services.web.formularios import enviar_o_reabrir, formulario
from services.web.escritorio_ugel import UGEL, corte, nombres_ugel, su_ugel
from services.web.i18n import _
from services.web.paginas import ahora
from services.web.descargas import descargar
from services.web.vistas import Contexto, contexto

router = APIRouter()
CSV = "text/csv; charset=utf-8"
NIVELES = ("I", "II", "III", "IV")
MOMENTOS = {"inicio": _("Al inicio"), "semestre_1": _("Primer semestre"), "semestre_2": _("Segundo semestre"),
            "termino": _("Al término")}
# the qualities of the coaching strategies the UGEL observes in an acompañante (NT-026 §5.5.2, "calidad de las
# estrategias del acompañamiento pedagógico (desempeño del acompañante)")
CRITERIOS = {"visitas": _("Visitas en aula"), "gia": _("Grupos de interaprendizaje"),
             "rtc": _("Reuniones de trabajo colegiado"), "talleres": _("Talleres")}
ENCUESTADOS = {"docente": _("Docentes"), "acompanante": _("Acompañantes")}
MATRICES = {"seguimiento": ("cumplimiento", "calidad", "satisfaccion"),
            "evaluacion": ("practica", "desempeno")}


# --- helpers shared with informe_ugel.py --------------------------------------------------------------------


def csv_de(encabezados: Sequence[str], filas: Sequence[Sequence[Any]], archivo: str) -> Response:
    """A table built here, as a CSV Excel opens with its accents (UTF-8 with BOM)."""
    texto = io.StringIO()
    escritor = csv.writer(texto)
    escritor.writerow(encabezados)
    escritor.writerows(filas)
    return Response("\ufeff" + texto.getvalue(), media_type=CSV,
                    headers={"Content-Disposition": f'attachment; filename="{archivo}"'})


def escuela_de(fila: dict[str, Any]) -> str:
    return f"{fila['codigo_modular']}-{fila['anexo']}"


# --- cobertura ----------------------------------------------------------------------------------------------

async def cobertura_de(ctx: Contexto, ugel: str, al: date) -> dict[str, Any]:
    """Days since each docente's last visit at ``al`` and how the visits spread over docentes and schools."""
    datos = await nombres_ugel(ctx, ugel)
    agendas = await asyncio.gather(*(ctx.leer("agenda", f"/acompanantes/{c['acompanante_id']}/agenda",
                                              anio=ctx.settings.anio) for c in datos["carteras"]))
    visitas = {a["actividad_id"]: a for agenda in agendas for a in agenda
               if a["tipo"] == "visita" and a["estado"] == "realizada" and a.get("ugel") == ugel
               and a["fecha_inicio"] <= al.isoformat()}
    por_docente: dict[str, list[str]] = {}
    por_escuela: Counter[str] = Counter()
    for v in visitas.values():
        por_escuela[v["ie"]] += 1
        for d in v.get("datos", {}).get("docentes", []):
            por_docente.setdefault(d, []).append(min(v.get("fecha_fin") or v["fecha_inicio"], al.isoformat()))
    docentes = datos["docentes"]
    media = mean(len(por_docente.get(d, [])) for d in docentes) if docentes else 0.0
    filas = []
    for d in docentes.values():
        fechas = por_docente.get(d["docente_id"], [])
        ultima = max(fechas) if fechas else None
        frente = (_("por encima del promedio") if len(fechas) > media else _("por debajo del promedio")
                  if len(fechas) < media else _("en el promedio"))
        filas.append({"nombre": d["nombre"], "escuela": datos["escuelas"].get(d["ie"], ""),
                      "acompanante": datos["acompanantes"].get(d["acompanante_id"], ""),
                      "visitas": len(fechas),
                      "ultima": ultima, "dias": (al - date.fromisoformat(ultima)).days if ultima else None,
                      "frente": frente})
    filas.sort(key=lambda f: (f["dias"] is not None, -(f["dias"] or 0), f["nombre"]))
    en_escuela = Counter(d["ie"] for d in docentes.values())
    total = sum(por_escuela.values())
    escuelas = sorted(({"nombre": datos["escuelas"].get(ie, _("una IE que ya no está en las carteras")),
                        "docentes": en_escuela.get(ie, 0), "visitas": n,
                        "por_docente": round(n / en_escuela[ie], 1) if en_escuela.get(ie) else None,
                        "porcentaje": round(100 * n / total, 1) if total else 0.0}
                       for ie, n in (por_escuela | Counter(dict.fromkeys(en_escuela, 0))).items()),
                      key=lambda e: (-e["visitas"], e["nombre"]))
    return {"filas": filas, "escuelas": escuelas, "media": round(media, 1), "total": total,
            "encima": sum(f["visitas"] > media for f in filas),
            "debajo": sum(f["visitas"] < media for f in filas),
            "nunca": sum(f["ultima"] is None for f in filas)}


@router.get("/ugel/cobertura", include_in_schema=False)
async def cobertura(request: Request, fecha: str | None = None) -> Response:
    ctx = await contexto(request, UGEL)
    al = corte(ctx.settings.anio, fecha)
    datos = await cobertura_de(ctx, su_ugel(ctx), al)
    return ctx.pagina("ugel_cobertura.html", fecha=al, **datos, actualizado=ahora())


@router.get("/ugel/cobertura.csv", include_in_schema=False)
async def cobertura_csv(request: Request, fecha: str | None = None, tabla: str = "docentes") -> Response:
    ctx = await contexto(request, UGEL)
    al = corte(ctx.settings.anio, fecha)
    datos = await cobertura_de(ctx, su_ugel(ctx), al)
    if tabla == "escuelas":
        return csv_de([_("Institución educativa"), _("Docentes"), _("Visitas"), _("Visitas por docente"),
                       _("Porcentaje de las visitas de la UGEL")],
                      [[e["nombre"], e["docentes"], e["visitas"], e["por_docente"], e["porcentaje"]]
                       for e in datos["escuelas"]], f"visitas-por-ie-{al.isoformat()}.csv")
    claves = ("nombre", "escuela", "acompanante", "visitas", "ultima", "dias", "frente")
    return csv_de([_("Docente"), _("Institución educativa"), _("Acompañante"), _("Visitas"),
                   _("Última visita"), _("Días desde la última visita"), _("Frente al promedio")],
                  [["" if f[k] is None else f[k] for k in claves] for f in datos["filas"]],
                  f"cobertura-{al.isoformat()}.csv")


# --- compromisos --------------------------------------------------------------------------------------------

async def compromisos_de(ctx: Contexto, ugel: str) -> dict[str, Any]:
    datos, pendientes, verificados = await asyncio.gather(
        nombres_ugel(ctx, ugel), ctx.leer("evidencias", "/compromisos", ugel=ugel, estado="pendientes"),
        ctx.leer("evidencias", "/compromisos", ugel=ugel, estado="verificados"))
    filas = []
    for c in pendientes["compromisos"] + verificados["compromisos"]:
        verificado = c.get("verificado") or {}
        filas.append({
            "estado": c["estado"], "estado_texto": frases.COMPROMISO.get(c["estado"], c["estado"]),
            "docente": datos["docentes"].get(c["docente_id"], {}).get("nombre", _("un docente")),
            "escuela": datos["escuelas"].get(escuela_de(c), _("una IE de su UGEL")),
            "acompanante": datos["acompanantes"].get(c.get("acompanante_actual_id") or c["acompanante_id"],
                                                     _("un acompañante")),
            "descripcion": c.get("descripcion", ""), "item": c.get("item", ""),
            "competencia": frases.COMPETENCIAS.get(c.get("competencia", ""), c.get("competencia", "")),
            "fecha_visita": c.get("fecha_visita"), "fecha_limite": c.get("fecha_limite"),
            "verificado_el": verificado.get("fecha"),
            "resultado": frases.RESULTADOS.get(verificado.get("resultado", ""), "")})
    return {"al": pendientes["al"], "filas": filas,
            "resumen": {**pendientes["resumen"], "verificados": verificados["resumen"]["verificados"]}}


@router.get("/ugel/compromisos", include_in_schema=False)
async def compromisos(request: Request) -> Response:
    ctx = await contexto(request, UGEL)
    datos = await compromisos_de(ctx, su_ugel(ctx))
    grupos = [(estado, [f for f in datos["filas"] if f["estado"] == estado]) for estado in
              ("vencido", "abierto", "verificado")]
    return ctx.pagina("ugel_compromisos.html", grupos=grupos, al=datos["al"], resumen=datos["resumen"],
                      actualizado=ahora())


@router.get("/ugel/compromisos.csv", include_in_schema=False)
async def compromisos_csv(request: Request) -> Response:
    ctx = await contexto(request, UGEL)
    datos = await compromisos_de(ctx, su_ugel(ctx))
    claves = ("estado_texto", "docente", "escuela", "acompanante", "descripcion", "item", "competencia",
              "fecha_visita", "fecha_limite", "verificado_el", "resultado")
    return csv_de([_("Estado"), _("Docente"), _("Institución educativa"), _("Acompañante"), _("Compromiso"),
                   _("Desempeño"), _("Competencia"), _("Visita en que se asumió"), _("Fecha límite"),
                   _("Verificado el"), _("Resultado")],
                  [[f[k] or "" for k in claves] for f in datos["filas"]], f"compromisos-{datos['al']}.csv")


# --- resultados por etapa -----------------------------------------------------------------------------------

@router.get("/ugel/resultados", include_in_schema=False)
async def resultados(request: Request) -> Response:
    ctx = await contexto(request, UGEL)
    ugel = su_ugel(ctx)
    etapas = await asyncio.gather(*(ctx.leer("evaluacion", "/resultados-etapa", etapa=e, por="ugel",
                                              ugel=ugel, convocatoria=ctx.settings.convocatoria)
                                     for e in (1, 2, 3)))
    tablas = [{"etapa": e, "nota": r["nota"],
               "filas": [{**f, "nombre": frases.COMPETENCIAS.get(f["competencia"], f["competencia"])}
                         for f in r["resultados"]]} for e, r in zip((1, 2, 3), etapas)]
    return ctx.pagina("ugel_resultados.html", tablas=tablas, niveles=NIVELES, ugel=ugel,
                      convocatoria=ctx.settings.convocatoria, actualizado=ahora())


@router.get("/ugel/resultados.svg", include_in_schema=False)
async def resultados_svg(request: Request) -> Response:
    ctx = await contexto(request, UGEL)
    respuesta = await ctx.servicios.pedir(ctx.token, "GET", "evaluacion", "/resultados-etapa.svg", params={
        "convocatoria": ctx.settings.convocatoria, "ugel": su_ugel(ctx)})
    return Response(respuesta.content, media_type="image/svg+xml",
                    headers={"Cache-Control": "private, no-cache"})


@router.get("/ugel/resultados.csv", include_in_schema=False)
async def resultados_csv(request: Request, etapa: int = 1) -> Response:
    ctx = await contexto(request, UGEL)
    if etapa not in (1, 2, 3):
        raise HTTPException(404)
    return await descargar(ctx, "evaluacion", "/resultados-etapa", {
        "convocatoria": ctx.settings.convocatoria, "etapa": etapa, "por": "ugel", "ugel": su_ugel(ctx),
        "formato": "csv"}, f"resultados-etapa-{etapa}-{i18n.hoy().isoformat()}.csv")


# --- matrices de seguimiento y evaluación -------------------------------------------------------------------

async def matrices_de(ctx: Contexto, ugel: str) -> dict[str, Any]:
    anio = ctx.settings.anio
    datos, seguimiento, evaluacion = await asyncio.gather(
        nombres_ugel(ctx, ugel), ctx.leer("evaluacion", "/seguimiento", anio=anio, por="ie", ugel=ugel),
        ctx.leer("evaluacion", "/evaluacion", anio=anio, por="ugel", ugel=ugel))
    def acompanante(f: dict[str, Any]) -> dict[str, Any]:
        return {**f, "nombre": datos["acompanantes"].get(f["acompanante_id"], _("un acompañante"))}
    return {"anio": anio, "nota": seguimiento["nota"],
            "cumplimiento": sorted(({**f, "nombre": datos["escuelas"].get(escuela_de(f),
                                                                          _("una IE de su UGEL"))}
                                    for f in seguimiento["cumplimiento"]), key=lambda f: f["nombre"]),
            "calidad": sorted(map(acompanante, seguimiento["calidad"]), key=lambda f: f["nombre"]),
            "satisfaccion": seguimiento["satisfaccion"], "practica": evaluacion["practica"],
            "desempeno": sorted(map(acompanante, evaluacion["desempeno"]), key=lambda f: f["nombre"]),
            "acompanantes": datos["acompanantes"]}


@router.get("/ugel/matrices", include_in_schema=False)
async def matrices(request: Request) -> Response:
    ctx = await contexto(request, UGEL)
    datos = await matrices_de(ctx, su_ugel(ctx))
    return ctx.pagina("ugel_matrices.html", **datos, componentes=list(frases.COMPONENTES.items()),
                      niveles=NIVELES, encuestados=ENCUESTADOS, momentos=MOMENTOS, actualizado=ahora())


@router.get("/ugel/matrices/{matriz}.{formato}", include_in_schema=False)
async def matriz_descarga(request: Request, matriz: str, formato: str,
                          seccion: str | None = None) -> Response:
    ctx = await contexto(request, UGEL)
    if matriz not in MATRICES or formato not in ("csv", "xlsx") or (seccion
                                                                   and seccion not in MATRICES[matriz]):
        raise HTTPException(404)
    anio, hoy = ctx.settings.anio, i18n.hoy().isoformat()
    archivo = f"{matriz}-{anio}-{seccion or MATRICES[matriz][0]}-{hoy}.csv" if formato == "csv" else \
        f"{matriz}-{anio}-{hoy}.xlsx"
    params = {"anio": anio, "por": "ie" if matriz == "seguimiento" else "ugel", "ugel": su_ugel(ctx),
              "formato": formato, "seccion": seccion if formato == "csv" else None}
    return await descargar(ctx, "evaluacion", f"/{matriz}", params, archivo)


# --- desempeño del acompañante ------------------------------------------------------------------------------

async def pagina_desempeno(ctx: Contexto, errores: dict[str, str] | None = None,
                           valores: dict[str, str] | None = None) -> Response:
    datos = await matrices_de(ctx, su_ugel(ctx))
    filas: dict[str, dict[str, Any]] = {}
    for f in datos["desempeno"] + datos["calidad"]:
        filas.setdefault(f["acompanante_id"], {"nombre": f["nombre"]}).update(
            {m: f[m] for m in MOMENTOS if f.get(m)})
    return ctx.pagina("ugel_desempeno.html", 422 if errores else 200,
                      filas=sorted(filas.values(), key=lambda f: f["nombre"]), momentos=MOMENTOS,
                      criterios=CRITERIOS, niveles=NIVELES, anio=datos["anio"],
                      acompanantes=sorted(datos["acompanantes"].items(), key=lambda a: a[1]),
                      errores=errores or {}, valores=valores or {}, hoy=i18n.hoy().isoformat(),
                      hecho=ctx.request.query_params.get("hecho"), actualizado=ahora())


@router.get("/ugel/desempeno", include_in_schema=False)
async def desempeno(request: Request) -> Response:
    return await pagina_desempeno(await contexto(request, UGEL))


@router.post("/ugel/desempeno", include_in_schema=False)
async def evaluar_desempeno(request: Request) -> Response:
    ctx = await contexto(request, UGEL)
    datos = await formulario(request, ctx)
    cuerpo = {"anio": ctx.settings.anio, "momento": datos.get("momento", ""),
              "fecha": datos.get("fecha") or None,
              "criterios": {c: datos[f"criterio_{c}"] for c in CRITERIOS if datos.get(f"criterio_{c}")},
              "nivel": datos.get("nivel", ""), "evaluador": datos.get("evaluador", "")}
    acompanante_id = datos.get("acompanante_id", "")
    if acompanante_id not in (await nombres_ugel(ctx, su_ugel(ctx)))["acompanantes"]:
        return await pagina_desempeno(ctx, {"acompanante_id": _("Elija un acompañante de su UGEL.")}, datos)
    return await enviar_o_reabrir(ctx, "evaluacion", f"/acompanantes/{acompanante_id}/desempeno", cuerpo,
                                  "/ugel/desempeno", lambda errores: pagina_desempeno(ctx, errores, datos))
