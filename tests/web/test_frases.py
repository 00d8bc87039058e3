"""Every fact that can reach a docente's history is told to him in a sentence of its own, never by its
technical name."""

from __future__ import annotations

from services.web import frases
from shared import contracts as c
from shared.contracts import IntegrationEvent


def en_la_historia_de_un_docente(contrato: type[IntegrationEvent]) -> bool:
    """The facts evaluacion's history files under a docente (services/evaluacion/historia.py docentes_de)."""
    campos = contrato.model_fields
    return ("docente_id" in campos or "docente_ids" in campos
            or issubclass(contrato, c.ActaGIARegistradaV1 | c.ActaRTCRegistradaV1 | c.EncuestaSatisfaccionRespondidaV1))


def test_cada_hecho_de_la_historia_de_un_docente_tiene_su_frase() -> None:
    # Given every published fact that names a docente
    eventos = {contrato.evento for contrato in IntegrationEvent.registry.values()
               if en_la_historia_de_un_docente(contrato)}
    assert {"VisitaRealizada", "ActaGIARegistrada", "CursoVirtualCompletado", "TallerCancelado"} <= eventos
    # Then each has its sentence
    assert sorted(eventos - set(frases.EVENTOS)) == []


def test_un_hecho_sin_frase_no_muestra_su_nombre_tecnico() -> None:
    # When a fact without a sentence of its own reaches the history
    texto = frases.hecho({"evento": "HechoNuevoDeOtroServicio", "contenido": {}, "registrado_en": "2020-10-05"}, {}, {})
    # Then the docente reads a neutral sentence, not the fact's name
    assert "HechoNuevoDeOtroServicio" not in texto
    assert texto.startswith("Se registró un hecho de su acompañamiento.")


def test_el_curso_virtual_completado_dice_cual_y_cuando() -> None:
    texto = frases.hecho({"evento": "CursoVirtualCompletado", "registrado_en": "2020-10-06",
                          "contenido": {"curso": "Evaluación formativa", "fecha": "2020-10-05"}}, {}, {})
    assert texto.startswith("Completó el curso virtual «Evaluación formativa» el 05/10/2020.")
