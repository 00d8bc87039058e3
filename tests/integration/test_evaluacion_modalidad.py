"""The reports of evaluacion count coaching plans only: the external modality (NT-026 §5.2.2). A
school's directivo also coaches his own docentes (modalidad interna, §5.2.1), and agenda publishes
that plan too; a docente in both is one docente coached, with one plan to fulfil.

Given a multigrado docente of IE 0236885-0 coached in 2020 by his acompañante (six visits planned)
and, the same year, in his school's internal plan by his directivo; one visit of the acompañante, an
observation, the initial situation, a valuation and the etapa's close.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import inspect, text

from services.evaluacion import comandos as cmd
from services.evaluacion import reportes, reportes_matrices
from services.evaluacion.application import Evaluacion
from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.metas import competencias
from services.evaluacion.projections import Proyecciones
from shared import contracts as c
from tests.support.evaluacion import Bombeo, niveles_iniciales, observacion, plan


def _id(texto: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"evaluacion-modalidad/{texto}"))


DOCENTE, ACOMPANANTE, DIRECTIVO = _id("docente"), _id("acompanante"), _id("directivo")


def interno(docente: str, anio: int) -> c.PlanAnualGeneradoV1:
    """The school's own plan for the docente, led by its directivo."""
    return plan(docente, DIRECTIVO, anio).model_copy(update={
        "plan_id": uuid.UUID(_id(f"interno/{docente}/{anio}")), "modalidad": "interna"})


def visita(docente: str) -> c.VisitaRealizadaV1:
    return c.VisitaRealizadaV1(
        visita_id=uuid.uuid4(), docente_id=docente, acompanante_id=ACOMPANANTE, codigo_modular="0236885",
        dre="DRE-PUNO", ugel="UGEL-EL-COLLAO", anio=2020, fecha_inicio=date(2020, 4, 1), fecha_fin=date(2020, 4, 2),
        dias=2, acciones=["observacion", "asesoria"])


def reportes_del_anio(proyecciones: Proyecciones) -> dict[str, list[dict]]:
    """As recorded now."""
    ahora = reportes.Corte.de(None)
    return {
        "cumplimiento": proyecciones.leer("seguimiento", lambda conn, t: reportes_matrices.cumplimiento(
            conn, t, ahora, 2020, "ugel")),
        "resultados": proyecciones.leer("progreso", lambda conn, t: reportes.resultados_etapa(
            conn, t, ahora, "2020-2022", 1, "ugel")),
        "valoraciones": proyecciones.leer("progreso", lambda conn, t: reportes.valoraciones_del_periodo(
            conn, t, ahora, date(2020, 4, 1), date(2020, 6, 30))),
        "practica": proyecciones.leer("practica", lambda conn, t: reportes_matrices.practica(conn, t, ahora, 2020, "docente")),
    }


def test_el_docente_con_plan_externo_e_interno_cuenta_una_vez(make_settings, closing):
    settings = make_settings(EvaluacionSettings)
    app = closing(Evaluacion(settings, reloj=lambda: date(2021, 2, 1)))
    proyecciones = closing(Proyecciones(settings))
    bombeo = Bombeo(app, proyecciones)
    app.publicar_metas_incluidas()
    bombeo.recibir(plan(DOCENTE, ACOMPANANTE, 2020))
    bombeo.recibir(interno(DOCENTE, 2020))
    bombeo.recibir(visita(DOCENTE))
    obs = observacion(DOCENTE, ACOMPANANTE, date(2020, 4, 10), niveles={"D1": "II"})
    bombeo.recibir(obs)
    comps = competencias("multigrado")
    assert app.registrar_situacion_inicial(cmd.RegistrarSituacionInicial(DOCENTE, ACOMPANANTE, date(2020, 4, 15),
                                           niveles_iniciales(comps, "I", str(obs.observacion_id))))
    assert app.valorar(cmd.Valorar(DOCENTE, _id("valoracion"), ACOMPANANTE, date(2020, 6, 1), "C4", "II",
                       [str(obs.observacion_id)]))
    assert app.cerrar_etapa(cmd.CerrarEtapa(DOCENTE, ACOMPANANTE, 2020, date(2020, 12, 10), dict.fromkeys(comps, "II")))
    bombeo.propios()

    # When the reports of 2020 are read
    leido = reportes_del_anio(proyecciones)

    # Then the docente counts once, against his acompañante's plan (six visits), not twice (twelve)
    [cumplimiento] = leido["cumplimiento"]
    assert (cumplimiento["docentes"], cumplimiento["visitas_planificado"], cumplimiento["visitas_realizado"]) == (
        1, 6, 1)
    assert cumplimiento["visitas_porcentaje"] == 16.7
    assert {f["competencia"]: f["docentes"] for f in leido["resultados"]} == dict.fromkeys(comps, 1)
    assert [(f["competencia"], f["valoraciones"]) for f in leido["valoraciones"]] == [("C4", 1)]
    assert [(f["docente_id"], f["item"], f["observaciones"]) for f in leido["practica"]] == [(DOCENTE, "D1", 1)]
    # and his progress lists his coaching plan only
    progreso = proyecciones.leer("progreso", lambda conn, t: reportes.progreso_docente(
        conn, t, DOCENTE, reportes.Corte.de(None)))
    assert [(p["anio"], p["acompanante_id"]) for p in progreso["planes"]] == [(2020, ACOMPANANTE)]


def test_un_almacen_de_antes_de_la_modalidad_sigue_respondiendo(make_settings, closing):
    """Given a read model built before plans kept their modalidad (its plan tables without the column),
    holding the docente's coaching plan."""
    settings = make_settings(EvaluacionSettings)
    app = closing(Evaluacion(settings, reloj=lambda: date(2021, 2, 1)))
    antes = Proyecciones(settings)
    Bombeo(app, antes).recibir(plan(DOCENTE, ACOMPANANTE, 2020))
    with antes.store.engine.begin() as conn:
        for nombre in ("progreso", "seguimiento", "practica"):
            conn.execute(text(f"ALTER TABLE {nombre}_planes DROP COLUMN modalidad"))
    antes.close()

    # When the service starts again on it
    proyecciones = closing(Proyecciones(settings))
    bombeo = Bombeo(app, proyecciones)
    bombeo.otras = 100  # envelope ids of its own, after those of the first start
    columnas = {c_["name"] for c_ in inspect(proyecciones.store.engine).get_columns(
        "seguimiento_planes", schema=proyecciones.store.schema)}
    assert "modalidad" in columnas

    # Then the plan it held counts as coaching (as it did), and an internal plan arriving now does not
    bombeo.recibir(interno(DOCENTE, 2020))
    bombeo.recibir(visita(DOCENTE))
    [cumplimiento] = reportes_del_anio(proyecciones)["cumplimiento"]
    assert (cumplimiento["docentes"], cumplimiento["visitas_planificado"], cumplimiento["visitas_realizado"]) == (
        1, 6, 1)
    filas = proyecciones.leer("seguimiento", lambda conn, t: sorted(
        conn.execute(t.planes.select().with_only_columns(t.planes.c.acompanante_id, t.planes.c.modalidad)).tuples()))
    assert sorted(filas) == sorted([(ACOMPANANTE, "externa"), (DIRECTIVO, "interna")])


def _reconstruida(proyeccion, envelopes) -> int:
    """A new generation of ``proyeccion`` built from ``envelopes`` (as the rebuild reads the stream), active."""
    generacion = proyeccion.empezar_construccion()
    proyeccion.aplicar_lote(envelopes, generacion)
    proyeccion.activar(generacion)
    return generacion


def test_la_practica_cuenta_solo_las_observaciones_del_acompanante(make_settings, closing):
    """Given the docente in his acompañante's plan and in his directivo's internal plan of 2020, observed
    by the acompañante in D1 at level II and, in a visit of the internal plan, by his directivo at level III."""
    settings = make_settings(EvaluacionSettings)
    app = closing(Evaluacion(settings, reloj=lambda: date(2021, 2, 1)))
    proyecciones = closing(Proyecciones(settings))
    bombeo = Bombeo(app, proyecciones)
    del_directivo = visita(DOCENTE).model_copy(update={"acompanante_id": uuid.UUID(DIRECTIVO), "dias": 1})
    envelopes = [bombeo.recibir(hecho) for hecho in (
        plan(DOCENTE, ACOMPANANTE, 2020), interno(DOCENTE, 2020), visita(DOCENTE), del_directivo,
        observacion(DOCENTE, ACOMPANANTE, date(2020, 4, 10), niveles={"D1": "II"}),
        observacion(DOCENTE, DIRECTIVO, date(2020, 5, 20), niveles={"D1": "III"}))]

    # When the práctica of 2020 is read
    def practica(p: Proyecciones) -> list[tuple]:
        return [(f["docente_id"], f["item"], f["observaciones"], f["primer_nivel"], f["ultimo_nivel"])
                for f in reportes_del_anio(p)["practica"]]

    # Then only the acompañante's observation counts: one, at level II (not two, ending at III)
    assert practica(proyecciones) == [(DOCENTE, "D1", 1, "II", "II")]
    # and a rebuild of the projection from the stream gives the same rows and the same answer
    en_vivo = proyecciones.practica.checksum()
    _reconstruida(proyecciones.practica, envelopes)
    assert proyecciones.practica.checksum() == en_vivo
    assert practica(proyecciones) == [(DOCENTE, "D1", 1, "II", "II")]


def test_un_almacen_de_antes_del_observador_sigue_respondiendo(make_settings, closing):
    """Given a read model built before observations kept who observed, holding the acompañante's
    observation of the docente."""
    settings = make_settings(EvaluacionSettings)
    app = closing(Evaluacion(settings, reloj=lambda: date(2021, 2, 1)))
    antes = Proyecciones(settings)
    bombeo = Bombeo(app, antes)
    envelopes = [bombeo.recibir(plan(DOCENTE, ACOMPANANTE, 2020)),
                 bombeo.recibir(observacion(DOCENTE, ACOMPANANTE, date(2020, 4, 10), niveles={"D1": "II"}))]
    with antes.store.engine.begin() as conn:
        conn.execute(text("ALTER TABLE practica_observaciones DROP COLUMN acompanante_id"))
    antes.close()

    # When the service starts again on it, and the directivo's observation in the internal plan arrives
    proyecciones = closing(Proyecciones(settings))
    bombeo = Bombeo(app, proyecciones)
    bombeo.otras = 100  # envelope ids of its own, after those of the first start
    envelopes += [bombeo.recibir(interno(DOCENTE, 2020)),
                  bombeo.recibir(observacion(DOCENTE, DIRECTIVO, date(2020, 5, 20), niveles={"D1": "III"}))]

    # Then the observation it held counts (as it did), the directivo's does not
    [fila] = reportes_del_anio(proyecciones)["practica"]
    assert (fila["observaciones"], fila["ultimo_nivel"]) == (1, "II")
    # and after a rebuild, which reads each observer from its event, the answer is the same
    _reconstruida(proyecciones.practica, envelopes)
    [fila] = reportes_del_anio(proyecciones)["practica"]
    assert (fila["observaciones"], fila["ultimo_nivel"]) == (1, "II")
