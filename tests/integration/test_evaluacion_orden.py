"""evaluacion's read models do not depend on the order in which facts delivered by different durable
consumers arrive: a docente's initial situation (``SituacionInicialRegistrada``) and his later valuation
(``NivelCompetenciaValorado``) have consumers of their own, so either may be applied first.

Given a multigrado docente of IE 0236885-0 coached in 2020 by his acompañante, observed once; his initial
situation, then a valuation of C4, recorded and published by evaluacion.
"""

from __future__ import annotations

import uuid
from datetime import date

from services.evaluacion import comandos as cmd
from services.evaluacion import reportes
from services.evaluacion.application import Evaluacion
from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.metas import competencias
from services.evaluacion.projections import Proyecciones
from shared.contracts import Envelope
from tests.support.evaluacion import Bombeo, niveles_iniciales, observacion, plan


def _id(texto: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"evaluacion-orden/{texto}"))


DOCENTE, ACOMPANANTE = _id("docente"), _id("acompanante")


def _estado(proyecciones: Proyecciones) -> dict[str, object]:
    """Every projection's rows, and what the docente's progress and the period's valuations answer."""
    ahora = reportes.Corte.de(date(2100, 1, 1))  # one cut for every read, after all was recorded
    return {
        **proyecciones.checksums(),
        "progreso_docente": proyecciones.leer("progreso", lambda conn, t: reportes.progreso_docente(
            conn, t, DOCENTE, ahora)),
        "valoraciones": proyecciones.leer("progreso", lambda conn, t: reportes.valoraciones_del_periodo(
            conn, t, ahora, date(2020, 4, 1), date(2020, 6, 30))),
    }


def _en_vivo(proyecciones: Proyecciones, llegada: list[Envelope]) -> dict[str, object]:
    """Fresh generations of every projection fed ``llegada`` through the live path (the matrices' consumers
    and the history's), in that order."""
    for proyeccion in proyecciones.todas.values():
        proyeccion.activar(proyeccion.empezar_construccion())
    for envelope in llegada:
        proyecciones.aplicar(envelope)
        proyecciones.historia.aplicar(envelope)
    return _estado(proyecciones)


def _reconstruido(proyecciones: Proyecciones, stream: list[Envelope]) -> dict[str, object]:
    """Every projection rebuilt from the stream."""
    for proyeccion in proyecciones.todas.values():
        generacion = proyeccion.empezar_construccion()
        proyeccion.aplicar_lote(stream, generacion)
        proyeccion.activar(generacion)
    return _estado(proyecciones)


def test_la_situacion_inicial_y_la_valoracion_en_cualquier_orden_dan_las_mismas_filas(make_settings, closing):
    settings = make_settings(EvaluacionSettings)
    app = closing(Evaluacion(settings, reloj=lambda: date(2021, 2, 1)))
    proyecciones = closing(Proyecciones(settings))
    bombeo = Bombeo(app, proyecciones)
    app.publicar_metas_incluidas()
    ajenos = [bombeo.recibir(plan(DOCENTE, ACOMPANANTE, 2020))]
    obs = observacion(DOCENTE, ACOMPANANTE, date(2020, 4, 10), niveles={"D1": "II"})
    ajenos.append(bombeo.recibir(obs))
    previos = bombeo.propios()
    assert app.registrar_situacion_inicial(cmd.RegistrarSituacionInicial(DOCENTE, ACOMPANANTE, date(2020, 4, 15),
                                           niveles_iniciales(competencias("multigrado"), "I", str(obs.observacion_id))))
    assert app.valorar(cmd.Valorar(DOCENTE, _id("valoracion"), ACOMPANANTE, date(2020, 6, 1), "C4", "II",
                       [str(obs.observacion_id)]))
    [inicial, valoracion] = bombeo.propios()
    assert (inicial.data.evento, valoracion.data.evento) == ("SituacionInicialRegistrada", "NivelCompetenciaValorado")
    antes = [*ajenos, *previos]

    # When the facts reach the projections live with the initial situation first, and again with the
    # valuation first (each through its own consumer), and when they are rebuilt from the stream
    primero_inicial = _en_vivo(proyecciones, [*antes, inicial, valoracion])
    primero_valoracion = _en_vivo(proyecciones, [*antes, valoracion, inicial])
    reconstruido = _reconstruido(proyecciones, [*antes, inicial, valoracion])

    # Then every projection holds the same rows and answers the same, whichever came first
    assert primero_valoracion == primero_inicial
    assert reconstruido == primero_inicial
    [c4] = [f for f in primero_valoracion["progreso_docente"]["competencias"] if f["competencia"] == "C4"]
    assert (c4["inicial"]["nivel"], [v["nivel"] for v in c4["valoraciones"]]) == ("I", ["II"])
    assert [(f["competencia"], f["valoraciones"]) for f in primero_valoracion["valoraciones"]] == [("C4", 1)]
