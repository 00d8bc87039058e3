"""Each kind of fact with a sentence of its own (services/evaluacion/frases.py::FRASES) tells it in Spanish,
with the names the reader may see, and never prints an id or a dict."""

from __future__ import annotations

import re
import uuid

import pytest

from services.evaluacion.frases import FRASES, Relato

DOCENTE, ACOMPANANTE, COLEGA = (str(uuid.uuid5(uuid.NAMESPACE_URL, f"frases/{n}")) for n in ("d", "a", "c"))
CONTENIDO = {"acompanante_id": ACOMPANANTE, "de_acompanante_id": ACOMPANANTE, "a_acompanante_id": COLEGA,
             "autor_id": COLEGA, "docente_visitante_id": COLEGA, "docente_visitado_id": DOCENTE,
             "codigo_modular": "0236885", "anexo": 0, "anio": 2020, "etapa": 1, "fecha": "2020-04-10",
             "competencia": "C4", "nivel": "II", "niveles": {"C2": "II"}, "motivo": "cambio de IE"}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.mark.parametrize("evento", sorted(FRASES))
def test_cada_hecho_se_cuenta_con_nombres_sin_ids(evento):
    # Given the names the reader may see
    relato = Relato(DOCENTE, {ACOMPANANTE: "Ana Quispe", COLEGA: "Beto Mamani"}, {"0236885-0": "IEI N°246"})
    # When a fact of this kind is told
    frase = relato.frase({"evento": evento, "servicio": "agenda"}, CONTENIDO)
    # Then it is one sentence of its own, without ids, dicts or the fact's technical name
    assert frase.endswith(".") and frase[0].isupper(), frase
    assert not UUID.search(frase) and "{" not in frase and evento not in frase, frase
    assert "Se registró un hecho de su acompañamiento" not in frase, frase
