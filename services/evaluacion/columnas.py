"""The columns of evaluacion's reports as people read them in a spreadsheet: Spanish words with their
units, each typed (``shared.hojas``). One entry per section of a report; a section's grouping columns
follow its ``por`` (``reportes.AGRUPACIONES``). The "DRE" and "UGEL" columns, and the cover's, show each
territory by the name the padrón gives it (``territorios.Nombres``), its code when none did.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from services.evaluacion.application import PREGUNTAS_ENCUESTA
from services.evaluacion.metas import NIVELES
from services.evaluacion.projections import PLANIFICADO
from services.evaluacion.reportes import AGRUPACIONES
from shared.hojas import Columna, Portada, Tabla, autor
from shared.telemetry import Actor
from shared.territorios import NIVELES as TERRITORIOS
from shared.territorios import Nombres


def _n(clave: str, titulo: str, unidad: str = "n.º") -> Columna:
    return Columna(clave, titulo, unidad, "numero")


def _f(clave: str, titulo: str) -> Columna:
    return Columna(clave, titulo, tipo="fecha")


def _t(clave: str, titulo: str, textos: Mapping[str, str] | None = None) -> Columna:
    return Columna(clave, titulo, textos=textos or {})


POR = {"docente": "docente", "ie": "IE", "ugel": "UGEL", "dre": "DRE", "tipo_ie": "tipo de IE", "nacional": "nacional"}
TIPOS_IE = {"multigrado": "Multigrado", "polidocente_primaria": "Polidocente (primaria)",
            "polidocente_inicial": "Polidocente (inicial)", "polidocente_secundaria": "Polidocente (secundaria)",
            "eib": "EIB"}
MOMENTOS = {"inicio": "al inicio", "termino": "al término", "semestre_1": "en el primer semestre",
            "semestre_2": "en el segundo semestre"}
TERRITORIO = {
    "docente_id": _t("docente_id", "Docente (identificador)"), "dre": _t("dre", "DRE"), "ugel": _t("ugel", "UGEL"),
    "codigo_modular": _t("codigo_modular", "Código modular de la IE"), "anexo": _n("anexo", "Anexo", ""),
    "tipo_ie": _t("tipo_ie", "Tipo de IE", TIPOS_IE)}
# what a seguimiento matrix counts per docente's plan: (words, unit, plural ending of its participles)
COMPONENTES = {"visitas": ("Visitas", "n.º", "as"), "dias_visita": ("Días de visita", "días", "os"),
               "gia": ("GIA", "n.º", "os"), "rtc": ("RTC", "n.º", "as"), "talleres": ("Talleres", "n.º", "os"),
               "dias_taller": ("Días de taller", "días", "os"), "cursos": ("Cursos virtuales", "n.º", "os")}
PREGUNTAS = {"pertinencia": "pertinencia", "calidad_formacion": "calidad de la formación",
             "calidad_recursos": "calidad de los recursos", "utilidad_recursos": "utilidad de los recursos"}
ESTADOS_MEDIDA = {"dispuesta": "Dispuesta", "en_ejecucion": "En ejecución", "cumplida": "Cumplida",
                  "no_cumplida": "No cumplida"}
ESTADOS_ENVIO = {"no_enviado": "No enviado", "enviado": "Enviado, sin acuse de la DRE",
                 "recibido": "Recibido por la DRE"}


def _grupo(por: str) -> list[Columna]:
    return [TERRITORIO[k] for k in AGRUPACIONES[por]]


def _desempeno(momentos: Sequence[str]) -> list[Columna]:
    return [_t("acompanante_id", "Acompañante (identificador)"), TERRITORIO["dre"], TERRITORIO["ugel"],
            *(_t(m, f"Nivel {MOMENTOS[m]}") for m in momentos), _n("cambio", "Cambio de nivel", "niveles"),
            _n("evaluaciones", "Evaluaciones")]


def _resultados(por: str) -> list[Columna]:
    return [_t("convocatoria", "Convocatoria"), _n("etapa", "Etapa", ""), *_grupo(por),
            _t("competencia", "Competencia"), _n("docentes", "Docentes"),
            _n("con_cierre", "Docentes con cierre de etapa"),
            *(_n(n, f"Nivel logrado {n}", "docentes") for n in NIVELES),
            _n("alcanzaron", "Alcanzaron el nivel esperado", "docentes"),
            _n("sin_meta", "Sin meta registrada", "docentes"), _n("sin_cierre", "Sin cierre de etapa", "docentes"),
            _n("porcentaje_alcanzaron", "Alcanzaron el nivel esperado", "%")]


def _cumplimiento(por: str) -> list[Columna]:
    return [*_grupo(por), _n("anio", "Año", ""), _n("docentes", "Docentes"),
            *(_n(f"{p}_planificado", f"{nombre} planificad{fin}", unidad)
              for p, (nombre, unidad, fin) in COMPONENTES.items()),
            *(_n(f"{p}_realizado", f"{nombre} realizad{fin}", unidad)
              for p, (nombre, unidad, fin) in COMPONENTES.items()),
            *(_n(f"{p}_porcentaje", f"{nombre}: cumplimiento de lo planificado", "%")
              for p, (nombre, _, _) in COMPONENTES.items())]


def _satisfaccion(por: str) -> list[Columna]:
    territorio = por if por in ("ugel", "dre", "nacional") else "ugel"
    return [*_grupo(territorio), _n("anio", "Año", ""),
            _t("encuestado", "Encuestado", {"docente": "Docente", "acompanante": "Acompañante"}),
            _t("periodo", "Periodo", {"anual": "Anual", "semestre_1": "Primer semestre",
                                      "semestre_2": "Segundo semestre"}),
            _n("respuestas", "Encuestas respondidas"), _n("satisfechos", "Satisfechos, con promedio de 4 o más"),
            *(_n(f"promedio_{p}", f"Promedio de {PREGUNTAS[p]}", "de 1 a 5") for p in PREGUNTAS_ENCUESTA),
            _n("porcentaje_satisfechos", "Satisfechos", "%")]


def _practica(por: str) -> list[Columna]:
    if por == "docente":
        return [*_grupo(por), _t("item", "Desempeño observado"), _n("observaciones", "Observaciones"),
                _t("primer_nivel", "Primer nivel observado"), _t("ultimo_nivel", "Último nivel observado"),
                _n("cambio", "Cambio de nivel", "niveles")]
    return [*_grupo(por), _n("anio", "Año", ""), _t("item", "Desempeño observado"), _n("docentes", "Docentes"),
            *(_n(f"ultimo_{n}", f"Último nivel observado {n}", "docentes") for n in NIVELES),
            _n("mejoraron", "Mejoraron", "docentes"), _n("cambio_promedio", "Cambio promedio de nivel", "niveles"),
            _n("porcentaje_mejoraron", "Mejoraron", "%")]


RESUMEN = [TERRITORIO["ugel"], _n("anio", "Año", ""), _n("trimestre", "Trimestre", ""), _f("desde", "Desde"),
           _f("hasta", "Hasta"), _n("ies", "IIEE"), _n("docentes", "Docentes"),
           _n("visitas_realizadas", "Visitas realizadas"), _n("valoraciones", "Valoraciones")]
VALORACIONES = [_t("competencia", "Competencia"), _n("valoraciones", "Valoraciones"),
                *(_n(n, f"Valoradas en el nivel {n}", "valoraciones") for n in NIVELES),
                _n("en_o_sobre_lo_esperado", "En el nivel esperado o sobre él", "valoraciones"),
                _n("porcentaje_en_o_sobre_lo_esperado", "En el nivel esperado o sobre él", "%")]
ENVIO = [_t("estado", "Estado", ESTADOS_ENVIO), TERRITORIO["dre"], _t("enviado_por", "Enviado por"),
         _f("enviado_el", "Enviado el"), _t("observaciones_ugel", "Observaciones de la UGEL"),
         _t("recibido_por", "Recibido por"), _f("recibido_el", "Recibido el"),
         _t("observaciones_dre", "Observaciones de la DRE")]
MEDIDAS = [_t("medida_id", "Medida (identificador)"), _t("sobre", "Sobre", {"ie": "Una IE", "acompanante": "Un acompañante"}),
           _t("ie", "IE (código modular-anexo)"), _t("acompanante_id", "Acompañante (identificador)"),
           _t("descripcion", "Qué se dispone"), _f("plazo", "Plazo"), _f("dispuesta_el", "Dispuesta el"),
           _t("dispuesta_por", "Dispuesta por"), _t("estado", "Estado", ESTADOS_MEDIDA),
           _n("seguimientos", "Seguimientos"), _t("ultimo_avance", "Último avance"),
           _f("ultimo_seguimiento", "Último seguimiento")]

# section: (sheet name, what it holds, its columns given ``por``)
SECCIONES: dict[str, tuple[str, str, Any]] = {
    "resultados": ("resultados", "Distribución del nivel logrado y porcentaje que alcanzó el esperado", _resultados),
    "cumplimiento": ("cumplimiento", "Cumplimiento de estrategias: planificado y realizado por componente",
                     _cumplimiento),
    "calidad": ("calidad", "Calidad: desempeño de los acompañantes en cada semestre",
                lambda por: _desempeno(("semestre_1", "semestre_2"))),
    "satisfaccion": ("satisfacción", "Satisfacción de docentes y acompañantes", _satisfaccion),
    "practica": ("práctica", "Práctica pedagógica: primer y último nivel observado por desempeño", _practica),
    "desempeno": ("desempeño", "Desempeño de los acompañantes al inicio y al término",
                  lambda por: _desempeno(("inicio", "termino"))),
    "resumen": ("resumen", "Resumen del trimestre", lambda por: RESUMEN),
    "valoraciones": ("valoraciones", "Valoraciones del trimestre por competencia", lambda por: VALORACIONES),
    "envio": ("envío", "Remisión del informe a la DRE y su acuse de recibo", lambda por: ENVIO),
    "medidas": ("medidas", "Medidas correctivas y su seguimiento", lambda por: MEDIDAS),
}
assert set(PLANIFICADO) == set(COMPONENTES), "a component of the plan without its words"


def tabla(seccion: str, filas: Sequence[Mapping[str, Any]], por: str, nombres: Nombres = Nombres()) -> Tabla:
    """A report's section as a sheet, its DREs and UGELs by name; a section this catalogue does not know keeps
    its field names."""
    if seccion not in SECCIONES:
        return Tabla(seccion, [], filas)
    nombre, descripcion, columnas = SECCIONES[seccion]
    return Tabla(nombre, [replace(c, textos=nombres.textos(c.clave)) if c.clave in TERRITORIOS else c
                          for c in columnas(por)], filas, descripcion)


def portada(titulo: str, al: date | datetime, nota: str, actor: Actor, parametros: Mapping[str, Any],
            generado: datetime, nombres: Nombres = Nombres()) -> Portada:
    """The cover of a report: its parameters in words (``por`` as the level it is grouped by, a DRE or UGEL by
    its name)."""
    palabras = {"anio": "Año", "por": "Agrupado por", "convocatoria": "Convocatoria", "etapa": "Etapa",
                "ugel": "UGEL", "dre": "DRE", "ie": "IE", "trimestre": "Trimestre", "tipo_ie": "Tipo de IE"}
    lineas = [(palabras.get(k, k), POR.get(v, v) if k == "por" else nombres.de(k, v) if k in TERRITORIOS else v)
              for k, v in parametros.items() if v is not None]
    return Portada(titulo, al, autor(actor), generado, nota, lineas)
