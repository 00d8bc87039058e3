"""The regional and national desks: the especialista of the DRE (DRE → UGEL → IE …, the UGELs' quarterly
reports received and acknowledged, the region's rules, protocols, instruments and metas) and the MINEDU
(national → DRE → UGEL views of the same tables, instruments and metas, the year's matrices).

The services decide the territory: a DRE's especialista asks with his token and agenda and evaluacion narrow
each list to his DRE. A UGEL, school or acompañante named in the URL that the narrowed list does not hold
"no existe" for him (404), as an id of another territory answers in the services themselves. DREs and UGELs
have no names in any service: their codes are what a person reads; schools, acompañantes and docentes are
named from focalizacion on each request.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from services.web import frases, i18n
from services.web.escritorio import enviar_formulario, formulario
from services.web.escritorio_ugel import corte
from services.web.i18n import _
from services.web.paginas import ahora
from services.web.servicios import Rechazo
from services.web.vistas import Contexto, contexto

router = APIRouter()

DRE, MINEDU = "especialista_dre", "minedu"
AMBOS = frozenset({DRE, MINEDU})
NIVELES = ("nacional", "dre", "ugel", "ie", "acompanante", "docente")
# the levels each role sees, from the top one it starts at (MINEDU: national → DRE → UGEL)
ALCANCE = {DRE: NIVELES[1:], MINEDU: NIVELES[:3]}
CLAVE = {"dre": "dre", "ugel": "ugel", "ie": "ie", "acompanante": "acompanante_id"}  # a row's key, a filter
TITULO_NIVEL = {"nacional": _("Nacional"), "dre": _("DRE"), "ugel": _("UGEL"),
                "ie": _("Institución educativa"), "acompanante": _("Acompañante"), "docente": _("Docente")}
SEGUIMIENTO = {"nacional": "nacional", "dre": "dre", "ugel": "ugel", "ie": "ie", "acompanante": "ie",
               "docente": "docente"}  # evaluacion's 'por' for the year's workbook
ESTADOS_INFORME = {"no_enviado": _("no enviado"), "enviado": _("enviado, por acusar recibo"),
                   "recibido": _("recibido")}
ESTADOS_MEDIDA = {"dispuesta": _("dispuesta"), "en_ejecucion": _("en ejecución"), "cumplida": _("cumplida"),
                  "no_cumplida": _("no cumplida")}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def fuera() -> Rechazo:
    """What a thing of another territory (or none) named in the URL answers: "no existe" (404)."""
    return Rechazo(404, _("No existe o no está en su ámbito."))


def su_dre(ctx: Contexto) -> str | None:
    """The DRE of the especialista (None for the MINEDU, who sees the nation)."""
    if ctx.rol != DRE:
        return None
    dre = ctx.sesion.claims.get("dre")
    if not dre:
        raise HTTPException(403, _("Su cuenta no indica su DRE."))
    return str(dre)


async def nombres_ies(ctx: Contexto, **territorio: str | None) -> dict[str, str]:
    """The schools of a territory by 'codigo_modular-anexo', with the names the padrón gives them."""
    nombres: dict[str, str] = {}
    desde = 0
    while True:
        lote = await ctx.leer("focalizacion", f"/convocatorias/{ctx.settings.convocatoria}/decisiones",
                              limite=1000, desde=desde, **territorio)
        nombres.update({f"{d['codigo_modular']}-{d['anexo']}": d["nombre"] for d in lote})
        if len(lote) < 1000:
            return nombres
        desde += 1000


async def nombre_acompanante(ctx: Contexto, acompanante_id: str) -> str:
    persona = await ctx.leer_si_existe("focalizacion", f"/acompanantes/{acompanante_id}/persona")
    return frases.nombre(persona) or _("un acompañante")


async def nombres_docentes(ctx: Contexto, acompanante_id: str, ids: list[str]) -> dict[str, str]:
    """The acompañante's docentes by name (his caseload today; a docente he no longer holds, one by one)."""
    cartera = await ctx.leer("focalizacion", f"/acompanantes/{acompanante_id}/cartera")
    nombres = {d["docente_id"]: frases.nombre(d) for d in cartera["docentes"]}
    faltan = [d for d in ids if d not in nombres]
    personas = await asyncio.gather(*(ctx.leer_si_existe("focalizacion", f"/docentes/{d}/persona")
                                      for d in faltan))
    nombres.update({d: frases.nombre(p) or _("un docente") for d, p in zip(faltan, personas)})
    return nombres


# --- fulfilment at a date, with its drill-down ------------------------------------------------------------

@router.get("/region/cumplimiento", include_in_schema=False)
async def cumplimiento(request: Request, nivel: str | None = None, dre: str | None = None,
                       ugel: str | None = None, ie: str | None = None, acompanante_id: str | None = None,
                       fecha: str | None = None, solo_atrasados: bool = False) -> Response:
    ctx = await contexto(request, AMBOS)
    propia = su_dre(ctx)
    alcance = ALCANCE[ctx.rol]
    nivel = nivel or alcance[0]
    if nivel not in alcance:
        raise HTTPException(404)
    # the things chosen on the way down: each level between the role's top and the one shown names one
    encima = alcance[1:alcance.index(nivel)]
    dados = {"dre": dre, "ugel": ugel, "ie": ie, "acompanante": acompanante_id}
    if any(not dados[n] for n in encima):
        raise fuera()
    elegidos = {CLAVE[n]: dados[n] for n in encima}
    anio = ctx.settings.anio
    al = corte(anio, fecha)
    # a DRE's especialista asks with his DRE (agenda refuses another one named in the URL: "no existe")
    consulta = {"anio": anio, "fecha": al.isoformat(), "dre": dre or propia, **elegidos}
    # what was chosen must lie in the caller's territory: the services narrow the list, absent means elsewhere
    padre = alcance[alcance.index(nivel) - 1] if encima else None
    tabla, arriba = await asyncio.gather(
        ctx.leer("agenda", "/cumplimiento", nivel=nivel, solo_atrasados=str(solo_atrasados).lower(),
                 **consulta),
        ctx.leer("agenda", "/cumplimiento", nivel=padre, **consulta) if padre
        else asyncio.sleep(0, {"filas": [1]}))
    if not arriba["filas"]:
        raise fuera()
    escuelas = await nombres_ies(ctx, dre=dre or propia, ugel=ugel) if nivel == "ie" or ie else {}
    nombres: dict[str, str] = {}
    if nivel == "acompanante":
        ids = [f["acompanante_id"] for f in tabla["filas"]]
        nombres = dict(zip(ids, await asyncio.gather(*(nombre_acompanante(ctx, a) for a in ids))))
    elif nivel == "docente":
        nombres = await nombres_docentes(ctx, str(acompanante_id), [f["docente_id"] for f in tabla["filas"]])
    vista = {"fecha": al.isoformat(), **({"solo_atrasados": "true"} if solo_atrasados else {})}

    def enlace(nivel_: str, **elegido: str | None) -> str:
        return "/region/cumplimiento?" + urlencode({"nivel": nivel_,
                                                    **{k: v for k, v in elegido.items() if v}, **vista})

    def nombre(f: dict[str, Any]) -> str:
        if nivel == "nacional":
            return _("Todo el país")
        if nivel in ("dre", "ugel"):
            return str(f[nivel])
        if nivel == "ie":
            return escuelas.get(f["ie"], _("una IE sin nombre en el padrón"))
        return nombres.get(f["acompanante_id" if nivel == "acompanante" else "docente_id"], _("un docente"))

    siguiente = alcance[alcance.index(nivel) + 1] if nivel != alcance[-1] else None
    propia_clave = nivel in CLAVE and not (nivel == "dre" and propia)  # a row names the thing chosen next
    filas = [{**f, "nombre": nombre(f), "enlace": None if siguiente is None else enlace(
        siguiente, **elegidos, **({CLAVE[nivel]: f[CLAVE[nivel]]} if propia_clave else {}))}
        for f in tabla["filas"]]
    # the breadcrumb: the summary, the top, then each thing chosen leading to its parts; the last is this page
    cima = propia or _("Todo el país")
    migas = [(_("Resumen de la DRE") if propia else _("Resumen nacional"), enlace(alcance[0]))]
    if encima or nivel != alcance[0]:
        migas.append((cima, enlace(alcance[1])))
    etiquetas = {"dre": dre, "ugel": ugel, "ie": escuelas.get(ie or "", ie),
                 "acompanante": await nombre_acompanante(ctx, acompanante_id) if acompanante_id else ""}
    for i, n in enumerate(encima):
        migas.append((etiquetas[n], enlace(alcance[alcance.index(n) + 1],
                                           **{CLAVE[m]: dados[m] for m in encima[:i + 1]})))
    atras = migas[-2][1] if len(migas) > 1 else None
    descarga_ = {k: v for k, v in {"nivel": nivel, "fecha": al.isoformat(), "dre": dre, "ugel": ugel,
                                    "ie": ie}.items() if v}
    return ctx.pagina("region_cumplimiento.html", filas=filas, nivel=nivel, titulo_nivel=TITULO_NIVEL[nivel],
                      filtros=elegidos, fecha=al, anio=anio, solo_atrasados=solo_atrasados, migas=migas,
                      atras=atras, componentes=list(frases.COMPONENTES.items()),
                      descargas={"csv": "/region/cumplimiento.csv?" + urlencode(descarga_),
                                 "xlsx": "/region/cumplimiento.xlsx?" + urlencode(descarga_)},
                      actualizado=ahora())


async def descarga(ctx: Contexto, servicio: str, ruta: str, params: dict[str, Any], tipo: str,
                   archivo: str) -> Response:
    respuesta = await ctx.servicios.pedir(ctx.token, "GET", servicio, ruta,
                                          params={k: v for k, v in params.items() if v is not None})
    return Response(respuesta.content, media_type=tipo,
                    headers={"Content-Disposition": f'attachment; filename="{archivo}"'})


@router.get("/region/cumplimiento.csv", include_in_schema=False)
async def cumplimiento_csv(request: Request, nivel: str = "dre", fecha: str | None = None,
                           dre: str | None = None, ugel: str | None = None,
                           ie: str | None = None) -> Response:
    ctx = await contexto(request, AMBOS)
    al = corte(ctx.settings.anio, fecha)
    if nivel not in NIVELES:
        raise HTTPException(404)
    return await descarga(ctx, "agenda", "/cumplimiento.csv", {
        "anio": ctx.settings.anio, "nivel": nivel, "fecha": al.isoformat(), "dre": su_dre(ctx) or dre,
        "ugel": ugel, "ie": ie}, "text/csv; charset=utf-8",
        f"cumplimiento-{ctx.settings.anio}-{nivel}-{al.isoformat()}.csv")


@router.get("/region/cumplimiento.xlsx", include_in_schema=False)
async def cumplimiento_xlsx(request: Request, nivel: str = "dre", dre: str | None = None,
                            ugel: str | None = None) -> Response:
    """The year's seguimiento workbook of the territory shown, as registered until now (evaluacion's cut-off
    is when facts were registered, not the date of each activity)."""
    ctx = await contexto(request, AMBOS)
    return await descarga(ctx, "evaluacion", "/seguimiento", {
        "anio": ctx.settings.anio, "dre": su_dre(ctx) or dre, "ugel": ugel,
        "por": SEGUIMIENTO.get(nivel, "ugel"), "formato": "xlsx"}, XLSX,
        f"seguimiento-{ctx.settings.anio}-{i18n.hoy().isoformat()}.xlsx")


# --- results per etapa: the chart, its table and its CSV ----------------------------------------------------

@router.get("/region/resultados", include_in_schema=False)
async def resultados(request: Request, etapa: int = 1) -> Response:
    ctx = await contexto(request, AMBOS)
    if etapa not in (1, 2, 3):
        raise HTTPException(404)
    dre = su_dre(ctx)
    alcance, por = ("dre", "ugel") if dre else ("nacional", "dre")
    convocatoria = ctx.settings.convocatoria
    etapas = await asyncio.gather(*(ctx.leer("evaluacion", "/resultados-etapa", convocatoria=convocatoria,
                                             etapa=e, por=alcance, dre=dre) for e in (1, 2, 3)))
    desglose = await ctx.leer("evaluacion", "/resultados-etapa", convocatoria=convocatoria, etapa=etapa,
                              por=por, dre=dre)
    grafico = [{**f, "etapa": e} for e, r in zip((1, 2, 3), etapas) for f in r["resultados"]]
    return ctx.pagina("region_resultados.html", grafico=grafico, desglose=desglose["resultados"], etapa=etapa,
                      por=por, titulo_por=TITULO_NIVEL[por], territorio=dre or _("todo el país"),
                      convocatoria=convocatoria, nota=desglose.get("nota", ""),
                      niveles=("I", "II", "III", "IV"), competencias=frases.COMPETENCIAS,
                      etapas_con_datos=sorted({f["etapa"] for f in grafico}), actualizado=ahora())


@router.get("/region/resultados.svg", include_in_schema=False)
async def resultados_svg(request: Request) -> Response:
    ctx = await contexto(request, AMBOS)
    imagen = await ctx.servicios.pedir(ctx.token, "GET", "evaluacion", "/resultados-etapa.svg", params={
        k: v for k, v in {"convocatoria": ctx.settings.convocatoria, "dre": su_dre(ctx)}.items() if v})
    return Response(imagen.content, media_type="image/svg+xml",
                    headers={"Cache-Control": "private, no-cache"})


@router.get("/region/resultados.csv", include_in_schema=False)
async def resultados_csv(request: Request, etapa: int = 1, por: str = "dre") -> Response:
    ctx = await contexto(request, AMBOS)
    if etapa not in (1, 2, 3) or por not in NIVELES[:3]:
        raise HTTPException(404)
    return await descarga(ctx, "evaluacion", "/resultados-etapa", {
        "convocatoria": ctx.settings.convocatoria, "etapa": etapa, "por": por, "dre": su_dre(ctx),
        "formato": "csv"},
        "text/csv; charset=utf-8", f"resultados-etapa-{etapa}-{por}.csv")


# --- the UGELs' quarterly reports: received and acknowledged by the DRE (NT-026 §6.2, §6.3) -------------

DRE_SOLO = frozenset({DRE})


@router.get("/region/informes", include_in_schema=False)
async def informes(request: Request, anio: int | None = None, trimestre: int | None = None) -> Response:
    ctx = await contexto(request, DRE_SOLO)
    dre = su_dre(ctx)
    anio, trimestre = anio or ctx.settings.anio, trimestre or 4
    if trimestre not in (1, 2, 3, 4) or not 2000 <= anio <= 2100:
        raise HTTPException(404)
    ugeles = await ctx.leer("agenda", "/cumplimiento", anio=anio, nivel="ugel", dre=dre,
                            fecha=date(anio, 12, 31).isoformat())
    codigos = sorted(f["ugel"] for f in ugeles["filas"])
    leidos = await asyncio.gather(*(ctx.leer("evaluacion", f"/informes-trimestrales/{u}", anio=anio,
                                             trimestre=trimestre) for u in codigos))
    filas = [{"ugel": u, **i["envio"][0], "resumen": i["resumen"][0]} for u, i in zip(codigos, leidos)]
    return ctx.pagina("region_informes.html", filas=filas, anio=anio, trimestre=trimestre, dre=dre,
                      estados=ESTADOS_INFORME, anios=range(ctx.settings.anio - 1, i18n.hoy().year + 1),
                      actualizado=ahora())


@router.get("/region/informes/{ugel}", include_in_schema=False)
async def informe(request: Request, ugel: str, anio: int, trimestre: int) -> Response:
    ctx = await contexto(request, DRE_SOLO)
    if trimestre not in (1, 2, 3, 4):
        raise HTTPException(404)
    leido = await ctx.leer("evaluacion", f"/informes-trimestrales/{ugel}", anio=anio, trimestre=trimestre)
    escuelas = await nombres_ies(ctx, ugel=ugel)
    ids = sorted({m["acompanante_id"] for m in leido["medidas"] if m.get("acompanante_id")})
    acompanantes = dict(zip(ids, await asyncio.gather(*(nombre_acompanante(ctx, a) for a in ids))))
    cumplimiento = sorted(({**f, "nombre": escuelas.get(f"{f['codigo_modular']}-{f['anexo']}", _("una IE"))}
                           for f in leido["cumplimiento"]), key=lambda f: f["nombre"])
    medidas = [{**m, "sobre_nombre": escuelas.get(m["ie"] or "", _("una IE")) if m["sobre"] == "ie"
                else acompanantes.get(m["acompanante_id"], _("un acompañante"))} for m in leido["medidas"]]
    return ctx.pagina("region_informe.html", ugel=ugel, anio=anio, trimestre=trimestre,
                      envio=leido["envio"][0], resumen=leido["resumen"][0], cumplimiento=cumplimiento,
                      medidas=medidas, estados=ESTADOS_INFORME, estados_medida=ESTADOS_MEDIDA,
                      componentes=list(frases.COMPONENTES.items()), hecho=request.query_params.get("hecho"),
                      actualizado=ahora())


@router.post("/region/informes/{ugel}/recepcion", include_in_schema=False)
async def acusar_recibo(request: Request, ugel: str) -> Response:
    ctx = await contexto(request, DRE_SOLO)
    datos = await formulario(request, ctx)
    anio, trimestre = datos.get("anio", ""), datos.get("trimestre", "")
    if not (anio.isdigit() and trimestre.isdigit()):
        raise HTTPException(404)
    volver = f"/region/informes/{ugel}?" + urlencode({"anio": anio, "trimestre": trimestre})
    return await enviar_formulario(ctx, "evaluacion", f"/informes-trimestrales/{ugel}/recepcion", {
        "anio": int(anio), "trimestre": int(trimestre), "observaciones": datos.get("observaciones", "")},
        volver)


# --- the year's seguimiento and evaluación matrices -------------------------------------------------------

COLUMNAS = {
    "docentes": _("Docentes"), "visitas_porcentaje": _("Visitas (%)"),
    "dias_visita_porcentaje": _("Días de visita (%)"), "gia_porcentaje": _("GIA (%)"),
    "rtc_porcentaje": _("RTC (%)"),
    "talleres_porcentaje": _("Talleres (%)"), "dias_taller_porcentaje": _("Días de taller (%)"),
    "encuestado": _("Encuestados"), "periodo": _("Periodo"),
    "respuestas": _("Respuestas"), "porcentaje_satisfechos": _("Satisfechos (%)"), "item": _("Desempeño"),
    "ultimo_I": _("Último nivel I"), "ultimo_II": _("Último nivel II"), "ultimo_III": _("Último nivel III"),
    "ultimo_IV": _("Último nivel IV"), "porcentaje_mejoraron": _("Mejoraron (%)"),
    "cambio_promedio": _("Cambio promedio (niveles)"), "inicio": _("Nivel al inicio"),
    "termino": _("Nivel al término"),
    "semestre_1": _("Nivel del primer semestre"), "semestre_2": _("Nivel del segundo semestre"),
    "cambio": _("Cambio (niveles)"), "evaluaciones": _("Evaluaciones")}
# each section's columns after its first (the territory, or the acompañante), in the order a person reads them
SECCIONES = {
    "cumplimiento": (_("Cumplimiento de las estrategias del año"), (
        "docentes", "visitas_porcentaje", "dias_visita_porcentaje", "gia_porcentaje", "rtc_porcentaje",
        "talleres_porcentaje", "dias_taller_porcentaje")),
    "calidad": (_("Calidad: desempeño semestral de los acompañantes"), (
        "semestre_1", "semestre_2", "cambio", "evaluaciones")),
    "satisfaccion": (_("Satisfacción de docentes y acompañantes"), (
        "encuestado", "periodo", "respuestas", "porcentaje_satisfechos")),
    "practica": (_("Práctica pedagógica: último nivel observado por desempeño"), (
        "item", "docentes", "ultimo_I", "ultimo_II", "ultimo_III", "ultimo_IV", "porcentaje_mejoraron",
        "cambio_promedio")),
    "desempeno": (_("Desempeño de los acompañantes al inicio y al término"), (
        "inicio", "termino", "cambio", "evaluaciones"))}
VALORES = {"docente": _("docentes"), "acompanante": _("acompañantes"), "anual": _("anual"),
           "semestre_1": _("primer semestre"), "semestre_2": _("segundo semestre")}


async def tablas(ctx: Contexto, secciones: dict[str, list[dict[str, Any]]], por: str) -> list[dict[str, Any]]:
    """Each section as a table a person reads: the territory first, names instead of ids, Spanish headers."""
    ids = sorted({f["acompanante_id"] for filas in secciones.values() for f in filas
                  if f.get("acompanante_id")})
    acompanantes = dict(zip(ids, await asyncio.gather(*(nombre_acompanante(ctx, a) for a in ids))))
    ficha = await ctx.leer_si_existe("evidencias", "/instrumentos/FICHA-AULA/1")
    desempenos = {i["clave"]: i["titulo"] for i in (ficha or {}).get("items", [])}

    def celda(columna: str, valor: Any) -> Any:
        if columna == "item":
            return desempenos.get(valor, valor)
        return VALORES.get(valor, valor) if columna in ("encuestado", "periodo") else valor

    resultado = []
    for seccion, filas in secciones.items():
        titulo, columnas = SECCIONES[seccion]
        persona = seccion in ("calidad", "desempeno")
        cuerpo = [[acompanantes.get(f["acompanante_id"], "") if persona else f.get(por) or _("Todo el país"),
                   *[celda(c, f.get(c)) for c in columnas]] for f in filas]
        resultado.append({"id": seccion, "titulo": titulo, "filas": cuerpo, "columnas": [
            _("Acompañante") if persona else TITULO_NIVEL[por], *[COLUMNAS[c] for c in columnas]]})
    return resultado


@router.get("/region/matrices", include_in_schema=False)
async def matrices(request: Request) -> Response:
    ctx = await contexto(request, AMBOS)
    dre = su_dre(ctx)
    por, anio = ("ugel" if dre else "dre"), ctx.settings.anio
    seguimiento, evaluacion = await asyncio.gather(
        ctx.leer("evaluacion", "/seguimiento", anio=anio, por=por, dre=dre),
        ctx.leer("evaluacion", "/evaluacion", anio=anio, por=por, dre=dre))
    secciones = {k: seguimiento[k] for k in ("cumplimiento", "calidad", "satisfaccion")}
    secciones.update({k: evaluacion[k] for k in ("practica", "desempeno")})
    return ctx.pagina("region_matrices.html", tablas=await tablas(ctx, secciones, por), anio=anio,
                      nota=seguimiento.get("nota", ""), territorio=dre or _("todo el país"),
                      actualizado=ahora())


@router.get("/region/matrices/{matriz}.xlsx", include_in_schema=False)
async def matriz_xlsx(request: Request, matriz: str) -> Response:
    ctx = await contexto(request, AMBOS)
    if matriz not in ("seguimiento", "evaluacion"):
        raise HTTPException(404)
    dre = su_dre(ctx)
    anio = ctx.settings.anio
    return await descarga(ctx, "evaluacion", f"/{matriz}",
                          {"anio": anio, "por": "ugel" if dre else "dre", "dre": dre, "formato": "xlsx"},
                          XLSX,
                          f"{matriz}-{anio}-{i18n.hoy().isoformat()}.xlsx")


# --- protocols, instruments and metas ----------------------------------------------------------------------

TIPOS_IE = {"multigrado": _("multigrado"), "eib": _("EIB"), "polidocente_inicial": _("polidocente inicial"),
            "polidocente_primaria": _("polidocente primaria"),
            "polidocente_secundaria": _("polidocente secundaria")}
ETAPAS = ("1", "2", "3")
NIVELES_LOGRO = ("I", "II", "III", "IV")


async def pagina_normas(ctx: Contexto, estado: int = 200, error: dict[str, str] | None = None,
                        valores: dict[str, str] | None = None) -> Response:
    dre = su_dre(ctx)
    protocolos, instrumentos, reglas = await asyncio.gather(
        ctx.leer("agenda", "/protocolos"), ctx.leer("evidencias", "/instrumentos"),
        ctx.leer("focalizacion", "/reglas"))
    base = [p for p in protocolos
            if p["modalidad"] == "externa" and p["ambito"] in ("nacional", f"DRE:{dre}")]
    return ctx.pagina("region_normas.html", estado, protocolos=protocolos, instrumentos=instrumentos,
                      dre=dre, base=base, reglas=reglas, tipos=TIPOS_IE, etapas=ETAPAS,
                      competencias=COMPETENCIAS_METAS, niveles=NIVELES_LOGRO,
                      convocatoria=ctx.settings.convocatoria, error=error or {},
                      valores=valores or {}, hecho=ctx.request.query_params.get("hecho"), actualizado=ahora())


COMPETENCIAS_METAS = {c: frases.COMPETENCIAS.get(c, c) for c in ("C2", "C3", "C4", "C5", "C6", "C7")}


@router.get("/region/normas", include_in_schema=False)
async def normas(request: Request) -> Response:
    return await pagina_normas(await contexto(request, AMBOS))


async def publicar(ctx: Contexto, formulario_: str, datos: dict[str, str], servicio: str, ruta: str,
                   cuerpo: dict[str, Any], campos: tuple[str, ...]) -> Response:
    """Send a version to its service: back to the page, or the page again with the reason next to the field
    the service names (at the form's start when it names none of them) and what was written kept."""
    try:
        await ctx.enviar(servicio, ruta, cuerpo)
    except Rechazo as exc:
        if exc.estado not in (409, 422):
            raise
        campo = next((c for c in campos if exc.campo and exc.campo.split(".")[-1] == c), "")
        return await pagina_normas(ctx, 422, {"formulario": formulario_, "campo": campo,
                                              "motivo": exc.motivo or _("No se pudo publicar.")}, datos)
    return RedirectResponse("/region/normas?hecho=1", status_code=303)


def numero(valor: str) -> int | str:
    return int(valor) if valor.isdigit() else valor


@router.post("/region/protocolos", include_in_schema=False)
async def publicar_protocolo(request: Request) -> Response:
    """A regional version of a published protocol: its components as they are, with the DRE's ámbito, code,
    version, name and period of effect (agenda refuses another DRE's ámbito and a version already used)."""
    ctx = await contexto(request, DRE_SOLO)
    datos = await formulario(request, ctx)
    protocolos = await ctx.leer("agenda", "/protocolos")
    base = next((p for p in protocolos if f"{p['codigo']}@{p['version']}" == datos.get("base")), None)
    if base is None:
        return await pagina_normas(ctx, 422, {"formulario": "protocolo", "campo": "base", "motivo": _(
            "Elija el protocolo en que se basa la versión.")}, datos)
    cuerpo = {**base, "codigo": datos.get("codigo", ""), "version": numero(datos.get("version", "")),
              "nombre": datos.get("nombre", ""), "norma": datos.get("norma", ""),
              "ambito": f"DRE:{su_dre(ctx)}", "vigencia_desde": datos.get("vigencia_desde", ""),
              "vigencia_hasta": datos.get("vigencia_hasta", "")}
    return await publicar(ctx, "protocolo", datos, "agenda", "/protocolos", cuerpo,
                          ("codigo", "version", "nombre", "norma", "vigencia_desde", "vigencia_hasta"))


@router.post("/region/reglas", include_in_schema=False)
async def publicar_reglas(request: Request) -> Response:
    """A regional version of a published rule set of focalización: its school types and criteria as they are,
    for the DRE's own programme (its ámbito), with its code, version, name, norm and years in force."""
    ctx = await contexto(request, DRE_SOLO)
    datos = await formulario(request, ctx)
    publicadas = await ctx.leer("focalizacion", "/reglas")
    base = next((r for r in publicadas if f"{r['codigo']}@{r['version']}" == datos.get("base")), None)
    if base is None:
        return await pagina_normas(ctx, 422, {"formulario": "reglas", "campo": "base", "motivo": _(
            "Elija las reglas en que se basa la versión.")}, datos)
    cuerpo = {**base, "codigo": datos.get("codigo", ""), "version": numero(datos.get("version", "")),
              "nombre": datos.get("nombre", ""), "norma": datos.get("norma", ""), "ambito": su_dre(ctx),
              "vigente_desde": numero(datos.get("vigente_desde", "")),
              "vigente_hasta": numero(datos.get("vigente_hasta", "")) or None}
    return await publicar(ctx, "reglas", datos, "focalizacion", "/reglas", cuerpo,
                          ("codigo", "version", "nombre", "norma", "vigente_desde", "vigente_hasta"))


@router.post("/region/instrumentos", include_in_schema=False)
async def publicar_instrumento(request: Request) -> Response:
    """A version of an instrument from a published one, its items as they are: a new version of the same code
    replaces it (each item equivalent to itself, so progress stays comparable), or a new code of its own."""
    ctx = await contexto(request, AMBOS)
    datos = await formulario(request, ctx)
    publicados = await ctx.leer("evidencias", "/instrumentos")
    base = next((i for i in publicados if f"{i['codigo']}@{i['version']}" == datos.get("base")), None)
    if base is None:
        return await pagina_normas(ctx, 422, {"formulario": "instrumento", "campo": "base", "motivo": _(
            "Elija el instrumento en que se basa la versión.")}, datos)
    codigo = datos.get("codigo", "")
    mismo = codigo == base["codigo"]
    version = max(i["version"] for i in publicados if i["codigo"] == codigo) + 1 if mismo else 1
    cuerpo = {**base, "codigo": codigo, "version": version, "reemplaza": base["version"] if mismo else None,
              "fuente": datos.get("fuente", ""), "provisional": datos.get("provisional", ""),
              "vigencia": {"desde": datos.get("vigencia_desde", ""), "hasta": None},
              "items": [{**i, "equivale_a": i["clave"] if mismo else None} for i in base["items"]]}
    return await publicar(ctx, "instrumento", datos, "evidencias", "/instrumentos", cuerpo,
                          ("codigo", "fuente", "provisional", "vigencia_desde"))


@router.post("/region/metas", include_in_schema=False)
async def publicar_metas(request: Request) -> Response:
    """A version of the expected levels per etapa of a school type (NT-026 §5.2.5): per etapa and competency,
    levels above the initial one and a floor; evaluacion checks they are complete and never go down."""
    ctx = await contexto(request, AMBOS)
    datos = await formulario(request, ctx)
    tipo = datos.get("tipo_ie", "")
    propia = "C7" if tipo in ("eib", "multigrado") else "C6"  # NT-026 §5.2.4: the complementary competency
    metas = {e: {c: {"avance": numero(datos.get(f"avance_{e}_{c}", "")),
                     "minimo": datos.get(f"minimo_{e}_{c}", "")}
                 for c in ("C2", "C3", "C4", "C5", propia)} for e in ETAPAS}
    cuerpo = {"convocatoria": datos.get("convocatoria", ""), "tipo_ie": tipo,
              "version": numero(datos.get("version", "")), "metas": metas, "fuente": datos.get("fuente", ""),
              "provisional": datos.get("provisional", "")}
    return await publicar(ctx, "metas", datos, "evaluacion", "/metas", cuerpo,
                          ("convocatoria", "tipo_ie", "version", "fuente"))
