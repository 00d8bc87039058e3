"""Printable documents a school and a UGEL file (PDF, reportlab): the acta of a GIA or an RTC, and
the blank observation form (or checklist) to use on paper where there is no device.

Names of people are not kept by evidencias (they live, encrypted, in focalizacion): the acta prints
the names its caller supplies for that one request, and otherwise a blank line to write the name
and sign, as on a paper acta.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from services.evidencias.instrumentos import RESPUESTAS, Instrumento, Item, en

TIPO = {"gia": "Grupo de Interaprendizaje (GIA)", "rtc": "Reunión de Trabajo Colegiado (RTC)"}
ASISTENCIA = {"presente": "Asistió", "ausente": "No asistió", "justificado": "Inasistencia justificada"}
RESPUESTA = {"si": "Sí", "no": "No", "no_aplica": "No aplica"}
GRIS = colors.HexColor("#1f618d")


def _estilos() -> dict[str, Any]:
    base = getSampleStyleSheet()
    return {"titulo": base["Title"], "sub": base["Heading3"], "texto": base["BodyText"],
            "celda": base["BodyText"].clone("celda", fontSize=8, leading=10),
            "chica": base["BodyText"].clone("chica", fontSize=7, leading=8.5)}


def _p(texto: Any, estilo: Any) -> Paragraph:
    return Paragraph(escape(str(texto)), estilo)


def _tabla(filas: list[list[Any]], anchos: list[float], cabecera: bool = True, rejilla: bool = True) -> Table:
    tabla = Table(filas, colWidths=anchos, repeatRows=1 if cabecera else 0)
    estilo = [("VALIGN", (0, 0), (-1, -1), "TOP")] + ([("GRID", (0, 0), (-1, -1), 0.4, colors.grey)] if rejilla else [])
    if cabecera:
        estilo += [("BACKGROUND", (0, 0), (-1, 0), GRIS), ("TEXTCOLOR", (0, 0), (-1, 0), colors.white)]
    tabla.setStyle(TableStyle(estilo))
    return tabla


def _caja(alto: float = 2.5 * cm) -> Table:
    """An empty box, room to write by hand."""
    caja = Table([[""]], colWidths=[24.7 * cm], rowHeights=[alto])
    caja.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.4, colors.grey)]))
    return caja


def _fecha(iso: str) -> str:
    return f"{date.fromisoformat(iso[:10]):%d/%m/%Y}"


def _documento(salida: io.BytesIO, titulo: str, apaisado: bool = False) -> SimpleDocTemplate:
    return SimpleDocTemplate(salida, pagesize=landscape(A4) if apaisado else A4, leftMargin=1.5 * cm,
                             rightMargin=1.5 * cm, topMargin=1.3 * cm, bottomMargin=1.3 * cm, title=titulo,
                             author="Acompaña", invariant=True)


def pdf_acta(registro: Mapping[str, Any], lista: Instrumento | None, nombres: Mapping[str, str],
             ie: str | None = None) -> bytes:
    """The acta of a GIA or an RTC as filed: the meeting (school, date, hours, who led it), each
    participant's attendance, the agreements and critical knots, and the checklist answered. The
    latest correction is the acta; earlier versions are named with their reason."""
    e = _estilos()
    r = registro["reunion"]
    actas = registro["actas"]
    salida = io.BytesIO()
    titulo = f"Acta del {TIPO[r['tipo']]}"
    partes: list[Any] = [_p(titulo, e["titulo"])]
    escuela = ie or f"IE {r['codigo_modular']}-{r['anexo']}"
    lider = "Directivo" if r["tipo"] == "rtc" else "Acompañante"
    quien_lidera = (r.get("directivo_id") or "") if r["tipo"] == "rtc" else r["acompanante_id"]
    lider_nombre = nombres.get(quien_lidera, "")
    datos = [["Institución educativa", escuela], ["Fecha", _fecha(r["fecha"])],
             ["Horario", f"{r['hora_inicio']} a {r['hora_fin']} ({r['horas']:g} h)"],
             ["Tema", r.get("tema") or ""], [f"Lo lidera ({lider.lower()})", lider_nombre or "_" * 40],
             ["UGEL / DRE", f"{r['ugel']} / {r['dre']}"]]
    partes += [_tabla([[_p(a, e["celda"]), _p(b, e["celda"])] for a, b in datos], [5 * cm, 12.5 * cm], False),
               Spacer(1, 0.4 * cm)]
    if not actas:
        partes.append(_p("Aún no se registró el acta de esta reunión.", e["texto"]))
        _documento(salida, titulo).build(partes)
        return salida.getvalue()
    acta = actas[-1]
    if len(actas) > 1:
        partes.append(_p(f"Acta corregida ({len(actas) - 1} corrección(es)); motivo de la última: {acta['motivo']}",
                         e["texto"]))
    partes.append(_p(f"Registrada el {_fecha(acta['registrada_en'])}; duración {acta['duracion_horas']:g} h.",
                     e["texto"]))
    partes += [_p("Asistencia", e["sub"])]
    asistencia = [["N°", "Docente", "Asistencia", "Firma"]]
    orden = sorted(acta["asistencia"].items(), key=lambda kv: (nombres.get(kv[0], "~"), kv[0]))
    for n, (docente, estado) in enumerate(orden, start=1):
        asistencia.append([str(n), _p(nombres.get(docente) or "_" * 38, e["celda"]),
                           ASISTENCIA.get(estado, estado), ""])
    presentes = sum(1 for x in acta["asistencia"].values() if x == "presente")
    partes += [_tabla(asistencia, [1 * cm, 8.5 * cm, 4 * cm, 4 * cm]),
               _p(f"Asistieron {presentes} de {len(acta['asistencia'])} docentes convocados.", e["texto"])]
    for nombre, clave in (("Acuerdos", "acuerdos"), ("Nudos críticos", "nudos_criticos")):
        items = acta.get(clave) or []
        partes += [_p(nombre, e["sub"])] + ([_p(f"{i}. {x}", e["texto"]) for i, x in enumerate(items, start=1)]
                                            or [_p("Ninguno.", e["texto"])])
    if lista is not None:
        titulos = {i.clave: en(i.titulo, "es") for i in lista.items}
        filas = [["Ítem", "Criterio", "Respuesta"]] + [
            [k, _p(titulos.get(k, k), e["celda"]), RESPUESTA.get(v, v)] for k, v in acta["lista_cotejo"].items()]
        partes += [_p(f"Lista de cotejo {lista.codigo} (versión {lista.version})", e["sub"]),
                   _tabla(filas, [1.5 * cm, 13 * cm, 3 * cm])]
    partes += [Spacer(1, 1.2 * cm), _tabla([["_" * 30, "_" * 30], [f"{lider}", "Acompañante" if r["tipo"] == "rtc"
                                                                    else "Directivo"]], [8.7 * cm, 8.7 * cm], False,
                                      rejilla=False)]
    _documento(salida, titulo).build(partes)
    return salida.getvalue()


CABECERAS = {  # what to fill by hand, per what the instrument is applied to
    "visita": [["Institución educativa", "Fecha"], ["Docente", "Grado y sección"],
               ["Área curricular", "Hora de inicio y fin"], ["Observador(a)", "Visita N°"]],
    "gia": [["Institución educativa", "Fecha"], ["Horario", "Tema"], ["Lo lidera", "UGEL / DRE"]],
    "rtc": [["Institución educativa", "Fecha"], ["Horario", "Tema"], ["Lo lidera", "UGEL / DRE"]],
    "acompanante": [["Acompañante", "Fecha"], ["UGEL / DRE", "Periodo"]],
}


def _cabecera(inst: Instrumento, e: dict[str, Any]) -> Table:
    linea = "_" * 34
    filas = [[_p(a, e["celda"]), linea, _p(b, e["celda"]), linea] for a, b in CABECERAS[inst.aplica_a[0]]]
    return _tabla(filas, [4 * cm, 8.5 * cm, 4 * cm, 8.5 * cm], False)


def _desempeno(item: Item, idioma: str, e: dict[str, Any]) -> KeepTogether:
    """A rubric's item: its levels with their descriptors, a box per level and room for the evidence."""
    niveles = item.niveles
    cabeza = [_p(f"{item.clave}. {en(item.titulo, idioma)}" + (f" (competencia {item.competencia})"
                                                               if item.competencia else ""), e["celda"])]
    filas = [cabeza + [""] * len(niveles),
             [_p("Nivel", e["chica"])] + [_p(f"[   ] Nivel {n.codigo}", e["chica"]) for n in niveles],
             [_p("Descriptor", e["chica"])] + [_p(en(n.descriptor, idioma), e["chica"]) for n in niveles],
             [_p("Evidencia", e["chica"])] + [""] * len(niveles)]
    ancho = 20.7 / len(niveles)
    tabla = Table(filas, colWidths=[4 * cm] + [ancho * cm] * len(niveles), rowHeights=[None, None, None, 2.2 * cm])
    tabla.setStyle(TableStyle([
        ("SPAN", (0, 0), (-1, 0)), ("SPAN", (1, 3), (-1, 3)),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#d6eaf8")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("GRID", (0, 0), (-1, -1), 0.4, colors.grey)]))
    return KeepTogether([tabla, Spacer(1, 0.3 * cm)])


def _rubrica(inst: Instrumento, idioma: str, e: dict[str, Any]) -> list[Any]:
    return [_p(f"{inst.codigo}, versión {inst.version}. Marque con una X el nivel observado en cada desempeño y "
               "anote la evidencia (lo que vio y oyó en el aula) que sustenta el nivel.", e["texto"]),
            Spacer(1, 0.3 * cm), _cabecera(inst, e), Spacer(1, 0.3 * cm),
            *(_desempeno(item, idioma, e) for item in inst.items),
            _p("Fortalezas observadas", e["sub"]), _caja(),
            _p("Aspectos por mejorar y compromisos", e["sub"]), _caja(),
            Spacer(1, 1 * cm), _tabla([["_" * 30, "_" * 30], ["Docente observado(a)", "Observador(a)"]],
                                      [12 * cm, 12 * cm], False, rejilla=False)]


def _lista(inst: Instrumento, idioma: str, e: dict[str, Any]) -> list[Any]:
    """A checklist: each item with a box for each answer (sí, no, no aplica)."""
    filas = [["Ítem", "Criterio", *(RESPUESTA[r] for r in RESPUESTAS)]] + [
        [item.clave, _p(f"{item.clave}. {en(item.titulo, idioma)}", e["celda"]),
         *(_p(f"[   ] {RESPUESTA[r]}", e["celda"]) for r in RESPUESTAS)] for item in inst.items]
    return [_p(f"{inst.codigo}, versión {inst.version}. Marque con una X una respuesta por ítem: "
               f"{', '.join(RESPUESTA[r] for r in RESPUESTAS)}.", e["texto"]),
            Spacer(1, 0.3 * cm), _cabecera(inst, e), Spacer(1, 0.3 * cm),
            _tabla(filas, [1.8 * cm, 16.1 * cm] + [2.6 * cm] * len(RESPUESTAS)),
            _p("Observaciones", e["sub"]), _caja(),
            Spacer(1, 1 * cm), _tabla([["_" * 30, "_" * 30], ["Responsable", "Visto bueno"]],
                                      [12 * cm, 12 * cm], False, rejilla=False)]


def pdf_ficha(inst: Instrumento, idioma: str = "es") -> bytes:
    """An instrument blank, to use on paper where there is no device. A rubric (the classroom
    observation form): the header to fill (school, docente, grade and section, curricular area, date,
    observer), then for each desempeño its four levels with their descriptors, a box to mark the level
    and room for the evidence. A checklist (GIA, RTC, the acompañante's self-evaluation): its header,
    then each item with a box for sí, no and no aplica."""
    e = _estilos()
    salida = io.BytesIO()
    titulo = en(inst.titulo, idioma)
    cuerpo = _rubrica(inst, idioma, e) if inst.tipo == "rubrica" else _lista(inst, idioma, e)
    partes: list[Any] = [_p(titulo, e["titulo"]), *cuerpo]
    if inst.provisional:
        partes.append(_p(f"Nota: {inst.provisional}", e["chica"]))
    _documento(salida, titulo, apaisado=True).build(partes)
    return salida.getvalue()
