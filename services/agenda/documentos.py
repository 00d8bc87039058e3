"""Printable documents of a school's own plan (internal modality), as the seeds' schools file them:

- the plan, with its cronograma de visitas per docente and a tick per visit done (IEI N°246, VII);
- the planificador individual for one docente: desempeño by phase (IES Miguel Grau, Anexo B);
- the informe de ejecución of the plan (IES Miguel Grau, IX: December).

agenda holds ids, not names: the docentes' names are personal data kept encrypted in focalizacion
and never published. As evidencias' acta, each document is asked for with the names to print
(``POST`` to its route: the caller reads them from focalizacion, which decides who may see them);
they are used to draw it and never stored. A docente without a name given is shown by a short form
of his id and the grade/section the plan gives; the director's name is the one in the plan's header.
Drawn with reportlab (as evaluacion's PDFs), with the DejaVu Sans font matplotlib ships (it has the
tick ✓ and every Spanish letter); matplotlib is imported only when the first document is drawn, so
it does not slow the service's start. Each document reads the plan's aggregate once, and draws what its
execution has done by the date (``ejecucion``).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from services.agenda.ejecucion import MESES, OTRAS, Avance, avance, dia, fases
from shared.eventstore import NotFound

if TYPE_CHECKING:
    from services.agenda.application import Agenda
    from services.agenda.escuela import PlanMonitoreoIE

FUENTE = "DejaVuSans"
DESEMPENOS = (
    "Desempeño 1: Involucra activamente a los estudiantes en el proceso de aprendizaje.",
    "Desempeño 2: Promueve el razonamiento, la creatividad y/o el pensamiento crítico.",
    "Desempeño 3: Evalúa el progreso de los aprendizajes para retroalimentar a los estudiantes y adecuar su enseñanza.",
    "Desempeño 4: Propicia un ambiente de respeto y proximidad.",
    "Desempeño 5: Regula positivamente el comportamiento de los estudiantes.",
    "Programación curricular (matriz de programación y EdA) y trabajo colegiado.",
)
# The phases' names as the planificador gives them (IES Miguel Grau, Anexo B).
NOTA_CON_NOMBRES = "Nombres indicados al imprimir el documento; Acompaña no los guarda."
NOTA_NOMBRES = ("Los nombres de los docentes son datos personales que guarda cifrados el padrón (focalización); "
                "este documento identifica a cada docente por su código y el grado y sección que indica el plan.")


def _fuente() -> None:
    if FUENTE not in pdfmetrics.getRegisteredFontNames():
        from matplotlib import get_data_path  # noqa: PLC0415 - only for its font, when a document is drawn

        carpeta = Path(get_data_path()) / "fonts" / "ttf"
        pdfmetrics.registerFont(TTFont(FUENTE, str(carpeta / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(f"{FUENTE}-Bold", str(carpeta / "DejaVuSans-Bold.ttf")))


def _estilos() -> dict[str, Any]:
    _fuente()
    base = getSampleStyleSheet()
    return {
        "titulo": base["Title"].clone("titulo", fontName=f"{FUENTE}-Bold", fontSize=14, leading=17),
        "subtitulo": base["Heading2"].clone("subtitulo", fontName=f"{FUENTE}-Bold", fontSize=11, leading=14),
        "texto": base["BodyText"].clone("texto", fontName=FUENTE, fontSize=9, leading=11.5),
        "celda": base["BodyText"].clone("celda", fontName=FUENTE, fontSize=8, leading=10),
        "cabecera": base["BodyText"].clone("cabecera", fontName=FUENTE, fontSize=8, leading=10, textColor=colors.white),
        "nota": base["BodyText"].clone("nota", fontName=FUENTE, fontSize=7, leading=9, textColor=colors.grey),
    }


def corto(docente_id: str) -> str:
    return docente_id.split("-")[0].upper()


def nombre(docente_id: str, nombres: Mapping[str, str]) -> str:
    return nombres.get(docente_id) or f"Docente {corto(docente_id)}"


def _nota(plan: dict[str, Any], nombres: Mapping[str, str]) -> str:
    return NOTA_CON_NOMBRES if all(d["docente_id"] in nombres for d in plan["docentes"]) else NOTA_NOMBRES


# --- the documents ------------------------------------------------------------------------------------


def _documento(salida: io.BytesIO, titulo: str, apaisado: bool = False) -> SimpleDocTemplate:
    return SimpleDocTemplate(salida, pagesize=landscape(A4) if apaisado else A4, leftMargin=1.5 * cm,
                             rightMargin=1.5 * cm, topMargin=1.5 * cm, bottomMargin=1.5 * cm, title=titulo,
                             author="Acompaña", invariant=True)


def _tabla(filas: list[list[Any]], anchos: list[float]) -> Table:
    tabla = Table(filas, colWidths=anchos, repeatRows=1)
    tabla.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FUENTE), ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1f618d")), ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("GRID", (0, 0), (-1, -1), 0.4, colors.grey)]))
    return tabla


def _p(texto: str, estilo: Any) -> Paragraph:
    return Paragraph(escape(texto), estilo)


def _datos_informativos(plan: dict[str, Any], e: dict[str, Any]) -> Table:
    filas = [("DRE", plan["dre"]), ("UGEL", plan["ugel"]), ("IE", f"{plan['ie']} (código modular y anexo)"),
             ("Turno", plan.get("turno") or "—"), ("Director(a)", plan.get("director") or "—"),
             ("Responsables", ", ".join(plan.get("responsables") or []) or "—"), ("Año", str(plan["anio"])),
             ("Plantilla", f"{plan.get('nombre_protocolo', '')} ({plan['protocolo']})")]
    tabla = Table([[_p(k, e["celda"]), _p(v, e["celda"])] for k, v in filas], colWidths=[3.5 * cm, 13 * cm])
    tabla.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, 0), (-1, -1), 0.25,
                                                                        colors.lightgrey)]))
    return tabla


def _estado(p: PlanMonitoreoIE) -> list[str]:
    lineas = [f"Estado del plan: {p.estado}."]
    if p.aprobacion:
        lineas.append(f"Aprobado con {p.aprobacion.resolucion} el {dia(p.aprobacion.fecha)}.")
    if p.socializacion:
        medio = f" ({p.socializacion.medio})" if p.socializacion.medio else ""
        lineas.append(f"Socializado con los docentes el {dia(p.socializacion.fecha)}{medio}.")
    if p.ejecucion:
        lineas.append(f"Informe de ejecución presentado el {dia(p.ejecucion.fecha)}.")
    return lineas


def _marcas(visitas: list[dict[str, Any]]) -> str:
    return ", ".join(f"✓ {dia(v['fecha_inicio'])}" for v in visitas)


def _cronograma(a: Avance, e: dict[str, Any], ancho: float, nombres: Mapping[str, str]) -> Table:
    otras = any(a.otras.values())  # a column for the visits beyond the planned ones, when there are
    titulos = [c.titulo for c in a.columnas] + ([OTRAS] if otras else [])
    encabezado = ["N°", "Docente", "Año / grado y sección", *[_p(t, e["cabecera"]) for t in titulos]]
    filas: list[list[Any]] = [encabezado]
    for n, d in enumerate(a.plan["docentes"], start=1):
        marcas = [_marcas([c]) if c is not None else "" for c in a.por_docente[d["docente_id"]]]
        if otras:
            marcas.append(_p(_marcas(a.otras[d["docente_id"]]), e["celda"]))
        grado = " · ".join(x for x in (d.get("grado_seccion"), d.get("area")) if x) or "—"
        filas.append([str(n), _p(nombre(d["docente_id"], nombres), e["celda"]), grado, *marcas])
    fijo = 1 * cm + 4 * cm + 3.5 * cm
    resto = (ancho - fijo) / max(1, len(titulos))
    return _tabla(filas, [1 * cm, 4 * cm, 3.5 * cm, *[resto] * len(titulos)])


def _realizadas(a: Avance) -> str:
    otras = a.realizadas - a.cumplidas
    if not otras:
        return f"Visitas realizadas: {a.realizadas} de {a.planificadas}."
    return (f"Visitas realizadas: {a.realizadas} de {a.planificadas} planificadas "
            f"({otras} fuera de las previstas).")


def _componentes(plan: dict[str, Any]) -> list[str]:
    c = plan["componentes"]
    lineas = [f"Visitas al aula: {sum(g['cantidad'] for g in c['visitas']['grupos'])} por docente "
              f"({c['visitas']['dias_total']} días en el año)."]
    if c["rtc"]["cantidad"]:
        meses = ", ".join(MESES[m - 1] for m in c["rtc"].get("meses") or [])
        lineas.append(f"Hora colegiada / reuniones de trabajo colegiado: {c['rtc']['cantidad']}, de al menos "
                      f"{c['rtc']['horas_min']:g} h" + (f" ({meses})." if meses else "."))
    jornadas = c.get("jornadas_autoformacion")
    if jornadas and jornadas["cantidad"]:
        meses = ", ".join(MESES[m - 1] for m in jornadas.get("meses") or [])
        lineas.append(f"Jornadas de autoformación docente: {jornadas['cantidad']}, de al menos "
                      f"{jornadas['horas_min']:g} h" + (f" ({meses})." if meses else "."))
    for f in c.get("fases") or []:
        hitos = ", ".join("/".join(reversed(h.split("-"))) for h in f.get("hitos") or [])
        lineas.append(f"Fase {f['nombre']}: del {'/'.join(reversed(f['desde'].split('-')))} al "
                      f"{'/'.join(reversed(f['hasta'].split('-')))}" + (f"; avances antes del {hitos}." if hitos else "."))
    return lineas


def plan_pdf(agenda: Agenda, plan_ie_id: str, fecha: date,
             nombres: Mapping[str, str] = MappingProxyType({})) -> bytes:
    a, e, salida = avance(agenda, agenda.plan_ie(plan_ie_id), fecha), _estilos(), io.BytesIO()
    plan = a.plan
    documento = _documento(salida, f"Plan de monitoreo y acompañamiento {plan['anio']} — IE {plan['ie']}", True)
    partes: list[Any] = [
        _p(f"Plan de monitoreo y acompañamiento pedagógico {plan['anio']}", e["titulo"]),
        _p("I. Datos informativos", e["subtitulo"]), _datos_informativos(plan, e), Spacer(1, 0.3 * cm),
        *[_p(x, e["texto"]) for x in _estado(a.plan_ie)],
        _p("Componentes del plan", e["subtitulo"]), *[_p(x, e["texto"]) for x in _componentes(plan)],
        _p(f"Cronograma de visitas {plan['anio']} (✓: visita realizada, con su fecha; al {dia(fecha)})",
           e["subtitulo"]),
        _cronograma(a, e, documento.width, nombres), Spacer(1, 0.2 * cm),
        _p(f"Docentes: {len(plan['docentes'])}. {_realizadas(a)}", e["texto"]),
        _p(_nota(plan, nombres), e["nota"]),
    ]
    documento.build(partes)
    return salida.getvalue()


def informe_pdf(agenda: Agenda, plan_ie_id: str, fecha: date,
                nombres: Mapping[str, str] = MappingProxyType({})) -> bytes:
    a, e, salida = avance(agenda, agenda.plan_ie(plan_ie_id), fecha), _estilos(), io.BytesIO()
    plan, ejecucion = a.plan, a.plan_ie.ejecucion.como_dict() if a.plan_ie.ejecucion else {}
    documento = _documento(salida, f"Informe de ejecución {plan['anio']} — IE {plan['ie']}", True)
    filas: list[list[Any]] = [["N°", "Docente", "Año / grado y sección", "Visitas planificadas", "Realizadas",
                               "Fechas", "Cumplimiento"]]
    for n, d in enumerate(plan["docentes"], start=1):
        hechas = a.hechas(d["docente_id"])
        cumplidas = sum(1 for c in a.por_docente[d["docente_id"]] if c is not None)  # at most the planned
        fechas = ", ".join(dia(c["fecha_inicio"]) for c in hechas) or "—"
        porcentaje = f"{100 * cumplidas / len(a.columnas):.0f} %" if a.columnas else "—"
        filas.append([str(n), _p(nombre(d["docente_id"], nombres), e["celda"]), d.get("grado_seccion") or "—",
                      str(len(a.columnas)), str(len(hechas)), _p(fechas, e["celda"]), porcentaje])
    total = f"{100 * a.cumplidas / a.planificadas:.0f} %" if a.planificadas else "—"
    filas.append(["", "Total", "", str(a.planificadas), str(a.realizadas), "", total])
    partes: list[Any] = [
        _p(f"Informe de ejecución del plan de monitoreo y acompañamiento pedagógico {plan['anio']}", e["titulo"]),
        _datos_informativos(plan, e), Spacer(1, 0.3 * cm), *[_p(x, e["texto"]) for x in _estado(a.plan_ie)],
        _p(f"Visitas al aula realizadas al {dia(fecha)}", e["subtitulo"]),
        _tabla(filas, [1 * cm, 4 * cm, 3.5 * cm, 3 * cm, 2.2 * cm, 8 * cm, 3 * cm]), Spacer(1, 0.2 * cm),
    ]
    if plan["componentes"]["rtc"]["cantidad"]:
        partes.append(_p(f"Hora colegiada / RTC realizadas: {a.rtc_realizadas} de "
                         f"{plan['componentes']['rtc']['cantidad']}.", e["texto"]))
    partes.append(_p(f"Visitas entre pares realizadas: {a.entre_pares}.", e["texto"]))
    for titulo, clave in (("Logros", "logros"), ("Dificultades", "dificultades"), ("Recomendaciones", "recomendaciones")):
        partes += [_p(titulo, e["subtitulo"]), _p(ejecucion.get(clave) or "(sin registrar)", e["texto"])]
    partes.append(_p(_nota(plan, nombres), e["nota"]))
    documento.build(partes)
    return salida.getvalue()


def planificador_pdf(agenda: Agenda, plan_ie_id: str, docente_id: str, fecha: date,
                     nombres: Mapping[str, str] = MappingProxyType({})) -> bytes:
    a, e, salida = avance(agenda, agenda.plan_ie(plan_ie_id), fecha), _estilos(), io.BytesIO()
    plan = a.plan
    docente = next((d for d in plan["docentes"] if d["docente_id"] == docente_id), None)
    if docente is None:
        raise NotFound(f"El docente {docente_id} no está en el plan {plan_ie_id}.")
    por_fase = fases(a, docente_id)
    documento = _documento(salida, f"Planificador individual — {nombre(docente_id, nombres)}", True)
    encabezado = ["Desempeño", *[_p(nombre, e["cabecera"]) for nombre, _ in por_fase]]
    visitas = ["Visitas realizadas", *[_p(_marcas(en_fase), e["celda"]) for _, en_fase in por_fase]]
    filas: list[list[Any]] = [encabezado, visitas,
                              *[[_p(d, e["celda"]), *[""] * len(por_fase)] for d in DESEMPENOS]]
    ancho_fase = (documento.width - 7 * cm) / max(1, len(por_fase))
    tabla = _tabla(filas, [7 * cm, *[ancho_fase] * len(por_fase)])
    tabla.setStyle(TableStyle([("BOTTOMPADDING", (0, 2), (-1, -1), 18), ("TOPPADDING", (0, 2), (-1, -1), 6)]))
    partes: list[Any] = [
        _p("Planificador de monitoreo y acompañamiento pedagógico individual para el docente", e["titulo"]),
        _p(f"Director(a): {plan.get('director') or '—'}", e["texto"]),
        _p(f"Docente: {nombres.get(docente_id) or f'{corto(docente_id)} ({docente_id})'}   "
           f"Año / grado y sección: {docente.get('grado_seccion') or '—'}"
           f"   Área: {docente.get('area') or '—'}", e["texto"]),
        _p(f"IE {plan['ie']} · {plan['ugel']} · {plan['anio']} · al {dia(fecha)}", e["texto"]), Spacer(1, 0.3 * cm),
        tabla, Spacer(1, 0.2 * cm),
        _p("En cada fase: fortalezas del desempeño, aspectos críticos y compromisos (diagnóstica); mejoras y "
           "cumplimiento de compromisos en cada avance (mejora); fortalezas, mejoras y necesidades de formación "
           "(salida). Se completa a mano o con la ficha de observación de cada visita.", e["nota"]),
        _p(NOTA_CON_NOMBRES if docente_id in nombres else NOTA_NOMBRES, e["nota"]),
    ]
    documento.build(partes)
    return salida.getvalue()
