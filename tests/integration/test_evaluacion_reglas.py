"""The rules of evaluacion, driven through its application on SQLite and on PostgreSQL.

What agenda, evidencias and focalizacion publish (plans, reassignments, observations,
acompañantes) reaches evaluacion's own consumer handlers through ``Bombeo``; evaluacion's
stored events go to its projections as the relay would. Each test records what a coach or a
specialist would and checks one rule: a refusal raises the error class its HTTP status comes
from, names the reason in Spanish, and records nothing. The clock is the test's own
(``Mundo.hoy``), so "future" is whatever the test says.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from services.evaluacion import comandos as cmd
from services.evaluacion import domainmodel as dm
from services.evaluacion import encuestas as enc
from services.evaluacion import reportes
from services.evaluacion.acceso import politica as politica_de_acceso
from services.evaluacion.application import Evaluacion, Pendiente
from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.metas import Metas, competencias, incluidas
from services.evaluacion.projections import Proyecciones
from shared import contracts as c
from shared.contracts import Envelope
from shared.eventstore import Conflict, EnEspera, Forbidden
from shared.telemetry import Actor, current_actor
from tests.support.evaluacion import Bombeo, niveles_iniciales, observacion, plan

Invalida = dm.EvaluacionInvalida
CONV = "2020-2022"
RESPUESTAS = {"pertinencia": 4, "calidad_formacion": 5, "calidad_recursos": 3, "utilidad_recursos": 4}


def nuevo_id() -> str:
    return str(uuid.uuid4())


@contextmanager
def como(rol: str, usuario: str = "u-prueba") -> Iterator[None]:
    token = current_actor.set(Actor(usuario=usuario, rol=rol))
    try:
        yield
    finally:
        current_actor.reset(token)


class _Diferidas:
    """Stands in for the projections until a test reads them: keeps what reaches them, in order."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    def aplicar(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope)


class Mundo:
    """evaluacion under test, the clock it reads, and what the other services would have published.

    The projections open when a test first reads them (creating their tables is what takes time on
    PostgreSQL, and most rules never read them); what reached them before is applied then, in order.
    """

    def __init__(self, app: Evaluacion, abrir: Callable[[], Proyecciones], reloj: dict[str, date]) -> None:
        self.app = app
        self.abrir = abrir
        self.bombeo = Bombeo(app, _Diferidas())  # type: ignore[arg-type]
        self.reloj = reloj

    @property
    def proyecciones(self) -> Proyecciones:
        diferidas = self.bombeo.proyecciones
        if isinstance(diferidas, _Diferidas):
            self.bombeo.proyecciones = self.abrir()
            for envelope in diferidas.envelopes:
                self.bombeo.proyecciones.aplicar(envelope)
        return self.bombeo.proyecciones

    @property
    def hoy(self) -> date:
        return self.reloj["hoy"]

    @hoy.setter
    def hoy(self, dia: date) -> None:
        self.reloj["hoy"] = dia

    # --- what agenda, evidencias and focalizacion publish ----------------------------------------

    def docente(self, tipo_ie: str = "multigrado", anios: tuple[int, ...] = (2020,),
                acompanante: str | None = None) -> tuple[str, str]:
        """A docente with agenda's plan for each of ``anios``, held by ``acompanante``."""
        docente, acompanante = nuevo_id(), acompanante or nuevo_id()
        for anio in anios:
            self.bombeo.recibir(plan(docente, acompanante, anio, tipo_ie=tipo_ie))
        return docente, acompanante

    def observar(self, docente: str, acompanante: str, dia: date = date(2020, 4, 10)) -> str:
        o = observacion(docente, acompanante, dia)
        self.bombeo.recibir(o)
        return str(o.observacion_id)

    def reasignar(self, docente: str, anio: int, de: str, a: str, **envio: Any) -> c.PlanAnualReasignadoV1:
        contrato = c.PlanAnualReasignadoV1(
            plan_id=plan(docente, de, anio).plan_id, docente_id=docente, anio=anio, de_acompanante_id=de,
            a_acompanante_id=a, motivo="Licencia del acompañante", dre="DRE-PUNO", ugel="UGEL-EL-COLLAO")
        self.bombeo.recibir(contrato, **envio)
        return contrato

    def cerrar_plan(self, docente: str, acompanante: str, anio: int) -> None:
        self.bombeo.recibir(c.PlanAnualCerradoV1(
            plan_id=plan(docente, acompanante, anio).plan_id, docente_id=docente, anio=anio,
            motivo="Retiro del docente", dre="DRE-PUNO", ugel="UGEL-EL-COLLAO"))

    # --- what the coach records ------------------------------------------------------------------

    def inicial(self, docente: str, acompanante: str, tipo_ie: str = "multigrado", nivel: str = "I",
                dia: date = date(2020, 4, 15), evidencia: str | None = None) -> bool:
        evidencia = evidencia or self.observar(docente, acompanante, dia)
        return self.app.registrar_situacion_inicial(cmd.RegistrarSituacionInicial(docente, acompanante, dia,
                                                    niveles_iniciales(competencias(tipo_ie), nivel, evidencia)))

    def valorar(self, docente: str, acompanante: str, evidencias: list[str], *, competencia: str = "C4",
                nivel: str = "II", dia: date = date(2020, 6, 1), valoracion_id: str | None = None) -> bool:
        return self.app.valorar(cmd.Valorar(docente, valoracion_id or nuevo_id(), acompanante, dia, competencia, nivel, evidencias))

    def cerrar(self, docente: str, acompanante: str, niveles: dict[str, str], anio: int = 2020,
               dia: date | None = None) -> bool:
        return self.app.cerrar_etapa(cmd.CerrarEtapa(docente, acompanante, anio, dia or date(anio, 12, 10), niveles))

    # --- what is recorded ------------------------------------------------------------------------

    def registrados(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    def progreso(self, docente: str, al: datetime | None = None) -> dict[str, Any]:
        proyecciones = self.proyecciones
        self.bombeo.propios()
        corte = reportes.Corte.de(al)
        return proyecciones.leer("progreso", lambda conn, t: reportes.progreso_docente(conn, t, docente, corte))

    @contextmanager
    def rechaza(self, tipo: type[Exception], fragmento: str) -> Iterator[None]:
        """Then the command is refused with ``tipo``, its message says ``fragmento``, and nothing is recorded."""
        antes = self.registrados()
        with pytest.raises(tipo) as rechazo:
            yield
        assert type(rechazo.value) is tipo, f"{type(rechazo.value).__name__}: {rechazo.value}"
        assert fragmento in str(rechazo.value), str(rechazo.value)
        assert self.registrados() == antes, "un comando rechazado registró eventos"


def niveles(tipo_ie: str = "multigrado", nivel: str = "II", **otros: str) -> dict[str, str]:
    return {comp: otros.get(comp, nivel) for comp in competencias(tipo_ie)}


def etapa(progreso: dict[str, Any], competencia: str, numero: int = 1) -> dict[str, Any]:
    comp = next(x for x in progreso["competencias"] if x["competencia"] == competencia)
    return next(e for e in comp["etapas"] if e["etapa"] == numero)


@pytest.fixture
def mundo(make_settings, closing) -> Mundo:
    reloj = {"hoy": date(2021, 12, 20)}
    settings = make_settings(EvaluacionSettings)
    app = closing(Evaluacion(settings, reloj=lambda: reloj["hoy"]))
    mundo = Mundo(app, lambda: closing(Proyecciones(settings)), reloj)
    app.publicar_metas_incluidas()
    mundo.bombeo.propios()
    return mundo


@pytest.fixture
def aula(mundo: Mundo) -> dict[str, str]:
    """A multigrado docente held by his acompañante in 2020, with an observation of April."""
    docente, acompanante = mundo.docente()
    return {"docente": docente, "acompanante": acompanante, "obs": mundo.observar(docente, acompanante)}


@pytest.fixture
def iniciado(mundo: Mundo, aula: dict[str, str]) -> dict[str, str]:
    """The same docente with his initial situation (all at level I) recorded."""
    assert mundo.inicial(aula["docente"], aula["acompanante"], evidencia=aula["obs"])
    return aula


# --- 1. who may value whom, and when --------------------------------------------------------------


def test_sin_plan_ese_anio_no_se_valora_ni_se_cierra(mundo, iniciado):
    # Given a docente known to evaluacion only through his 2020 plan
    d, a = iniciado["docente"], iniciado["acompanante"]
    obs_2021 = mundo.observar(d, a, date(2021, 4, 5))
    # When his coach values, starts or closes 2021 / Then each waits for the 2021 plan, recording nothing
    with mundo.rechaza(EnEspera, "no tiene plan de acompañamiento en 2021"):
        mundo.valorar(d, a, [obs_2021], dia=date(2021, 5, 3))
    with mundo.rechaza(EnEspera, "no tiene plan de acompañamiento en 2021"):
        mundo.inicial(d, a, dia=date(2021, 4, 20), evidencia=obs_2021)
    with mundo.rechaza(EnEspera, "no tiene plan de acompañamiento en 2021"):
        mundo.cerrar(d, a, niveles(), anio=2021)
    # And so does a docente whose plan evaluacion never heard of
    with mundo.rechaza(EnEspera, "no conoce al docente"):
        mundo.valorar(nuevo_id(), a, [obs_2021], dia=date(2021, 5, 3))


def test_lo_valora_solo_el_acompanante_que_lo_tiene_a_cargo(mundo, aula):
    # Given a docente held by his coach / When another coach values him / Then it is refused
    d, otro = aula["docente"], nuevo_id()
    with mundo.rechaza(Invalida, "no está a cargo de ese acompañante en 2020"):
        mundo.inicial(d, otro, evidencia=aula["obs"])
    assert mundo.inicial(d, aula["acompanante"], evidencia=aula["obs"])
    with mundo.rechaza(Invalida, "no está a cargo de ese acompañante"):
        mundo.valorar(d, otro, [aula["obs"]])
    with mundo.rechaza(Invalida, "no está a cargo de ese acompañante"):
        mundo.cerrar(d, otro, niveles())


def test_con_el_plan_cerrado_ya_no_se_valora(mundo, aula):
    # Given a docente whose 2020 plan agenda closed (he left the coaching) before his initial situation
    d, a = aula["docente"], aula["acompanante"]
    mundo.cerrar_plan(d, a, 2020)
    # When his coach values him / Then each is refused, naming the closed plan
    for comando in (lambda: mundo.inicial(d, a, evidencia=aula["obs"]),
                    lambda: mundo.valorar(d, a, [aula["obs"]]),
                    lambda: mundo.cerrar(d, a, niveles())):
        with mundo.rechaza(Invalida, "El plan 2020 del docente está cerrado"):
            comando()


def test_tras_la_reasignacion_valora_el_nuevo_acompanante_y_no_el_anterior(mundo, iniciado):
    # Given a docente started by his first coach, and agenda's reassignment to a second one
    d, antiguo, nuevo = iniciado["docente"], iniciado["acompanante"], nuevo_id()
    mundo.reasignar(d, 2020, antiguo, nuevo)
    # When the first coach values him / Then it is refused
    with mundo.rechaza(Invalida, "no está a cargo de ese acompañante"):
        mundo.valorar(d, antiguo, [iniciado["obs"]])
    # And the second one values and closes (on the first coach's evidence and initial situation)
    assert mundo.valorar(d, nuevo, [iniciado["obs"]], competencia="C5", nivel="II")
    assert mundo.cerrar(d, nuevo, niveles())
    progreso = mundo.progreso(d)
    assert progreso["planes"][0]["acompanante_id"] == nuevo
    assert etapa(progreso, "C5")["logrado"] == "II"


def test_una_reasignacion_que_llega_antes_que_el_plan_se_reintenta(mundo):
    # Given agenda's reassignment reaching evaluacion before the plan it changes
    d, antiguo, nuevo = nuevo_id(), nuevo_id(), nuevo_id()
    envio = {"id_": "agenda:reasignacion-temprana", "tiempo": datetime(2026, 1, 1, 12, tzinfo=UTC)}
    antes = mundo.registrados()
    with pytest.raises(Pendiente, match="aún no se conoce el plan 2020"):
        mundo.reasignar(d, 2020, antiguo, nuevo, **envio)
    assert mundo.registrados() == antes
    # When the plan arrives and the reassignment is delivered again
    mundo.bombeo.recibir(plan(d, antiguo, 2020))
    mundo.reasignar(d, 2020, antiguo, nuevo, **envio)
    # Then the new coach holds him, and a third delivery changes nothing
    registrados = mundo.registrados()
    mundo.reasignar(d, 2020, antiguo, nuevo, **envio)
    assert mundo.registrados() == registrados
    assert mundo.app.docente(d).planes[2020].acompanante_id == nuevo
    obs = mundo.observar(d, nuevo)
    with mundo.rechaza(Invalida, "no está a cargo de ese acompañante"):
        mundo.inicial(d, antiguo, evidencia=obs)
    assert mundo.inicial(d, nuevo, evidencia=obs)


# --- 2. competencies ------------------------------------------------------------------------------


def test_una_competencia_ajena_a_su_tipo_de_ie_se_rechaza(mundo):
    # Given a multigrado docente (C7) and a polidocente one (C6), both started
    multi, a1 = mundo.docente("multigrado")
    poli, a2 = mundo.docente("polidocente_primaria")
    obs_multi, obs_poli = mundo.observar(multi, a1), mundo.observar(poli, a2)
    # When the initial situation of the multigrado docente names C6 / Then it is refused
    con_c6 = niveles_iniciales(("C2", "C3", "C4", "C5", "C6", "C7"), "I", obs_multi)
    with mundo.rechaza(Invalida, "C6 no se desarrolla(n) con un docente de IE multigrado"):
        mundo.app.registrar_situacion_inicial(cmd.RegistrarSituacionInicial(multi, a1, date(2020, 4, 15), con_c6))
    assert mundo.inicial(multi, a1, "multigrado", evidencia=obs_multi)
    assert mundo.inicial(poli, a2, "polidocente_primaria", evidencia=obs_poli)
    # When each is valued in the other's complementary competency / Then it is refused
    with mundo.rechaza(Invalida, "C6 no se desarrolla(n) con un docente de IE multigrado"):
        mundo.valorar(multi, a1, [obs_multi], competencia="C6")
    with mundo.rechaza(Invalida, "C7 no se desarrolla(n) con un docente de IE polidocente_primaria"):
        mundo.valorar(poli, a2, [obs_poli], competencia="C7")
    # And each in his own is accepted
    assert mundo.valorar(multi, a1, [obs_multi], competencia="C7")
    assert mundo.valorar(poli, a2, [obs_poli], competencia="C6")


def test_la_situacion_inicial_y_el_cierre_valoran_todas_sus_competencias(mundo, aula):
    # Given a multigrado docente
    d, a, obs = aula["docente"], aula["acompanante"], aula["obs"]
    # When his initial situation leaves out C5 / Then it is refused
    sin_c5 = niveles_iniciales(("C2", "C3", "C4", "C7"), "I", obs)
    with mundo.rechaza(Invalida, "Falta el nivel de C5"):
        mundo.app.registrar_situacion_inicial(cmd.RegistrarSituacionInicial(d, a, date(2020, 4, 15), sin_c5))
    # When, once started, his close leaves out C7 / Then it is refused
    assert mundo.inicial(d, a, evidencia=obs)
    cierre = niveles()
    del cierre["C7"]
    with mundo.rechaza(Invalida, "Falta el nivel de C7"):
        mundo.cerrar(d, a, cierre)


# --- 3. evidence ----------------------------------------------------------------------------------


def test_la_valoracion_se_sustenta_en_evidencias_del_propio_docente_y_anteriores(mundo, iniciado):
    # Given a started docente, and another docente observed by the same coach
    d, a = iniciado["docente"], iniciado["acompanante"]
    otro, _ = mundo.docente(acompanante=a)
    de_otro = mundo.observar(otro, a, date(2020, 5, 4))
    posterior = mundo.observar(d, a, date(2020, 6, 20))
    # When a valuation rests on the other docente's observation / Then it is refused
    with mundo.rechaza(EnEspera, f"La evidencia {de_otro} no consta para este docente"):
        mundo.valorar(d, a, [iniciado["obs"], de_otro])
    # When it rests on an observation made after it / Then it is refused
    with mundo.rechaza(Invalida, f"La evidencia {posterior} es del 2020-06-20, posterior a la valoración"):
        mundo.valorar(d, a, [posterior], dia=date(2020, 6, 1))
    # When it rests on nothing / Then it is refused
    with mundo.rechaza(Invalida, "se sustenta en evidencias"):
        mundo.valorar(d, a, [])
    # And the initial situation follows the same rule
    with mundo.rechaza(EnEspera, "no consta para este docente"):
        mundo.inicial(otro, a, evidencia=nuevo_id())
    # And on his own earlier observation it is accepted
    assert mundo.valorar(d, a, [iniciado["obs"], posterior], dia=date(2020, 6, 20))


def test_una_fecha_futura_se_rechaza(mundo, aula):
    # Given today is 1 June 2020 on the test's clock
    d, a, obs = aula["docente"], aula["acompanante"], aula["obs"]
    mundo.hoy = date(2020, 6, 1)
    # When the initial situation or a valuation is dated tomorrow / Then it is refused
    with mundo.rechaza(Invalida, "La fecha 02/06/2020 es futura"):
        mundo.inicial(d, a, dia=date(2020, 6, 2), evidencia=obs)
    assert mundo.inicial(d, a, dia=date(2020, 6, 1), evidencia=obs)
    with mundo.rechaza(Invalida, "La fecha 02/06/2020 es futura"):
        mundo.valorar(d, a, [obs], dia=date(2020, 6, 2))
    # And so is a close dated in December
    with mundo.rechaza(Invalida, "es futura"):
        mundo.cerrar(d, a, niveles(), dia=date(2020, 12, 10))
    # When the clock reaches December / Then a close outside the school year is refused, and in it accepted
    mundo.hoy = date(2021, 3, 31)
    with mundo.rechaza(Invalida, "La etapa 2020 se cierra al término de su año escolar"):
        mundo.cerrar(d, a, niveles(), dia=date(2020, 2, 20))
    assert mundo.cerrar(d, a, niveles(), dia=date(2021, 1, 15))
    # And a correction dated in the future is refused as well
    with mundo.rechaza(Invalida, "es futura"):
        mundo.app.corregir_cierre(cmd.CorregirCierre(d, 2020, date(2021, 4, 1), niveles(nivel="III"), "Revisión", a))


def test_sin_situacion_inicial_no_se_valora_ni_se_cierra(mundo, aula):
    # Given a docente with a plan and an observation but no initial situation
    d, a, obs = aula["docente"], aula["acompanante"], aula["obs"]
    # When his coach values him or closes the etapa / Then both are refused: levels progress from it
    with mundo.rechaza(EnEspera, "Registre antes la situación inicial"):
        mundo.valorar(d, a, [obs])
    with mundo.rechaza(EnEspera, "Registre antes la situación inicial"):
        mundo.cerrar(d, a, niveles())


# --- 4. idempotency, conflicts, corrections -------------------------------------------------------


def test_reenviar_lo_mismo_registra_una_sola_vez(mundo, aula):
    # Given a coach's device that sends each record twice (it lost the first answer)
    d, a, obs = aula["docente"], aula["acompanante"], aula["obs"]
    valoracion = nuevo_id()
    # When the initial situation, a valuation and the close arrive / Then each records one event
    antes = mundo.registrados()
    assert mundo.inicial(d, a, evidencia=obs) is True
    assert mundo.valorar(d, a, [obs], valoracion_id=valoracion) is True
    assert mundo.cerrar(d, a, niveles()) is True
    assert mundo.registrados() == antes + 3
    # When they arrive again / Then the second time records nothing and answers False
    assert mundo.inicial(d, a, evidencia=obs) is False
    assert mundo.valorar(d, a, [obs], valoracion_id=valoracion) is False
    assert mundo.cerrar(d, a, niveles()) is False
    assert mundo.registrados() == antes + 3
    assert len(mundo.app.docente(d).valoraciones) == 1
    assert len(mundo.bombeo.propios()) == 3


def test_el_mismo_registro_con_otro_contenido_es_un_conflicto(mundo, iniciado):
    # Given a started docente with a valuation and the close of etapa 1
    d, a, obs = iniciado["docente"], iniciado["acompanante"], iniciado["obs"]
    valoracion = nuevo_id()
    assert mundo.valorar(d, a, [obs], valoracion_id=valoracion, nivel="II")
    assert mundo.cerrar(d, a, niveles())
    # When the same valuation id comes with another level / Then it is a conflict
    with mundo.rechaza(Conflict, f"La valoración {valoracion} ya se registró con otro contenido"):
        mundo.valorar(d, a, [obs], valoracion_id=valoracion, nivel="III")
    # When another initial situation comes for the same convocatoria / Then it is a conflict
    with mundo.rechaza(Conflict, "La situación inicial de la convocatoria 2020-2022 ya se registró"):
        mundo.inicial(d, a, nivel="II", evidencia=obs)
    # When a second close of the etapa comes with other levels / Then it is a conflict that points to a correction
    with mundo.rechaza(Conflict, "registre una corrección con su motivo"):
        mundo.cerrar(d, a, niveles(nivel="III"))


def test_una_correccion_es_un_evento_nuevo_y_el_cierre_original_queda(mundo, iniciado):
    # Given the close of etapa 1 (C4 at II), seen by the reports
    d, a = iniciado["docente"], iniciado["acompanante"]
    assert mundo.cerrar(d, a, niveles())
    assert etapa(mundo.progreso(d), "C4")["logrado"] == "II"
    corte = datetime.now(UTC)
    # When a coach corrects it without saying who he is / Then it is refused
    with mundo.rechaza(Invalida, "Indique el acompañante que corrige"):
        mundo.app.corregir_cierre(cmd.CorregirCierre(d, 2020, date(2021, 2, 1), niveles(C4="III"), "Revisión de evidencias", None))
    # When a specialist corrects an etapa not yet closed / Then there is nothing to correct
    mundo.bombeo.recibir(plan(d, a, 2021))
    with como("especialista_ugel"), mundo.rechaza(Invalida, "La etapa 2 no se ha cerrado"):
        mundo.app.corregir_cierre(cmd.CorregirCierre(d, 2021, date(2021, 2, 1), niveles(C4="III"), "Revisión", None))
    # When his coach corrects it with its reason (twice: the device re-sends it) / Then it is recorded once
    assert mundo.app.corregir_cierre(cmd.CorregirCierre(d, 2020, date(2021, 2, 1), niveles(C4="III"), "Revisión de evidencias", a))
    assert not mundo.app.corregir_cierre(cmd.CorregirCierre(d, 2020, date(2021, 2, 1), niveles(C4="III"), "Revisión", a))
    # Then the docente's history keeps the close and its correction, with its reason
    cierres = [e for e in mundo.app.events.get(dm.docente_id(d)) if isinstance(e, dm.Docente.EtapaCerrada)]
    assert [(e.correccion, e.niveles["C4"], e.motivo) for e in cierres] == [
        (0, "II", ""), (1, "III", "Revisión de evidencias")]
    # And the report as of before the correction shows the original level; the current one the corrected
    al_corte, ahora = mundo.progreso(d, corte), mundo.progreso(d)
    assert (etapa(al_corte, "C4")["logrado"], etapa(al_corte, "C4")["correcciones"]) == ("II", 0)
    assert (etapa(ahora, "C4")["logrado"], etapa(ahora, "C4")["correcciones"]) == ("III", 1)
    assert etapa(ahora, "C2")["logrado"] == etapa(al_corte, "C2")["logrado"] == "II"  # the others as closed
    # And a specialist corrects without naming a coach; the event records who did it
    with como("especialista_ugel", "esp-1"):
        assert mundo.app.corregir_cierre(cmd.CorregirCierre(d, 2020, date(2021, 3, 1), niveles(C4="IV"), "Acta de la UGEL", None))
    ultimo = list(mundo.app.events.get(dm.docente_id(d)))[-1]
    assert (ultimo.correccion, ultimo.metadata["rol"], ultimo.metadata["usuario"]) == (2, "especialista_ugel", "esp-1")
    assert (etapa(mundo.progreso(d), "C4")["logrado"], etapa(mundo.progreso(d), "C4")["correcciones"]) == ("IV", 2)


# --- 5. metas -------------------------------------------------------------------------------------


def metas_multigrado(version: int, **cambios: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The bundled multigrado metas as a new version; ``cambios['1']['C2'] = {...}`` overrides one."""
    base = next(m for m in incluidas() if m.tipo_ie == "multigrado").model_dump(mode="json")
    for numero, por_comp in cambios.items():
        for comp, meta in por_comp.items():
            base["metas"][numero][comp] = meta
    return {**base, "version": version}


def test_las_metas_las_publica_la_dre_o_el_minedu(mundo):
    # Given metas version 2 for multigrado
    metas = Metas.model_validate(metas_multigrado(2))
    # When an acompañante or a UGEL specialist (or nobody) publishes them / Then it is forbidden
    for rol in ("acompanante", "especialista_ugel", None):
        with como(rol) if rol else nullcontext():
            with mundo.rechaza(Forbidden, "la DRE o el MINEDU"):
                mundo.app.definir_metas(metas)
    # When the DRE does / Then they are recorded
    with como("especialista_dre"):
        assert mundo.app.definir_metas(metas)


def test_las_versiones_de_metas_van_en_orden_y_no_cambian(mundo):
    with como("minedu"):
        # When version 3 comes before 2 / Then it is refused
        with mundo.rechaza(Invalida, "Publique antes la versión 2 de las metas de multigrado"):
            mundo.app.definir_metas(Metas.model_validate(metas_multigrado(3)))
        # When version 2 comes twice / Then it is recorded once
        v2 = Metas.model_validate(metas_multigrado(2, **{"3": {"C7": {"avance": 1, "minimo": "III"}}}))
        assert mundo.app.definir_metas(v2)
        antes = mundo.registrados()
        assert not mundo.app.definir_metas(v2)
        assert mundo.registrados() == antes
        # When version 2 comes again with other content / Then it is a conflict: publish a new version
        with mundo.rechaza(Conflict, "La versión 2 de las metas de multigrado ya se publicó con otro contenido"):
            mundo.app.definir_metas(Metas.model_validate(metas_multigrado(2)))
        assert mundo.app.definir_metas(Metas.model_validate(metas_multigrado(3)))


def test_metas_que_bajan_de_una_etapa_a_otra_o_incompletas_no_son_validas():
    # When etapa 2 expects less than etapa 1 / Then the model refuses them
    with pytest.raises(ValidationError, match="las metas de C4 no pueden bajar de una etapa a la siguiente"):
        Metas.model_validate(metas_multigrado(2, **{"2": {"C4": {"avance": 1, "minimo": "I"}}}))
    with pytest.raises(ValidationError, match="las metas de C2 no pueden bajar"):
        Metas.model_validate(metas_multigrado(2, **{"3": {"C2": {"avance": 0, "minimo": "III"}}}))
    # When an etapa or a competency is missing / Then too
    sin_etapa = metas_multigrado(2)
    del sin_etapa["metas"]["3"]
    with pytest.raises(ValidationError, match="debe fijar las metas de las tres etapas"):
        Metas.model_validate(sin_etapa)
    sin_c7 = metas_multigrado(2)
    del sin_c7["metas"]["2"]["C7"]
    with pytest.raises(ValidationError, match="la etapa 2 debe fijar exactamente C2, C3, C4, C5, C7 para multigrado"):
        Metas.model_validate(sin_c7)


def test_una_version_nueva_de_metas_cambia_lo_esperado_solo_desde_que_se_registra(mundo, iniciado):
    # Given a multigrado docente who started at I and closed etapa 1 with C2 at II (expected II by metas v1)
    d, a = iniciado["docente"], iniciado["acompanante"]
    assert mundo.cerrar(d, a, niveles())
    assert (etapa(mundo.progreso(d), "C2")["esperado"], etapa(mundo.progreso(d), "C2")["alcanzo"]) == ("II", True)
    corte = datetime.now(UTC)
    # When the MINEDU publishes v2, which expects C2 at III from etapa 1
    subir = {"avance": 0, "minimo": "III"}
    with como("minedu"):
        assert mundo.app.definir_metas(Metas.model_validate(metas_multigrado(2, **{"1": {"C2": subir},
                                                                                   "2": {"C2": subir}})))
    # Then reports as of before it still expect II under v1, and the current ones expect III under v2
    al_corte, ahora = etapa(mundo.progreso(d, corte), "C2"), etapa(mundo.progreso(d), "C2")
    assert (al_corte["esperado"], al_corte["metas_version"], al_corte["brecha"]) == ("II", 1, 0)
    assert (ahora["esperado"], ahora["metas_version"], ahora["brecha"], ahora["alcanzo"]) == ("III", 2, 1, False)
    assert etapa(mundo.progreso(d), "C3")["esperado"] == "II"  # what v2 left as it was

    def resultados(al: datetime | None) -> dict[str, Any]:
        filas = mundo.proyecciones.leer("progreso", lambda conn, t: reportes.resultados_etapa(
            conn, t, reportes.Corte.de(al), CONV, 1, "nacional"))
        return {f["competencia"]: f["alcanzaron"] for f in filas}
    assert resultados(corte)["C2"] == 1 and resultados(None)["C2"] == 0


# --- 6. satisfaction surveys ----------------------------------------------------------------------


def incorporar(mundo: Mundo, acompanante: str, dre: str = "DRE-PUNO", ugel: str = "UGEL-EL-COLLAO") -> None:
    mundo.bombeo.recibir(c.AcompananteIncorporadoV1(acompanante_id=acompanante, tipo_ie="multigrado", anio=2020,
                                                    convocatoria=CONV, dre=dre, ugel=ugel))


def test_la_encuesta_del_docente_es_anual_y_la_del_acompanante_semestral(mundo, aula):
    d, a = aula["docente"], aula["acompanante"]
    incorporar(mundo, a)
    def responder(*datos: Any) -> tuple[str, bool]:
        return mundo.app.responder_encuesta(cmd.ResponderEncuesta(*datos))
    with mundo.rechaza(Invalida, "se recoge una vez al año (periodo 'anual'"):
        responder("docente", d, 2020, "semestre_1", RESPUESTAS)
    with mundo.rechaza(Invalida, "se recoge cada semestre"):
        responder("acompanante", a, 2020, "anual", RESPUESTAS)
    with mundo.rechaza(Invalida, "Faltan respuestas: utilidad_recursos"):
        responder("docente", d, 2020, "anual", {k: v for k, v in RESPUESTAS.items() if k != "utilidad_recursos"})
    assert responder("docente", d, 2020, "anual", RESPUESTAS)[1]
    assert responder("acompanante", a, 2020, "semestre_1", RESPUESTAS)[1]


def test_no_se_encuesta_a_quien_evaluacion_no_conoce(mundo, aula):
    def responder(*datos: Any) -> tuple[str, bool]:
        return mundo.app.responder_encuesta(cmd.ResponderEncuesta(*datos))
    # When a docente without a plan that year, or unknown, answers / Then it is refused
    with mundo.rechaza(Invalida, "no tiene plan de acompañamiento en 2021"):
        responder("docente", aula["docente"], 2021, "anual", RESPUESTAS)
    with mundo.rechaza(Invalida, "no tiene plan de acompañamiento en 2020"):
        responder("docente", nuevo_id(), 2020, "anual", RESPUESTAS)
    # When an acompañante focalizacion never incorporated answers / Then it is refused
    with mundo.rechaza(Invalida, "no conoce al acompañante"):
        responder("acompanante", aula["acompanante"], 2020, "semestre_2", RESPUESTAS)


def test_la_misma_encuesta_dos_veces_no_cambia_nada_y_otra_respuesta_es_conflicto(mundo, aula):
    d = aula["docente"]
    # Given a docente's annual survey answered
    encuesta, nueva = mundo.app.responder_encuesta(cmd.ResponderEncuesta("docente", d, 2020, "anual", RESPUESTAS, "Muy útil"))
    assert nueva and encuesta == str(enc.encuesta_id("docente", d, 2020, "anual"))
    # When the same answers arrive again / Then nothing is recorded
    antes = mundo.registrados()
    assert mundo.app.responder_encuesta(cmd.ResponderEncuesta("docente", d, 2020, "anual", RESPUESTAS, "Muy útil")) == (encuesta, False)
    assert mundo.registrados() == antes
    # When other answers arrive for the same person and period / Then it is a conflict
    with mundo.rechaza(Conflict, "Esa persona ya respondió la encuesta del periodo anual de 2020"):
        mundo.app.responder_encuesta(cmd.ResponderEncuesta("docente", d, 2020, "anual", {**RESPUESTAS, "pertinencia": 1}, "Muy útil"))


# --- 7. the acompañantes' performance -------------------------------------------------------------


def test_el_desempeno_del_acompanante_lo_evaluan_los_especialistas(mundo):
    a = nuevo_id()
    criterios = {"planifica": "III", "retroalimenta": "II"}

    def evaluar(fecha: date = date(2020, 4, 1), nivel: str = "II") -> tuple[str, bool]:
        return mundo.app.evaluar_desempeno(cmd.EvaluarDesempeno(a, 2020, "inicio", fecha, criterios, nivel, "DIFODS"))
    # When an acompañante or a director evaluates one / Then it is forbidden
    for rol in ("acompanante", "directivo"):
        with como(rol), mundo.rechaza(Forbidden, "lo evalúan las direcciones responsables"):
            evaluar()
    with como("especialista_dre"):
        # When a specialist evaluates an acompañante focalizacion has not incorporated / Then it is refused
        with mundo.rechaza(Invalida, f"evaluacion no conoce al acompañante {a}"):
            evaluar()
        # When focalizacion incorporates him / Then it is recorded once, with his territory
        incorporar(mundo, a, "DRE-CUSCO", "UGEL-CANCHIS")
        mundo.hoy = date(2020, 4, 1)
        with mundo.rechaza(Invalida, "es futura"):
            evaluar(date(2020, 4, 2))
        evaluacion, nueva = evaluar()
        assert nueva and evaluar() == (evaluacion, False)
        with mundo.rechaza(Conflict, "El desempeño del acompañante en inicio de 2020 ya se evaluó"):
            evaluar(nivel="III")
    publicado = mundo.bombeo.propios()[-1].data
    assert isinstance(publicado, c.DesempenoAcompananteEvaluadoV1)
    assert (publicado.dre, publicado.ugel, publicado.nivel, publicado.criterios) == (
        "DRE-CUSCO", "UGEL-CANCHIS", "II", criterios)


def test_el_acompanante_que_solo_tiene_docentes_reasignados_esta_en_la_ugel_de_ellos(mundo, aula):
    # Given a coach who holds only a docente agenda reassigned to him (his plan names his first coach)
    d, antiguo, nuevo = aula["docente"], aula["acompanante"], nuevo_id()
    mundo.reasignar(d, 2020, antiguo, nuevo)
    # When the access policy places him (who may evaluate his performance, read his docentes)
    donde = politica_de_acceso(mundo.proyecciones).resolver("acompanante", nuevo)
    # Then he lies in that docente's UGEL and DRE, and nowhere else
    assert donde is not None
    assert donde.contiene(Actor(usuario="esp-ugel", rol="especialista_ugel", ugel="UGEL-EL-COLLAO"))
    assert donde.contiene(Actor(usuario="esp-dre", rol="especialista_dre", dre="DRE-PUNO"))
    assert not donde.contiene(Actor(usuario="esp-ugel", rol="especialista_ugel", ugel="UGEL-CANCHIS"))
    assert donde.contiene(Actor(usuario=nuevo, rol="acompanante"))


def test_reenviar_lo_ya_registrado_tras_una_reasignacion_no_es_un_error(mundo, iniciado):
    # Given a valuation and a close recorded by the docente's coach, whose device did not get the answers
    d, a, obs = iniciado["docente"], iniciado["acompanante"], iniciado["obs"]
    valoracion = nuevo_id()
    assert mundo.valorar(d, a, [obs], valoracion_id=valoracion)
    assert mundo.cerrar(d, a, niveles())
    # When agenda reassigns the docente and then the device re-sends its queue
    mundo.reasignar(d, 2020, a, nuevo_id())
    antes = mundo.registrados()
    # Then each item is answered as already recorded (False), not refused, and nothing is recorded
    assert mundo.valorar(d, a, [obs], valoracion_id=valoracion) is False
    assert mundo.inicial(d, a, evidencia=obs) is False
    assert mundo.cerrar(d, a, niveles()) is False
    assert mundo.registrados() == antes


def test_el_nuevo_acompanante_no_corrige_el_cierre_de_su_antecesor(mundo, iniciado):
    # Given etapa 1 closed by the docente's coach, and the docente then reassigned to another coach
    d, antiguo, nuevo = iniciado["docente"], iniciado["acompanante"], nuevo_id()
    assert mundo.cerrar(d, antiguo, niveles())
    mundo.reasignar(d, 2020, antiguo, nuevo)
    # When the new coach corrects the close he did not make / Then it is refused (a specialist may)
    with mundo.rechaza(Invalida, "cierre"):
        mundo.app.corregir_cierre(cmd.CorregirCierre(d, 2020, date(2021, 2, 1), niveles(C4="IV"), "Lo veo distinto", nuevo))
