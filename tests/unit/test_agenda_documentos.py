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

from services.agenda import documentos
from services.agenda.protocolos import Protocolo

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

    def __init__(self, plan: dict, visitas: list[date]) -> None:
        self.plan = SimpleNamespace(plan=plan, estado="aprobado", aprobacion=None, socializacion=None, ejecucion=None)
        self.proyecciones = SimpleNamespace(actividades=lambda *_: [
            {"tipo": "visita", "estado": "realizada", "fecha_inicio": d, "datos": {"docentes": [DOCENTE]}}
            for d in visitas])

    def plan_ie(self, _: str) -> SimpleNamespace:
        return self.plan


def _plan(grupos: list[dict], fases: list[dict] | None = None) -> dict:
    componentes = {"visitas": {"grupos": grupos, "dias_total": len(grupos)}, "gia": {"cantidad": 0, "horas_min": 3},
                   "rtc": {"cantidad": 0, "horas_min": 3}, "talleres_docentes": {"cantidad": 0, "dias_total": 0}}
    return {"ie": "0573436-0", "anio": 2024, "dre": "DRE-PUNO", "ugel": "UGEL-EL-COLLAO", "directivo_id": DIRECTIVO,
            "director": "Director de la IE", "protocolo": "PROPIO@1", "anio_escolar": ["2024-03-11", "2024-12-20"],
            "docentes": [{"docente_id": DOCENTE, "grado_seccion": "3.° B"}],
            "componentes": {**componentes, "fases": fases or []}}


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
    a = documentos.avance(agenda, agenda.plan, date(2024, 12, 13))
    assert [len(visitas) for _, visitas in documentos.fases(a, DOCENTE)] == [1, 0]


def test_con_las_fases_de_la_plantilla_el_ultimo_dia_de_una_fase_es_solo_suyo():
    # Given the IES Miguel Grau phases (both ends included) and visits on the last day of two of them
    fases = [{"nombre": "diagnostica", "desde": "03-01", "hasta": "04-30"},
             {"nombre": "mejora", "desde": "05-01", "hasta": "09-30", "hitos": ["07-12", "09-27"]},
             {"nombre": "salida", "desde": "10-01", "hasta": "11-30"}]
    plan = _plan([{"cantidad": 1, "dias_min": 1, "dias_max": 1, "antes_de": d} for d in ("04-30", "09-30", "11-30")],
                 fases)
    agenda = _Agenda(plan, [date(2024, 4, 30), date(2024, 9, 30), date(2024, 10, 1)])
    a = documentos.avance(agenda, agenda.plan, date(2024, 12, 13))
    # Then each counts in one phase: 30/04 in the diagnostic one, 30/09 in improvement, 01/10 in exit
    assert [[v["fecha_inicio"].day for v in visitas] for _, visitas in documentos.fases(a, DOCENTE)] == [[30], [30], [1]]


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
