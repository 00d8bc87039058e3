"""Plantillas de protocolo incluidas en agenda (services/agenda/datos/*.json) frente a sus fuentes.

- Las tablas de la NT-026-01-MINEDU §5.6.1, §5.6.2 y §5.6.3 se transcriben aquí tal como están en la
  norma (texto de cada celda) y se comparan, celda por celda, con lo que se deriva de la plantilla.
- Los planes internos se comparan con los planes de las IE: IEI N°246 (visitas en junio, setiembre y
  noviembre) e IES "Miguel Grau" (cronograma IX y planificador del Anexo B).
- ``elegir`` escoge el ámbito más cercano y luego la versión más reciente, sólo dentro de su vigencia.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import pytest
from pydantic import ValidationError

from services.agenda.cumplimiento import esperado
from services.agenda.protocolos import Componentes, Protocolo, elegir, incluidos

PROTOCOLOS = {p.codigo: p for p in incluidos()}
NT026 = PROTOCOLOS["NT-026"]
IEI246 = PROTOCOLOS["PMA-IEI246"]
MIGUEL_GRAU = PROTOCOLOS["PMA-IES-MIGUEL-GRAU"]

# --- Las tablas de la norma, transcritas de §5.6 (filas en el orden de la norma) -------------------
FILAS = ("visitas", "dias_visita", "rtc", "gia", "talleres_docentes", "dias_taller_docentes",
         "talleres_acompanantes", "dias_taller_acompanantes")
MACRO = "16 días (Sede asignada por macro región)"
TABLAS: dict[str, dict[str, tuple[str, ...]]] = {
    # §5.6.1 "EIB": Componente | Inicial | Primaria
    "5.6.1-EIB": {
        "eib/inicial": ("6", "14 días", "2", "4", "2", "10 días (UGEL)", "2", MACRO),
        "eib/primaria": ("6", "14 días", "2", "4", "2", "10 días (UGEL)", "2", MACRO),
    },
    # §5.6.2 "Unidocente / Multigrado": Componente | Primaria
    "5.6.2-Unidocente-Multigrado": {
        "multigrado/primaria": ("6", "14 días", "2", "4", "2", "10 días (UGEL)", "2", MACRO),
    },
    # §5.6.3 "Polidocente": Componente | Inicial | Primaria | Secundaria
    "5.6.3-Polidocente": {
        f"polidocente_{nivel}/{nivel}": (visitas, dias, "2", "4", "2", "08 días (UGEL)", "2",
                                         "12 días (Sede asignada por macro region)")
        for nivel, visitas, dias in (("inicial", "6", "12 días"), ("primaria", "7", "8 días"),
                                     ("secundaria", "7", "8 días"))
    },
}


def _celda(texto: str) -> tuple[int, str]:
    """'08 días (UGEL)' -> (8, 'ugel'): el número y el lugar, sin tildes ni mayúsculas."""
    m = re.fullmatch(r"(\d+)(?: días)?(?: \((.+)\))?", texto)
    assert m, texto
    lugar = unicodedata.normalize("NFKD", m.group(2) or "").encode("ascii", "ignore").decode().lower()
    return int(m.group(1)), lugar


def _derivado(c: Componentes, fila: str) -> tuple[int, str]:
    """La celda de la norma tal como se deriva de la plantilla."""
    return {
        "visitas": (sum(g.cantidad for g in c.visitas.grupos), ""),
        "dias_visita": (c.visitas.dias_total, ""),
        "rtc": (c.rtc.cantidad, ""),
        "gia": (c.gia.cantidad, ""),
        "talleres_docentes": (c.talleres_docentes.cantidad, ""),
        "dias_taller_docentes": (c.talleres_docentes.dias_total, _celda(f"0 ({c.talleres_docentes.lugar})")[1]),
        "talleres_acompanantes": (c.talleres_acompanantes.cantidad, ""),
        "dias_taller_acompanantes": (c.talleres_acompanantes.dias_total,
                                     _celda(f"0 ({c.talleres_acompanantes.lugar})")[1]),
    }[fila]


CELDAS = [pytest.param(tabla, columna, fila, texto, id=f"{tabla}-{columna}-{fila}")
          for tabla, columnas in TABLAS.items() for columna, textos in columnas.items()
          for fila, texto in zip(FILAS, textos, strict=True)]


@pytest.mark.parametrize("tabla, columna, fila, texto", CELDAS)
def test_celda_de_la_tabla_nt026(tabla, columna, fila, texto):
    # Dada la celda (fila, columna) de la tabla de la norma
    esperado_norma = _celda(texto)
    # Cuando se deriva de la plantilla NT-026 incluida
    derivado = _derivado(NT026.tipos[columna], fila)
    # Entonces coincide en número y, si la norma lo dice, en lugar
    assert derivado == esperado_norma, f"§{tabla}, {columna}, {fila}: norma {texto!r}, plantilla {derivado}"


def test_la_plantilla_nt026_tiene_exactamente_las_columnas_de_las_tablas():
    # Dadas las columnas de las tres tablas de §5.6
    columnas = {c for columnas in TABLAS.values() for c in columnas}
    # Entonces la plantilla nacional externa no tiene ni más ni menos tipos, y rige 2020-2022
    assert set(NT026.tipos) == columnas
    assert (NT026.modalidad, NT026.ambito) == ("externa", "nacional")
    assert (NT026.vigencia_desde, NT026.vigencia_hasta) == (date(2020, 1, 1), date(2022, 12, 31))


def _duraciones(c: Componentes) -> list[tuple[int, int, int]]:
    return sorted(((g.cantidad, g.dias_min, g.dias_max) for g in c.visitas.grupos), key=lambda t: -t[1])


@pytest.mark.parametrize("tipo, duraciones", [
    # §5.6.3 c: "dos visitas de tres días, dos visitas de dos días y dos visitas de un día"
    ("polidocente_inicial/inicial", [(2, 3, 3), (2, 2, 2), (2, 1, 1)]),
    # "una visita de dos días y seis visitas de un día" (primaria y secundaria)
    ("polidocente_primaria/primaria", [(1, 2, 2), (6, 1, 1)]),
    ("polidocente_secundaria/secundaria", [(1, 2, 2), (6, 1, 1)]),
    # §5.6.1 c / §5.6.2 c: "seis visitas en aula al año, con una duración de entre dos y tres días"
    ("eib/inicial", [(6, 2, 3)]),
    ("eib/primaria", [(6, 2, 3)]),
    ("multigrado/primaria", [(6, 2, 3)]),
])
def test_duracion_de_cada_visita(tipo, duraciones):
    # Dado el tipo de IE, Cuando se leen los grupos de visitas, Entonces son los de la norma
    c = NT026.tipos[tipo]
    assert _duraciones(c) == duraciones
    # y el total de días cabe en esas duraciones
    assert sum(n * lo for n, lo, _ in duraciones) <= c.visitas.dias_total <= sum(n * hi for n, _, hi in duraciones)


@pytest.mark.parametrize("tipo", sorted(NT026.tipos))
def test_gia_y_rtc_duran_como_minimo_tres_horas(tipo):
    # §5.6 d y f: "Cada GIA / RTC tiene una duración mínima de tres horas"
    c = NT026.tipos[tipo]
    assert (c.gia.horas_min, c.rtc.horas_min) == (3.0, 3.0)


# --- Planes internos de las IE ------------------------------------------------------------------

def test_plan_interno_iei_246_tres_visitas_en_junio_setiembre_y_noviembre():
    # Dado el plan de la IEI N°246 ("VII. Cronograma de visitas": junio, setiembre, noviembre)
    assert (IEI246.modalidad, IEI246.ambito) == ("interna", "IE:0236885-0")
    c = IEI246.tipos["polidocente_inicial/inicial"]
    # Entonces cada docente recibe tres visitas, una en cada mes, en el orden I, II, III
    assert c.visitas.cantidad == 3
    assert [g.mes for g in c.visitas.grupos] == [6, 9, 11]
    assert [g.fase for g in c.visitas.grupos] == ["I visita", "II visita", "III visita"]
    assert IEI246.vigente(2024) and not IEI246.vigente(2025)


def test_plan_interno_miguel_grau_fases_e_hitos_del_anexo_b():
    # Dado el planificador del Anexo B: diagnóstica (marzo-abril), mejora (mayo-setiembre, avances antes
    # del 12/07 y del 27/09) y salida (octubre-noviembre)
    assert (MIGUEL_GRAU.modalidad, MIGUEL_GRAU.ambito) == ("interna", "IE:0573436-0")
    c = MIGUEL_GRAU.tipos["polidocente_secundaria/secundaria"]
    assert [(f.nombre, f.desde, f.hasta, f.hitos) for f in c.fases] == [
        ("diagnostica", "03-01", "04-30", []),
        ("mejora", "05-01", "09-30", ["07-12", "09-27"]),
        ("salida", "10-01", "11-30", []),
    ]
    # Entonces hay una visita por cada corte, con su fecha límite y su fase
    assert [(g.fase, g.antes_de) for g in c.visitas.grupos] == [
        ("diagnostica", "04-30"), ("mejora", "07-12"), ("mejora", "09-27"), ("salida", "11-30")]
    fases = {f.nombre: f for f in c.fases}
    for g in c.visitas.grupos:  # cada límite cae dentro de su fase
        assert fases[g.fase].desde <= g.antes_de <= fases[g.fase].hasta


def test_plan_interno_miguel_grau_hora_colegiada_y_jornadas_del_cronograma():
    # Dado el cronograma IX: "Trabajo de hora colegiada" de mayo a noviembre,
    # "Jornadas de autoformación docente" en setiembre y octubre
    c = MIGUEL_GRAU.tipos["polidocente_secundaria/secundaria"]
    # Entonces la RTC (hora colegiada) es mensual de mayo a noviembre y hay dos jornadas
    assert (c.rtc.cantidad, c.rtc.meses) == (7, [5, 6, 7, 8, 9, 10, 11])
    assert c.jornadas_autoformacion is not None
    assert (c.jornadas_autoformacion.cantidad, c.jornadas_autoformacion.meses) == (2, [9, 10])
    # y no hay GIA ni talleres: son estrategias del acompañamiento externo
    assert (c.gia.cantidad, c.talleres_docentes.cantidad) == (0, 0)


def _plan(p: Protocolo, tipo: str, anio: int) -> dict:
    """El plan como lo arma ``Agenda.generar_plan``."""
    inicio, fin = p.anio_escolar.fechas(anio)
    return {"componentes": p.tipos[tipo].model_dump(mode="json"), "anio_escolar": [inicio.isoformat(), fin.isoformat()]}


@pytest.mark.parametrize("fecha, visitas", [
    (date(2024, 6, 29), 0), (date(2024, 6, 30), 1), (date(2024, 9, 29), 1),
    (date(2024, 9, 30), 2), (date(2024, 11, 29), 2), (date(2024, 11, 30), 3), (date(2024, 12, 20), 3),
])
def test_visitas_esperadas_iei_246_vencen_a_fin_de_cada_mes(fecha, visitas):
    # Dado el plan interno de la IEI 246 de 2024
    plan = _plan(IEI246, "polidocente_inicial/inicial", 2024)
    # Cuando se pregunta cuántas visitas se esperaban a la fecha
    debido = esperado(plan, fecha)
    # Entonces vence una por cada mes del cronograma ya cumplido, con su día de visita
    assert (debido["visitas"], debido["dias_visita"]) == (visitas, visitas)
    assert debido["gia"] == debido["rtc"] == debido["talleres"] == 0


@pytest.mark.parametrize("fecha, visitas, rtc", [
    (date(2024, 4, 29), 0, 0), (date(2024, 4, 30), 1, 0), (date(2024, 5, 31), 1, 1),
    (date(2024, 7, 12), 2, 2), (date(2024, 9, 27), 3, 4), (date(2024, 11, 30), 4, 7),
])
def test_visitas_y_horas_colegiadas_esperadas_miguel_grau(fecha, visitas, rtc):
    # Dado el plan de la IES Miguel Grau: visitas antes del 30/04, 12/07, 27/09 y 30/11; RTC mensual mayo-noviembre
    debido = esperado(_plan(MIGUEL_GRAU, "polidocente_secundaria/secundaria", 2024), fecha)
    # Entonces a cada fecha se espera lo que vence en o antes de ella
    assert (debido["visitas"], debido["rtc"]) == (visitas, rtc)


# --- Elección de la plantilla -------------------------------------------------------------------

def _variante(ambito: str, *, version: int = 1, desde: date = date(2020, 1, 1),
              hasta: date = date(2022, 12, 31), codigo: str | None = None) -> Protocolo:
    return NT026.model_copy(update={"codigo": codigo or f"P-{ambito.replace(':', '-')}", "version": version,
                                    "ambito": ambito, "vigencia_desde": desde, "vigencia_hasta": hasta})


ESCUELA = dict(modalidad="externa", tipo_ie="polidocente_primaria", nivel="primaria", anio=2021,
               dre="DRE-PUNO", ugel="UGEL-EL-COLLAO", ie="0236885-0")


def test_elegir_prefiere_el_ambito_mas_cercano():
    # Dadas plantillas nacional, de la DRE, de la UGEL y de la IE, más otras de territorios ajenos
    nacional, dre, ugel, ie = (_variante(a) for a in ("nacional", "DRE:DRE-PUNO", "UGEL:UGEL-EL-COLLAO",
                                                       "IE:0236885-0"))
    ajenas = [_variante(a, version=9) for a in ("DRE:DRE-CUSCO", "UGEL:UGEL-PUNO", "IE:0236885-1")]
    # Cuando se elige, quitando cada vez la más cercana
    # Entonces gana IE > UGEL > DRE > nacional, y nunca una de otro territorio
    assert elegir([nacional, dre, ugel, ie, *ajenas], **ESCUELA) is ie
    assert elegir([nacional, dre, ugel, *ajenas], **ESCUELA) is ugel
    assert elegir([nacional, dre, *ajenas], **ESCUELA) is dre
    assert elegir([nacional, *ajenas], **ESCUELA) is nacional
    assert elegir(ajenas, **ESCUELA) is None


def test_elegir_a_igual_ambito_la_version_mas_reciente():
    # Dadas dos versiones nacionales con la misma vigencia
    v1, v2 = _variante("nacional", version=1, codigo="NT-026"), _variante("nacional", version=2, codigo="NT-026")
    # Cuando se elige, Entonces gana la versión 2 sin importar el orden
    assert elegir([v2, v1], **ESCUELA) is v2 and elegir([v1, v2], **ESCUELA) is v2
    # y la versión más reciente de un ámbito lejano no gana a una más cercana
    assert elegir([_variante("DRE:DRE-PUNO", version=1), v2], **ESCUELA).ambito == "DRE:DRE-PUNO"


def test_elegir_no_toma_una_plantilla_fuera_de_su_vigencia():
    # Dada la NT-026 (2020-2022) y una de la IE que rige sólo en 2023
    ie_2023 = _variante("IE:0236885-0", desde=date(2023, 1, 1), hasta=date(2023, 12, 31))
    # Cuando se elige en 2021, Entonces la de la IE no cuenta aunque sea más cercana
    assert elegir([NT026, ie_2023], **ESCUELA) is NT026
    # y en 2023 ya no rige la NT-026; en 2019 no rige ninguna
    assert elegir([NT026, ie_2023], **{**ESCUELA, "anio": 2023}) is ie_2023
    assert elegir([NT026, ie_2023], **{**ESCUELA, "anio": 2019}) is None


def test_elegir_respeta_modalidad_y_tipo():
    # Dadas las plantillas incluidas
    todas = list(PROTOCOLOS.values())
    # Cuando la IEI 246 pide su plan interno de inicial en 2024, Entonces recibe el de la IE
    iei = dict(modalidad="interna", tipo_ie="polidocente_inicial", nivel="inicial", anio=2024,
               dre="DRE-PUNO", ugel="UGEL-EL-COLLAO", ie="0236885-0")
    assert elegir(todas, **iei) is IEI246
    # y nada si pide un nivel que su plan no tiene, o si otra IE pide un plan interno
    assert elegir(todas, **{**iei, "tipo_ie": "polidocente_primaria", "nivel": "primaria"}) is None
    assert elegir(todas, **{**iei, "ie": "0573436-0"}) is None
    # El acompañamiento externo de 2021 es el de la norma
    assert elegir(todas, **ESCUELA) is NT026


# --- Plantillas incoherentes ----------------------------------------------------------------------

def test_dias_de_visita_que_no_caben_en_los_grupos_se_rechazan():
    # Dada la EIB primaria (6 visitas de 2 a 3 días: entre 12 y 18 días) con 20 días al año
    datos = NT026.model_dump(mode="json")
    datos["tipos"]["eib/primaria"]["visitas"]["dias_total"] = 20
    # Cuando se valida, Entonces se rechaza diciendo por qué, en castellano
    with pytest.raises(ValidationError) as error:
        Protocolo.model_validate(datos)
    assert isinstance(error.value, ValueError)
    assert "los días de visita (20) no caben entre 12 y 18" in str(error.value)
    # y lo mismo por debajo del mínimo
    datos["tipos"]["eib/primaria"]["visitas"]["dias_total"] = 11
    with pytest.raises(ValueError, match=r"no caben entre 12 y 18"):
        Protocolo.model_validate(datos)


def test_clave_de_tipo_y_vigencia_incoherentes_se_rechazan():
    # Dada una plantilla con un tipo de IE que no existe, o que termina antes de empezar
    datos = NT026.model_dump(mode="json")
    otra = {**datos, "tipos": {"unidocente/primaria": datos["tipos"]["multigrado/primaria"]}}
    with pytest.raises(ValidationError, match="clave de tipo no válida"):
        Protocolo.model_validate(otra)
    with pytest.raises(ValidationError, match="la vigencia termina antes de empezar"):
        Protocolo.model_validate({**datos, "vigencia_hasta": "2019-12-31"})
