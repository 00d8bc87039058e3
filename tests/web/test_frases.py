"""Every fact that can reach a docente's history is told to him in a sentence of its own, never by its
technical name."""

from __future__ import annotations

import pytest

from services.web import frases
from shared import contracts as c
from shared.catalogo import ejemplo
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


# --- facts about a docente's record, whose v2 carries no free text about him (docs/datos-personales.md) ---

ROSA = "33333333-3333-3333-3333-333333333333"
SIN_TEXTO_LIBRE = (c.ObservacionRegistradaV2, c.ObservacionCorregidaV2, c.RetroalimentacionBrindadaV2,
                   c.CompromisoAsumidoV2, c.CompromisoVerificadoV2, c.NecesidadFormativaRegistradaV2)


def de_la_historia(contrato: type[IntegrationEvent], **campos: object) -> dict:
    """The fact as evaluacion's history hands it: its name and its payload (the contract's example)."""
    contenido = {**ejemplo(contrato), "acompanante_id": ROSA, **campos}
    return {"evento": contrato.evento, "contenido": contrato.model_validate(contenido).model_dump(mode="json"),
            "registrado_en": "2020-10-06"}


@pytest.mark.parametrize("contrato", SIN_TEXTO_LIBRE, ids=lambda k: k.evento)
@pytest.mark.parametrize("personas", [{ROSA: "Rosa Mamani"}, {}], ids=["con-nombre", "sin-nombre"])
def test_cada_hecho_sin_texto_libre_se_lee_bien(contrato, personas) -> None:
    # Given a v2 fact of his record (no free text), his coach named or not
    texto = frases.hecho(de_la_historia(contrato), personas, {})
    # Then its sentence has no empty quotes, no dangling punctuation, no placeholder and no id
    for roto in ("«»", "« »", ": .", " .", " ,", "  ", "{", "}", ROSA):
        assert roto not in texto, (roto, texto)
    assert texto.endswith(". Registrado el 06/10/2020."), texto
    assert ("Rosa Mamani" in texto) == bool(personas) or contrato is c.ObservacionCorregidaV2, texto


def test_el_compromiso_asumido_se_cuenta_por_su_competencia_y_su_fecha_limite() -> None:
    # Given a commitment as v2 publishes it: no description, its competence and due date
    h = de_la_historia(c.CompromisoAsumidoV2, competencia="C4", fecha_limite="2020-11-30")
    # Then the docente reads whom with, in what and until when, without empty quotes
    assert frases.hecho(h, {ROSA: "Rosa Mamani"}, {}) == (
        "Asumió un compromiso por Rosa Mamani en la competencia «C4: Conduce el proceso de enseñanza», "
        "con fecha límite el 30/11/2020. Registrado el 06/10/2020.")
    # and one without a competence still reads well
    sin_competencia = de_la_historia(c.CompromisoAsumidoV2, competencia=None, fecha_limite="2020-11-30")
    assert frases.hecho(sin_competencia, {}, {}).startswith(
        "Asumió un compromiso, con fecha límite el 30/11/2020. Registrado")
    # while a commitment published before (v1) still says what it was
    v1 = de_la_historia(c.CompromisoAsumidoV1, descripcion="Preguntar a quienes no participan")
    assert frases.hecho(v1, {ROSA: "Rosa Mamani"}, {}).startswith(
        "Asumió un compromiso por Rosa Mamani: «Preguntar a quienes no participan».")


def test_la_necesidad_formativa_dice_en_que_competencia() -> None:
    h = de_la_historia(c.NecesidadFormativaRegistradaV2, competencia="C5")
    assert frases.hecho(h, {ROSA: "Rosa Mamani"}, {}).startswith(
        "Se registró una necesidad formativa por Rosa Mamani en la competencia «C5: Evalúa permanentemente el "
        "aprendizaje».")


def test_la_correccion_de_una_observacion_nombra_a_quien_la_corrigio() -> None:
    # Given an observation by Rosa corrected by a UGEL specialist, and one she corrected herself
    por_especialista = de_la_historia(c.ObservacionCorregidaV2, autor_id="esp-ugel-7", autor_rol="especialista_ugel")
    por_ella = de_la_historia(c.ObservacionCorregidaV2, autor_id=ROSA, autor_rol="acompanante")
    # Then the first names the specialist by his role (never his account), not Rosa; the second names her
    assert frases.hecho(por_especialista, {ROSA: "Rosa Mamani"}, {}).startswith(
        "Se corrigió una observación de su clase por un especialista de la UGEL.")
    assert frases.hecho(por_ella, {ROSA: "Rosa Mamani"}, {}).startswith(
        "Se corrigió una observación de su clase por Rosa Mamani.")


def test_el_compromiso_sin_descripcion_no_muestra_comillas_vacias() -> None:
    # Given a commitment as the docente's page lists it, its description not at hand
    k = {"fecha_visita": "2020-10-05", "fecha_visita_fin": "2020-10-05", "item": "D1", "fecha_limite": "2020-11-30",
         "estado": "pendiente"}
    # Then its sentence reads without empty quotes; with a description, it quotes it
    assert frases.compromiso(k, {"D1": "Involucra a los estudiantes"})["frase"] == (
        "Asumido en la visita el 05/10/2020 (D1: Involucra a los estudiantes). Fecha límite: 30/11/2020.")
    assert "«Preguntar»" in frases.compromiso({**k, "descripcion": "Preguntar"}, {})["frase"]
