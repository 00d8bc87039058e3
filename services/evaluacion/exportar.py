"""Formats people use: every report as CSV (``;`` and BOM, as spreadsheets in Spanish expect) or as
an XLSX workbook (one sheet per section, plus the moment it describes), and charts as PNG or SVG.

Charts are drawn with matplotlib's non-interactive Agg backend, one figure per call, closed after.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape as _xml

import matplotlib

matplotlib.use("Agg")
from matplotlib import pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from reportlab.lib import colors  # noqa: E402
from reportlab.lib.pagesizes import A4, landscape  # noqa: E402
from reportlab.lib.styles import getSampleStyleSheet  # noqa: E402
from reportlab.lib.units import cm  # noqa: E402
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle  # noqa: E402

from services.evaluacion import frases  # noqa: E402
from services.evaluacion.metas import NIVELES, valor  # noqa: E402
from shared import hojas  # noqa: E402

Filas = Sequence[Mapping[str, Any]]
FORMATOS_GRAFICO = {"png": "image/png", "svg": "image/svg+xml"}
COLORES = {"I": "#c0392b", "II": "#e67e22", "III": "#27ae60", "IV": "#1f618d"}


def csv_de(tabla: hojas.Tabla, portada: hojas.Portada | None = None) -> str:
    """One section as CSV (``;`` and BOM): the cover's lines first, as comments, then the table."""
    return hojas.texto_csv(tabla, portada)


def xlsx_de(portada: hojas.Portada, tablas: Sequence[hojas.Tabla]) -> bytes:
    """The cover sheet (what, as of when, by whom), then one sheet per section."""
    return hojas.libro(portada, tablas)


def _guardar(figura: Figure, formato: str) -> bytes:
    salida = io.BytesIO()
    try:
        figura.savefig(salida, format=formato, bbox_inches="tight", dpi=110,
                       metadata={"Date": None} if formato == "svg" else None)
    finally:
        plt.close(figura)
    return salida.getvalue()


def grafico_progreso(progreso: Mapping[str, Any], formato: str = "png") -> bytes:
    """A docente's competencies across the etapas: the initial level, the level achieved at each close
    (solid) and the expected one (dashed)."""
    figura, eje = plt.subplots(figsize=(7.5, 4.2))
    etiquetas = ["Inicial"] + [f"Etapa {e['etapa']}\n{e['anio']}" for e in progreso["competencias"][0]["etapas"]]
    for i, comp in enumerate(progreso["competencias"]):
        desplazamiento = (i - len(progreso["competencias"]) / 2) * 0.03
        inicial = comp["inicial"]["nivel"] if comp["inicial"] else None
        logrados = [inicial] + [e["logrado"] for e in comp["etapas"]]
        esperados = [inicial] + [e["esperado"] for e in comp["etapas"]]
        x = list(range(len(logrados)))
        linea, = eje.plot([xi for xi, n in zip(x, logrados) if n], [valor(n) + desplazamiento for n in logrados if n],
                          marker="o", label=comp["competencia"])
        eje.plot([xi for xi, n in zip(x, esperados) if n], [valor(n) + desplazamiento for n in esperados if n],
                 linestyle="--", color=linea.get_color(), alpha=0.6)
    eje.set_xticks(range(len(etiquetas)), etiquetas)
    eje.set_yticks(range(1, 5), NIVELES)
    eje.set_ylim(0.6, 4.4)
    eje.set_ylabel("Nivel")
    eje.grid(axis="y", alpha=0.3)
    eje.set_title(f"Progreso por competencia (convocatoria {progreso['convocatoria']})\n"
                  "línea continua: logrado · discontinua: esperado", fontsize=10)
    eje.legend(loc="upper left", fontsize=8, ncol=3)
    figura.text(0.01, -0.02, progreso["nota"], fontsize=6, wrap=True)
    return _guardar(figura, formato)


def grafico_resultados(por_etapa: Mapping[int, Filas], titulo: str, nota: str, formato: str = "png") -> bytes:
    """Per etapa, the distribution of achieved levels per competency (stacked) and the share who reached
    the expected level (the number on each bar)."""
    etapas = sorted(por_etapa)
    figura, ejes = plt.subplots(1, max(1, len(etapas)), figsize=(4.2 * max(1, len(etapas)), 4.2), sharey=True,
                                squeeze=False)
    for eje, etapa in zip(ejes[0], etapas):
        filas = [f for f in por_etapa[etapa] if f["con_cierre"]]
        comps = [f["competencia"] for f in filas]
        base = [0.0] * len(filas)
        for n in NIVELES:
            alturas = [100.0 * f[n] / f["con_cierre"] if f["con_cierre"] else 0.0 for f in filas]
            eje.bar(comps, alturas, bottom=base, color=COLORES[n], label=n)
            base = [b + a for b, a in zip(base, alturas)]
        for x, f in enumerate(filas):
            if f["porcentaje_alcanzaron"] is not None:
                eje.text(x, 102, f"{f['porcentaje_alcanzaron']:.0f}%", ha="center", fontsize=8)
        eje.set_title(f"Etapa {etapa}", fontsize=10)
        eje.set_ylim(0, 112)
    ejes[0][0].set_ylabel("% de docentes con cierre, por nivel logrado")
    # beside the last etapa, outside the bars (inside, it hid the last competency's lowest level)
    ejes[0][-1].legend(title="Nivel", fontsize=8, loc="center left", bbox_to_anchor=(1.02, 0.5))
    figura.suptitle(f"{titulo}\n(número: % que alcanzó el nivel esperado)", fontsize=10, y=1.04)
    figura.text(0.01, -0.03, nota, fontsize=6, wrap=True)
    return _guardar(figura, formato)


def pdf_historia(docente_id: str, historia: Mapping[str, Any], nota: str, personas: Mapping[str, str] | None = None,
                 escuelas: Mapping[str, str] | None = None) -> bytes:
    """A docente's history as a PDF an auditor can file: the moment it describes, then every fact in order as
    a sentence (what happened, where, to whom and by whom), when it happened, who recorded it and when, and
    where it lies in its service's chain (to check it there). Names are those given (``frases``); nobody is
    shown by an id."""
    relato = frases.Relato(docente_id, personas, escuelas)
    estilos = getSampleStyleSheet()
    celda = estilos["BodyText"].clone("celda", fontSize=8, leading=10)
    nombre = relato.personas.get(docente_id)
    titulo = f"Historia de {nombre}" if nombre else "Historia de un docente acompañado"
    salida = io.BytesIO()
    documento = SimpleDocTemplate(salida, pagesize=landscape(A4), leftMargin=1.2 * cm, rightMargin=1.2 * cm,
                                  topMargin=1.2 * cm, bottomMargin=1.2 * cm, title=titulo, author="Acompaña",
                                  invariant=True)
    filas: list[list[Any]] = [["Ocurrió", "Qué pasó", "Registrado por", "Registrado el", "Dónde consta"]]
    for h in historia["hechos"]:
        datos = json.loads(h["contenido"])  # the stored JSON text (historia._fila)
        servicio = frases.SERVICIOS.get(h["servicio"], h["servicio"])
        filas.append([frases.fecha(h["ocurrido"]), Paragraph(_xml(relato.frase(h, datos)), celda),
                      Paragraph(_xml(relato.autor(h)), celda), frases.fecha(h["registrado_en"]),
                      Paragraph(_xml(f"{servicio}, hecho n.º {h['posicion']}"), celda)])
    tabla = Table(filas, colWidths=[2.2 * cm, 14.2 * cm, 4.2 * cm, 3 * cm, 3.4 * cm], repeatRows=1)
    tabla.setStyle(TableStyle([
        ("FONTSIZE", (0, 0), (-1, -1), 8), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1f618d")),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.white), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey)]))
    paginas = max(1, -(-historia["total"] // historia["por_pagina"]))
    documento.build([
        Paragraph(_xml(titulo), estilos["Title"]),
        Paragraph(_xml(nota), estilos["BodyText"]),
        Paragraph(f"{historia['total']} hechos; página {historia['pagina']} de {paginas}.", estilos["BodyText"]),
        Spacer(1, 0.3 * cm), tabla])
    return salida.getvalue()
