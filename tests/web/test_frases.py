"""Every fact that can reach a docente's history is told to him in a sentence of its own, never by its
technical name."""

from __future__ import annotations

from services.web import frases
from shared import contracts as c
from shared.contracts import IntegrationEvent


def en_la_historia_de_un_docente(contrato: type[IntegrationEvent]) -> bool:
    """The facts evaluacion's history files under a docente (services/evaluacion/historia.py docentes_de)."""
    campos = contrato.model_fields
    return ("docente_id" in campos or "docente_ids" in campos or "docente_visitante_id" in campos
            or issubclass(contrato, c.ActaGIARegistradaV1 | c.ActaRTCRegistradaV1 | c.EncuestaSatisfaccionRespondidaV1))


def test_cada_hecho_de_la_historia_de_un_docente_tiene_su_frase() -> None:
    # Given every published fact that names a docente
    eventos = {contrato.evento for contrato in IntegrationEvent.registry.values()
               if en_la_historia_de_un_docente(contrato)}
    assert {"VisitaRealizada", "ActaGIARegistrada", "CursoVirtualCompletado", "TallerCancelado",
            "VisitaEntreParesRealizada"} <= eventos
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


def test_la_visita_entre_pares_se_cuenta_desde_el_lado_de_cada_docente() -> None:
    # Given a peer visit: Rosa observed Juan's class; it is filed under both
    rosa, juan = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"
    h = {"evento": "VisitaEntreParesRealizada", "registrado_en": "2020-10-06",
         "contenido": {"docente_visitante_id": rosa, "docente_visitado_id": juan, "fecha": "2020-10-05",
                       "codigo_modular": "0236885", "anexo": 0}}
    nombres = {rosa: "Rosa Mamani", juan: "Juan Quispe"}
    # Then each reads it from his side, with the colleague's name and the date
    assert frases.hecho(h, nombres, {}, rosa).startswith(
        "Visita entre pares: observó la clase de Juan Quispe el 05/10/2020.")
    assert frases.hecho(h, nombres, {}, juan).startswith(
        "Visita entre pares: Rosa Mamani observó su clase el 05/10/2020.")
    # And a colleague whose name he may not see is named by what he is, never by an id
    assert frases.hecho(h, {}, {}, juan).startswith(
        "Visita entre pares: un colega de su IE observó su clase el 05/10/2020.")


def test_cada_lectura_de_sus_datos_se_cuenta_como_lo_que_fue() -> None:
    # Given an auditor's read of his history (with its reason) and one of his personal data in focalizacion
    # (as evaluacion's /accesos lists them: the latter names its service and route, and has no reason)
    historia = {"en": "2020-10-05T10:00:00+00:00", "usuario": "aud-1", "rol": "auditor",
                "motivo": "Denuncia 12-2020", "consulta": {"al": "2020-10-05"}}
    persona = {"en": "2020-10-06T10:00:00+00:00", "usuario": "aud-1", "rol": "auditor", "motivo": None,
               "consulta": {"servicio": "focalizacion", "ruta": "GET /v1/docentes/{docente_id}/persona",
                            "docente_id": "11111111-1111-1111-1111-111111111111"}}
    # Then the first is a read of his history with its reason
    assert frases.acceso(historia, {}) == (
        "Un auditor leyó su historia el 05/10/2020. Motivo: Denuncia 12-2020")
    # And the second says what was read and where, and no reason it never carried
    texto = frases.acceso(persona, {})
    assert texto == "Un auditor consultó sus datos personales en Focalización el 06/10/2020."
    assert "historia" not in texto and "Motivo" not in texto
