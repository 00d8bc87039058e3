"""The printable documents of a school's plan (services/agenda/documentos.py), without a server."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from pydantic import ValidationError
from pypdf import PdfReader

from services.agenda import documentos, ejecucion
from services.agenda.protocolos import Componentes, PlanIE, Protocolo
from services.agenda.valores import DocentePlanIE

RAIZ = Path(__file__).resolve().parents[2]


def test_agenda_arranca_sin_importar_matplotlib():
    # Given a fresh interpreter, When agenda's composition root is imported (as the service starts)
    codigo = "import sys, services.agenda.main; print('matplotlib' in sys.modules)"
    salida = subprocess.run([sys.executable, "-c", codigo], cwd=RAIZ, capture_output=True, text=True, check=True)
    # Then matplotlib (only its font is used, when a PDF is drawn) is not loaded
    assert salida.stdout.strip() == "False", salida.stderr


# --- a day on the boundary of two phases belongs to one -------------------------------------------

DOCENTE = "0b8f3c1e-8a44-5d0e-9f6a-2c7d9e1f3a55"
DIRECTIVO = "4a2e6d9c-1b3f-5e7a-8c0d-9f1e2a3b4c5d"


class _Agenda:
    """What the documents read of agenda: the plan's aggregate and the directivo's activities."""

    def __init__(self, plan: PlanIE, visitas: list[date]) -> None:
        self.plan = SimpleNamespace(plan=plan, estado="aprobado", aprobacion=None, socializacion=None,
                                    ejecucion=None, visitas_entre_pares={})
        self.proyecciones = SimpleNamespace(actividades=lambda *_: [
            {"tipo": "visita", "estado": "realizada", "fecha_inicio": d, "datos": {"docentes": [DOCENTE]}}
            for d in visitas])

    def plan_ie(self, _: str) -> SimpleNamespace:
        return self.plan


def _plan(grupos: list[dict], fases: list[dict] | None = None) -> PlanIE:
    componentes = {"visitas": {"grupos": grupos, "dias_total": len(grupos)}, "gia": {"cantidad": 0, "horas_min": 3},
                   "rtc": {"cantidad": 0, "horas_min": 3}, "talleres_docentes": {"cantidad": 0, "dias_total": 0}}
    return PlanIE(ie="0573436-0", codigo_modular="0573436", anexo=0, anio=2024, dre="DRE-PUNO", ugel="UGEL-EL-COLLAO",
                  directivo_id=DIRECTIVO, cargo="director", turno="", director="Director de la IE", responsables=[],
                  protocolo="PROPIO@1", nombre_protocolo="", tipo_ie="polidocente_secundaria", nivel="secundaria",
                  docentes=[DocentePlanIE(DOCENTE, grado_seccion="3.° B")], anio_escolar=["2024-03-11", "2024-12-20"],
                  componentes=Componentes.model_validate({**componentes, "fases": fases or []}))


def _texto(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def test_una_visita_el_dia_limite_de_una_fase_cuenta_en_esa_fase_y_no_en_la_siguiente():
    # Given a school's own plan without phases: a visit before 12/07 and another before 27/09
    plan = _plan([{"cantidad": 1, "dias_min": 1, "dias_max": 1, "antes_de": "07-12"},
                  {"cantidad": 1, "dias_min": 1, "dias_max": 1, "antes_de": "09-27"}])
    # When the directivo visits the docente on 12/07 itself, and the planificador is drawn
    agenda = _Agenda(plan, [date(2024, 7, 12)])
    texto = _texto(documentos.planificador_pdf(agenda, "plan", DOCENTE, date(2024, 12, 13)))
    # Then the visit is ticked once, in the first phase only
    assert "I visita (antes del 12/07)" in texto
    assert texto.count("✓ 12/07/2024") == 1, texto
    a = ejecucion.avance(agenda, agenda.plan, date(2024, 12, 13))
    assert [len(visitas) for _, visitas in ejecucion.fases(a, DOCENTE)] == [1, 0]


def test_con_las_fases_de_la_plantilla_el_ultimo_dia_de_una_fase_es_solo_suyo():
    # Given the IES Miguel Grau phases (both ends included) and visits on the last day of two of them
    fases = [{"nombre": "diagnostica", "desde": "03-01", "hasta": "04-30"},
             {"nombre": "mejora", "desde": "05-01", "hasta": "09-30", "hitos": ["07-12", "09-27"]},
             {"nombre": "salida", "desde": "10-01", "hasta": "11-30"}]
    plan = _plan([{"cantidad": 1, "dias_min": 1, "dias_max": 1, "antes_de": d} for d in ("04-30", "09-30", "11-30")],
                 fases)
    agenda = _Agenda(plan, [date(2024, 4, 30), date(2024, 9, 30), date(2024, 10, 1)])
    a = ejecucion.avance(agenda, agenda.plan, date(2024, 12, 13))
    # Then each counts in one phase: 30/04 in the diagnostic one, 30/09 in improvement, 01/10 in exit
    assert [[v["fecha_inicio"].day for v in visitas] for _, visitas in ejecucion.fases(a, DOCENTE)] == [[30], [30], [1]]


def test_una_plantilla_cuyas_fases_se_solapan_no_se_publica():
    # Given the IES Miguel Grau template with a phase that starts the day the previous one ends
    base = json.loads((RAIZ / "services/agenda/datos/protocolo-interno-ies-miguel-grau-2024.json").read_text())
    [tipo] = base["tipos"]
    base["tipos"][tipo]["fases"][1]["desde"] = base["tipos"][tipo]["fases"][0]["hasta"]
    # When it is validated / Then it is refused: a day belongs to one phase
    with pytest.raises(ValidationError, match="cada día pertenece a una sola fase"):
        Protocolo.model_validate(base)
    # and a milestone outside its phase too
    base = json.loads((RAIZ / "services/agenda/datos/protocolo-interno-ies-miguel-grau-2024.json").read_text())
    base["tipos"][tipo]["fases"][0]["hitos"] = ["07-12"]
    with pytest.raises(ValidationError, match="fuera de la fase"):
        Protocolo.model_validate(base)


# --- a visit done in a month without a column of its own is shown and counted ---------------------


def _grupos(plantilla: str) -> tuple[list[dict], list[dict]]:
    """The visit groups and phases of a bundled template (one type of school each)."""
    base = json.loads((RAIZ / "services/agenda/datos" / plantilla).read_text())
    [componentes] = base["tipos"].values()
    return componentes["visitas"]["grupos"], componentes.get("fases") or []


def _plano(pdf: bytes) -> str:
    return " ".join(_texto(pdf).split())


def _fechas_por_columna(a: ejecucion.Avance) -> list[str | None]:
    return [v["fecha_inicio"].isoformat() if v else None for v in a.por_docente[DOCENTE]]


def test_una_visita_de_julio_en_el_plan_de_la_iei_246_se_muestra_y_cuenta():
    # Given the IEI N°246 plan (seed 002: columns for June, September and November only)
    grupos, _ = _grupos("protocolo-interno-iei246-2024.json")
    agenda = _Agenda(_plan(grupos), [date(2024, 6, 11), date(2024, 7, 15)])
    corte = date(2024, 12, 13)
    # When the directivo visited the docente in June and again in July (a month without a column)
    a = ejecucion.avance(agenda, agenda.plan, corte)
    # Then the July visit takes the next visit still due, September's (II visita)
    assert _fechas_por_columna(a) == ["2024-06-11", "2024-07-15", None]
    # and the plan ticks it and counts it
    plan = _plano(documentos.plan_pdf(agenda, "plan", corte))
    assert "✓ 15/07/2024" in plan and "Visitas realizadas: 2 de 3." in plan, plan
    # and the informe counts two of three visits done (67 %), with both dates
    informe = _plano(documentos.informe_pdf(agenda, "plan", corte))
    assert "3 2 11/06/2024, 15/07/2024 67 %" in informe, informe
    # and the docente's planificador shows it
    assert "✓ 15/07/2024" in _plano(documentos.planificador_pdf(agenda, "plan", DOCENTE, corte))


def test_una_visita_mas_de_las_previstas_se_muestra_aparte_y_cuenta_como_realizada():
    # Given the IEI N°246 plan and visits in June, July, September and November (four; three planned)
    grupos, _ = _grupos("protocolo-interno-iei246-2024.json")
    visitas = [date(2024, 6, 11), date(2024, 7, 15), date(2024, 9, 10), date(2024, 11, 5)]
    agenda = _Agenda(_plan(grupos), visitas)
    corte = date(2024, 12, 13)
    a = ejecucion.avance(agenda, agenda.plan, corte)
    # Then each column keeps its month's visit and July's is shown apart, beyond the plan
    assert _fechas_por_columna(a) == ["2024-06-11", "2024-09-10", "2024-11-05"]
    assert [v["fecha_inicio"] for v in a.otras[DOCENTE]] == [date(2024, 7, 15)]
    assert (a.realizadas, a.cumplidas, a.planificadas) == (4, 3, 3)
    plan = _plano(documentos.plan_pdf(agenda, "plan", corte))
    assert "Otras visitas" in plan and "✓ 15/07/2024" in plan, plan
    assert "Visitas realizadas: 4 de 3 planificadas (1 fuera de las previstas)." in plan, plan
    # and the informe counts four visits done and the plan fulfilled (100 %, never more)
    informe = _plano(documentos.informe_pdf(agenda, "plan", corte))
    assert "3 4 11/06/2024, 15/07/2024, 10/09/2024, 05/11/2024 100 %" in informe, informe
    assert "Otras visitas" in _plano(documentos.planificador_pdf(agenda, "plan", DOCENTE, corte))


def test_una_visita_tardia_ocupa_la_visita_que_falto_y_cuenta_en_la_fase_mas_cercana():
    # Given the IES Miguel Grau plan (seed 003: deadlines 30/04, 12/07, 27/09, 30/11; phases to 30/11)
    grupos, fases = _grupos("protocolo-interno-ies-miguel-grau-2024.json")
    agenda = _Agenda(_plan(grupos, fases), [date(2024, 10, 10), date(2024, 12, 5)])
    corte = date(2024, 12, 13)
    # When the directivo visited the docente in October and, late, in December (after every deadline)
    a = ejecucion.avance(agenda, agenda.plan, corte)
    # Then the December visit makes up for the last one missed (before 27/09)
    assert _fechas_por_columna(a) == [None, None, "2024-12-05", "2024-10-10"]
    # and the informe counts both, and the planificador shows it in the exit phase (the nearest)
    informe = _plano(documentos.informe_pdf(agenda, "plan", corte))
    assert "4 2 10/10/2024, 05/12/2024 50 %" in informe, informe
    assert [[v["fecha_inicio"] for v in visitas] for _, visitas in ejecucion.fases(a, DOCENTE)] == [
        [], [], [date(2024, 10, 10), date(2024, 12, 5)]]
    assert "✓ 05/12/2024" in _plano(documentos.planificador_pdf(agenda, "plan", DOCENTE, corte))
