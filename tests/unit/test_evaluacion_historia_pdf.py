"""A docente's history in PDF, as an auditor files it: every fact a sentence with who, where and when, read
back with pypdf; never an id, a dict or a fact's technical name."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

from pypdf import PdfReader

from services.evaluacion import exportar

DOCENTE = str(uuid.uuid4())
ACOMPANANTE = str(uuid.uuid4())
OTRO = str(uuid.uuid4())
NOTA = "Lo registrado hasta el 31/12/2021 23:59:59 (hora de Lima)."
IE = {"codigo_modular": "0236885", "anexo": 0}


def hecho(i: int, servicio: str, evento: str, contenido: dict[str, Any], usuario: str = "sistema",
          rol: str = "sistema", ocurrido: str | None = None) -> dict[str, Any]:
    return {"servicio": servicio, "evento": evento, "version": 1, "evento_id": f"{servicio}:{uuid.uuid4()}:{i}",
            "posicion": i, "secuencia": i, "registrado_en": f"2021-0{i}-10T15:00:00.000000Z", "ocurrido": ocurrido,
            "anio": 2021, "usuario": usuario, "rol": rol, "traza": "0" * 32,
            "contenido": json.dumps({"docente_id": DOCENTE, "dre": "DRE-PUNO", "ugel": "UGEL-EL-COLLAO", **contenido})}


HECHOS = [
    hecho(1, "focalizacion", "DocenteAsignado", {"convocatoria": "2020-2022", "acompanante_id": ACOMPANANTE, **IE}),
    hecho(2, "agenda", "VisitaRealizada", {"visita_id": str(uuid.uuid4()), "acompanante_id": ACOMPANANTE,
                                           "fecha_inicio": "2021-04-05", "fecha_fin": "2021-04-06", **IE},
          usuario=ACOMPANANTE, rol="acompanante", ocurrido="2021-04-05"),
    hecho(3, "evaluacion", "NivelCompetenciaValorado", {"acompanante_id": ACOMPANANTE, "competencia": "C4",
                                                        "nivel": "III", "fecha": "2021-06-01", **IE},
          usuario=ACOMPANANTE, rol="acompanante", ocurrido="2021-06-01"),
    hecho(4, "evaluacion", "EtapaCerrada", {"acompanante_id": ACOMPANANTE, "etapa": 2, "anio": 2021,
                                            "fecha": "2021-12-10", "niveles": {"C2": "II", "C4": "III"},
                                            "correccion": 0, **IE}, ocurrido="2021-12-10"),
    hecho(5, "agenda", "VisitaCancelada", {"acompanante_id": OTRO, "fecha_inicio": "2021-05-03",
                                           "motivo": "Paro regional", **IE}, usuario=OTRO, rol="acompanante"),
    hecho(6, "evidencias", "HechoQueAunNoTieneFrase", {"dato": {"anidado": 1}}),
]
HISTORIA = {"total": len(HECHOS), "pagina": 1, "por_pagina": 100, "hechos": HECHOS}


def texto_de(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def test_sin_nombres_la_historia_se_cuenta_con_roles_y_codigos_nunca_con_ids():
    texto = texto_de(exportar.pdf_historia(DOCENTE, HISTORIA, NOTA))
    assert "Historia de un docente acompañado" in texto and "6 hechos" in texto
    assert "Se le asignó como acompañante a su acompañante" in texto
    assert "Su acompañante lo visitó en la IE de código modular 0236885-0 del 05/04/2021 al 06/04/2021." in texto
    assert "Su acompañante valoró su competencia C4 (conduce la enseñanza) en el nivel III el 01/06/2021." in texto
    assert "Se cerró la etapa 2 (2021) el 10/12/2021, con los niveles logrados C2 (planifica la enseñanza): nivel II" \
           in texto
    assert "Motivo: Paro regional." in texto and "Se canceló una visita" in texto
    assert "Se registró un hecho de su acompañamiento en Evidencias." in texto
    # who recorded each fact: his role, never his id; and where it lies in its service's chain
    assert "un acompañante" in texto and "Agenda, hecho n.º 2" in texto
    for nunca in (DOCENTE, ACOMPANANTE, OTRO, "VisitaRealizada", "EtapaCerrada", "{", "anidado", "docente_id"):
        assert nunca not in texto, nunca


def test_con_los_nombres_que_el_lector_puede_ver():
    personas = {DOCENTE: "María Quispe", ACOMPANANTE: "Rosa Mamani"}
    texto = texto_de(exportar.pdf_historia(DOCENTE, HISTORIA, NOTA, personas, {"0236885-0": "IEI N°246"}))
    assert "Historia de María Quispe" in texto
    assert "Rosa Mamani lo visitó en IEI N°246 del 05/04/2021 al 06/04/2021." in texto
    # a person whose name the reader may not see is told by his part in the story
    assert "a cargo de su acompañante. Motivo: Paro regional." in texto
    assert ACOMPANANTE not in texto and OTRO not in texto
