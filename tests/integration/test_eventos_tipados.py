"""Stores written by earlier code keep working: focalizacion's, evaluacion's and evidencias's fixture stores
(``tests/fixtures/almacenes/``, recorded by ``tests/fixtures/generar_almacen.py`` and
``generar_almacen_evidencias.py`` before their events were typed) load with today's code. Every stored event
becomes a domain event (upcast to its current version), every aggregate reconstructs, the relay publishes
exactly what it published then (same contracts, subjects and payloads), and the read models are built from them as before. An old event read now has its typed fields;
a new one carries the context its publisher needs (``territorio``, ``informe``, ``docente_id``)."""

from __future__ import annotations

import dataclasses
import json
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from services.evaluacion import comandos as ecmd
from services.evaluacion import domainmodel as dm
from services.evaluacion import encuestas as enc
from services.evaluacion import informe_trimestral as it
from services.evaluacion.messaging import SUSCRIPCIONES, Publicador
from services.evaluacion.metas import Metas
from services.evaluacion.projections import Proyecciones as ProyeccionesEvaluacion
from services.evaluacion.valores import Contexto, InformeDe, NivelInicial
from services.evidencias import comandos as ecv
from services.evidencias import domainmodel as edm
from services.evidencias.messaging import Publicador as EvidenciasPublicador
from services.evidencias.docentes import Anterior, PlanEnCurso
from services.evidencias.instrumentos import Instrumento
from services.evidencias.registros import AccionClave, Hito, Indicador, Sesion
from services.evidencias.registros import Autoevaluacion as AutoevaluacionDe
from services.evidencias.valores import (Acta, Adjunto, CompromisoAsumido, Necesidad, Observacion, PlanAnual,
                                        Retroalimentacion, ReunionRealizada, Territorio, Verificacion, VisitaDe,
                                        VisitaRealizada)
from services.focalizacion import comandos as cmd
from services.focalizacion import asignaciones as asig
from services.focalizacion import domainmodel as fdm
from services.focalizacion.reglas import ConjuntoReglas
from shared.contracts import Envelope
from shared.telemetry import Actor, current_actor
from tests.fixtures import generar_almacen_evidencias as gae
from tests.fixtures.generar_almacen import ALMACENES, CONV, PUBLICADORES, abrir, padron, publicaciones


@pytest.fixture
def copia(tmp_path: Path) -> Path:
    """The fixture stores, copied: loading them writes read models and caches next to them."""
    destino = tmp_path / "almacenes"
    shutil.copytree(ALMACENES, destino)
    return destino


@pytest.fixture(params=sorted(PUBLICADORES))
def servicio(request: pytest.FixtureRequest, copia: Path) -> Iterator[tuple[str, Any]]:
    app = abrir(request.param, copia)
    try:
        yield request.param, app
    finally:
        app.close()


def esperado(nombre: str) -> Any:
    return json.loads((ALMACENES / nombre).read_text("utf-8"))


def test_cada_evento_guardado_se_lee_y_cada_agregado_se_reconstruye(servicio):
    nombre, app = servicio
    guardados = list(app.recorder.select_notifications(0, 100_000))
    assert len(guardados) > 25
    eventos = [app.mapper.to_domain_event(n) for n in guardados]
    assert {type(e).__qualname__ for e in eventos} >= {"Docente.Registrado"}
    for originador in {e.originator_id for e in eventos}:
        agregado = app.repository.get(originador)
        assert agregado.version == max(e.originator_version for e in eventos if e.originator_id == originador)


def test_se_publica_lo_mismo_que_publicaba_el_codigo_que_los_escribio(servicio):
    nombre, app = servicio
    assert publicaciones(app, PUBLICADORES[nombre](app)) == esperado(f"{nombre}-publicado.json")


def test_los_modelos_de_lectura_se_arman_desde_los_eventos_antiguos(copia: Path):
    focalizacion = abrir("focalizacion", copia)
    try:
        focalizacion.proyecciones.reconstruir()
        assert focalizacion.proyecciones.carteras(CONV) == esperado("focalizacion-carteras.json")
    finally:
        focalizacion.close()
    evaluacion = abrir("evaluacion", copia)
    proyecciones = ProyeccionesEvaluacion(evaluacion.settings)
    try:
        aplicados = 0
        for n in evaluacion.recorder.select_notifications(0, 100_000):
            evento = evaluacion.mapper.to_domain_event(n)
            p = Publicador(evaluacion)(evento)
            if p is not None and type(p.data) in SUSCRIPCIONES:  # what evaluacion's read side consumes of its own
                proyecciones.aplicar(Envelope.wrap(servicio="evaluacion", position=n.id, data=p.data, subject=p.subject,
                                                   time=evento.timestamp, dre=p.dre, ugel=p.ugel))
                aplicados += 1
        assert aplicados == 12
    finally:
        proyecciones.close()
        evaluacion.close()


def _eventos(app: Any, clase: type) -> list[Any]:
    return [e for e in (app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(0, 100_000))
            if isinstance(e, clase)]


def test_un_evento_antiguo_se_lee_con_sus_campos_tipados(copia: Path):
    evaluacion = abrir("evaluacion", copia)
    try:
        # a valuation of version 1 kept its context in a dict: read now, the context is a Contexto
        valorado, = _eventos(evaluacion, dm.Docente.NivelCompetenciaValorado)
        assert valorado.contexto == Contexto(codigo_modular="0236885", anexo=0, tipo_ie="multigrado",
                                             convocatoria=CONV, anio=2020, etapa=1, dre="DRE-PUNO",
                                             ugel="UGEL-EL-COLLAO", acompanante_id=valorado.contexto.acompanante_id,
                                             fecha=date(2020, 6, 1))
        assert (valorado.competencia, valorado.nivel, valorado.sustento) == ("C4", "II", "Planifica con su grupo.")
        assert valorado.docente_id is None  # version 1 did not carry it: the publisher takes the aggregate's
        cierre, correccion = _eventos(evaluacion, dm.Docente.EtapaCerrada)
        assert (cierre.correccion, correccion.correccion, correccion.motivo) == (0, 1, "Error de digitación")
        assert correccion.contexto.fecha == date(2020, 12, 12) and set(correccion.niveles.values()) == {"III"}
        inicial, = _eventos(evaluacion, dm.Docente.SituacionInicialRegistrada)
        assert all(isinstance(n, NivelInicial) and n.nivel == "I" for n in inicial.niveles.values())
        evidencia, = _eventos(evaluacion, dm.Docente.EvidenciaConocida)
        assert evidencia.evidencia.fecha == date(2020, 4, 10)
        assert {p.plan.anio for p in _eventos(evaluacion, dm.Docente.PlanConocido)} == {2020, 2021}
        medida, = _eventos(evaluacion, it.InformeTrimestral.MedidaDispuesta)
        assert (medida.informe, medida.medida.plazo, medida.medida.sobre) == (None, date(2022, 1, 31), "acompanante")
        assert [s.seguimiento.estado for s in _eventos(evaluacion, it.InformeTrimestral.MedidaSeguida)] == [
            "en_ejecucion", "cumplida"]
        desempeno, = _eventos(evaluacion, enc.DesempenoAcompanante.Evaluado)
        assert (desempeno.fecha, desempeno.criterios, desempeno.dre) == (date(2020, 4, 1), {"planifica": "III"},
                                                                        "DRE-PUNO")
        assert {e.encuestado for e in _eventos(evaluacion, enc.Encuesta.Respondida)} == {"docente", "acompanante"}
        assert all(isinstance(m.metas, Metas) for m in _eventos(evaluacion, dm.Metas.Definidas))
    finally:
        evaluacion.close()
    focalizacion = abrir("focalizacion", copia)
    try:
        asignados = _eventos(focalizacion, asig.AsignacionesUGEL.DocenteAsignado)
        assert asignados and all(e.territorio is None for e in asignados)  # version 1: the aggregate's
        actualizado, = _eventos(focalizacion, fdm.Docente.Actualizado)
        assert actualizado.cambia_su_escuela is None  # version 1: the publisher compares with the previous one
        publicadas, = _eventos(focalizacion, fdm.ReglasFocalizacion.Publicadas)
        assert isinstance(publicadas.reglas, ConjuntoReglas) and publicadas.reglas.clave == "NT-026@2"
    finally:
        focalizacion.close()


def test_un_evento_nuevo_lleva_su_contexto_y_se_publica_igual(copia: Path):
    focalizacion = abrir("focalizacion", copia)
    token = current_actor.set(Actor(usuario="especialista-ugel-a", rol="especialista_ugel"))
    try:
        cartera = next(c for c in focalizacion.proyecciones.carteras(CONV, "UGEL-A") if c["docentes"])
        docente = uuid.UUID(cartera["docente_ids"][0])
        focalizacion.retirar_docente(cmd.RetirarDocente(CONV, docente, "Traslado"))
        retirado = _eventos(focalizacion, asig.AsignacionesUGEL.DocenteRetirado)[-1]
        assert retirado.territorio == asig.Territorio(CONV, "DRE-X", "UGEL-A")
        publicado = PUBLICADORES["focalizacion"](focalizacion)(retirado)
        assert (publicado.dre, publicado.ugel, publicado.data.convocatoria) == ("DRE-X", "UGEL-A", CONV)
        guardado = focalizacion.recorder.select_notifications(0, 100_000)[-1].state.decode()
        assert '"class_version":2' in guardado and '"_type_":"focalizacion.Territorio"' in guardado
    finally:
        current_actor.reset(token)
        focalizacion.close()
    evaluacion = abrir("evaluacion", copia)
    token = current_actor.set(Actor(usuario="especialista-collao", rol="especialista_ugel"))
    try:
        medida_id = str(uuid.uuid4())
        acompanante = _eventos(evaluacion, it.InformeTrimestral.MedidaDispuesta)[0].medida.acompanante_id
        assert evaluacion.disponer_medida(ecmd.DisponerMedida(
            ecmd.Trimestre("UGEL-EL-COLLAO", 2021, 1), medida_id, "acompanante", "Acompañar en aula", date(2100, 1, 31),
            acompanante_id=acompanante), "UGEL-EL-COLLAO")
        dispuesta = _eventos(evaluacion, it.InformeTrimestral.MedidaDispuesta)[-1]
        assert dispuesta.informe == InformeDe("UGEL-EL-COLLAO", "DRE-PUNO", 2021, 1)
        publicado = PUBLICADORES["evaluacion"](evaluacion)(dispuesta)
        assert (publicado.subject, str(publicado.data.medida_id)) == ("informe-trimestral/UGEL-EL-COLLAO/2021-T1",
                                                                      medida_id)
    finally:
        current_actor.reset(token)
        evaluacion.close()


def test_un_docente_actualizado_dice_si_cambio_de_escuela_y_solo_entonces_se_publica(copia: Path):
    focalizacion = abrir("focalizacion", copia)
    try:
        p = padron()
        otra = p.ies[1]["COD_MOD"]
        p.docentes[1]["CONDICION"] = "Destacado"  # his own data: not published
        p.docentes[2]["COD_MOD"] = otra  # another school: published again where he is
        assert focalizacion.importar_docentes(p.csv("docentes"))["actualizadas"] >= 2
        nuevos = [e for e in _eventos(focalizacion, fdm.Docente.Actualizado) if e.cambia_su_escuela is not None]
        publicar = PUBLICADORES["focalizacion"](focalizacion)
        por_cambio = {e.cambia_su_escuela: publicar(e) for e in nuevos}
        assert set(por_cambio) == {True, False} and por_cambio[False] is None
        assert por_cambio[True].data.codigo_modular == otra
    finally:
        focalizacion.close()


def test_una_instantanea_de_las_carteras_guardada_con_su_modulo_antiguo_se_lee(copia: Path):
    # Given a snapshot of a UGEL's caseloads as the code before the move wrote it (its aggregate's old topic)
    focalizacion = abrir("focalizacion", copia)
    carteras = next(n.originator_id for n in focalizacion.recorder.select_notifications(0, 100_000)
                    if n.topic.endswith("AsignacionesUGEL.Abiertas"))
    focalizacion.take_snapshot(carteras)
    antes = focalizacion.repository.get(carteras)
    focalizacion.close()
    with sqlite3.connect(copia / "focalizacion.sqlite") as conn:
        (estado,), = conn.execute("SELECT state FROM stored_snapshots")
        assert b"services.focalizacion.asignaciones:AsignacionesUGEL" in estado
        conn.execute("UPDATE stored_snapshots SET state = ?", (estado.replace(
            b"services.focalizacion.asignaciones:AsignacionesUGEL", b"services.focalizacion.domainmodel:AsignacionesUGEL"),))
    # When it is read / Then it is the caseloads as they were
    focalizacion = abrir("focalizacion", copia)
    try:
        despues = focalizacion.repository.get(carteras)
        assert isinstance(despues, asig.AsignacionesUGEL)
        assert (despues.version, despues.carteras, despues.territorio) == (antes.version, antes.carteras, antes.territorio)
    finally:
        focalizacion.close()


def test_una_decision_cambiada_se_guarda_tipada_y_se_proyecta_y_publica(copia: Path):
    focalizacion = abrir("focalizacion", copia)
    try:
        decidida = next(e for e in _eventos(focalizacion, fdm.DecisionFocalizacion.Decidida) if e.decision.focalizada)
        assert isinstance(decidida.decision, fdm.Decision) and decidida.decision.motivos is None  # version 1, read typed
        agregado = focalizacion.repository.get(decidida.originator_id)
        agregado.cambiar(dataclasses.replace(agregado.decision, puntaje=agregado.decision.puntaje + 1))
        focalizacion.save(agregado)
        cambiada = _eventos(focalizacion, fdm.DecisionFocalizacion.Cambiada)[-1]
        guardado = focalizacion.recorder.select_notifications(0, 100_000)[-1].state.decode()
        assert '"_type_":"focalizacion.Decision"' in guardado
        d = cambiada.decision
        fila = focalizacion.proyecciones.decision(CONV, d.codigo_modular, d.anexo)
        assert (fila["cambios"], fila["puntaje"]) == (1, decidida.decision.puntaje + 1) and "motivos" not in fila
        publicado = PUBLICADORES["focalizacion"](focalizacion)(cambiada)
        assert (publicado.data.puntaje, publicado.ugel) == (d.puntaje, d.ugel)
    finally:
        focalizacion.close()


# --- evidencias (tests/fixtures/generar_almacen_evidencias.py) ---------------------------------------------


@pytest.fixture
def evidencias(copia: Path) -> Iterator[Any]:
    app = gae.abrir(copia)
    try:
        yield app
    finally:
        app.close()


def test_evidencias_cada_evento_guardado_se_lee_y_cada_agregado_se_reconstruye(evidencias):
    guardados = list(evidencias.recorder.select_notifications(0, 100_000))
    eventos = [evidencias.mapper.to_domain_event(n) for n in guardados]
    assert {type(e).__qualname__ for e in eventos} == {n.topic.split(":")[1] for n in guardados}
    assert len({type(e) for e in eventos}) == 20  # every kind of event evidencias stores
    for originador in {e.originator_id for e in eventos}:
        agregado = evidencias.repository.get(originador)
        assert agregado.version == max(e.originator_version for e in eventos if e.originator_id == originador)


def test_evidencias_publica_lo_mismo_que_publicaba_el_codigo_que_los_escribio(evidencias):
    assert publicaciones(evidencias, EvidenciasPublicador(evidencias)) == esperado("evidencias-publicado.json")


def test_evidencias_arma_sus_modelos_de_lectura_desde_los_eventos_antiguos(evidencias):
    evidencias.proyecciones.reconstruir()
    assert gae.vistas(evidencias) == esperado("evidencias-vistas.json")
    # and what a query decrypts reads as it was written (the key store came with the events)
    visita = evidencias.proyecciones.visita(gae.ident("visita-1"))
    observacion, = visita["observaciones"][gae.ident("obs-1")][-1:]
    assert observacion["fortalezas"] == ["Trato cordial"] and observacion["niveles"]["D1"]["nivel"] == "III"


CONTEXTO_EVIDENCIAS = {  # the events of evidencias that carry their context from version 2, and its fields
    edm.Visita.ObservacionRegistrada: ("visita",), edm.Visita.ObservacionCorregida: ("visita",),
    edm.Visita.RetroalimentacionBrindada: ("visita",), edm.ConAdjuntos.EvidenciaAdjuntada: ("propietario",),
    edm.Compromiso.Verificado: ("compromiso", "visita"), edm.Compromiso.Vencido: ("compromiso",),
    edm.DocenteAcompanado.NecesidadFormativaRegistrada: ("docente_id", "territorio"),
    edm.Reunion.ActaRegistrada: ("reunion",), edm.Reunion.ActaCorregida: ("reunion",),
}


def test_evidencias_un_evento_antiguo_se_lee_con_sus_campos_tipados(evidencias):
    for clase, campos in CONTEXTO_EVIDENCIAS.items():
        antiguos = _eventos(evidencias, clase)
        assert antiguos, clase  # the fixture store has each of them, written as version 1
        assert all(getattr(e, campo) is None for e in antiguos for campo in campos), clase
    corregida = _eventos(evidencias, edm.Visita.ObservacionCorregida)[0]
    assert (corregida.correccion, corregida.autor_rol) == (1, "acompanante")
    # a realized visit of version 1 kept agenda's visit in a dict: read now, it is a VisitaRealizada
    conocida = next(e for e in _eventos(evidencias, edm.Visita.Conocida) if e.visita.visita_id == gae.ident("visita-1"))
    assert conocida.visita == VisitaRealizada(
        visita_id=gae.ident("visita-1"), docente_id=gae.DOCENTE, acompanante_id=gae.ACOMPANANTE,
        codigo_modular=gae.IE[0], anexo=gae.IE[1], dre=gae.DRE, ugel=gae.UGEL, anio=2021,
        fecha_inicio=date(2021, 5, 10), fecha_fin=date(2021, 5, 11), acciones=["observacion", "asesoria"])
    gia = next(e for e in _eventos(evidencias, edm.Reunion.Conocida) if e.reunion.tipo == "gia")
    assert (gia.reunion.fecha, gia.reunion.horas, gia.reunion.directivo_id) == (date(2021, 4, 20), 3.0, None)
    assert isinstance(gia.reunion, ReunionRealizada) and gia.reunion.docentes == [gae.DOCENTE, gae.OTRO_DOCENTE]
    # what a visit, a commitment or a GIA/RTC left behind was kept in a dict: read now, it is a value
    assert (corregida.observacion.niveles["D1"].nivel, corregida.observacion.niveles["D1"].competencia) == ("III", "C4")
    assert all(isinstance(e.observacion, Observacion) for e in _eventos(evidencias, edm.Visita.ObservacionRegistrada))
    retro, = _eventos(evidencias, edm.Visita.RetroalimentacionBrindada)
    assert isinstance(retro.retroalimentacion, Retroalimentacion)
    assert retro.retroalimentacion.modelamiento[0].tipo == "clase_demostrativa"
    verificado, = _eventos(evidencias, edm.Compromiso.Verificado)
    assert isinstance(verificado.verificacion, Verificacion) and verificado.verificacion.fecha == date(2021, 6, 14)
    actas = _eventos(evidencias, edm.Reunion.ActaRegistrada) + _eventos(evidencias, edm.Reunion.ActaCorregida)
    assert all(isinstance(e.acta, Acta) for e in actas) and {e.acta.instrumento for e in actas} == {"LC-GIA", "LC-RTC"}
    adjuntos = _eventos(evidencias, edm.ConAdjuntos.EvidenciaAdjuntada)
    assert all(isinstance(e.adjunto, Adjunto) and e.adjunto.bytes == 2048 for e in adjuntos)
    # and the aggregates keep them so
    visita = evidencias.repository.get(edm.visita_id(gae.ident("visita-1")))
    assert visita.retroalimentacion == retro.retroalimentacion
    assert all(isinstance(a, Adjunto) for a in visita.adjuntos.values())


def test_evidencias_lo_creado_y_los_planes_y_necesidades_guardados_como_dict_se_leen_tipados(evidencias):
    # a published instrument of version 1 kept its JSON: read now, it is the instrument (and its aggregate keeps it)
    publicados = _eventos(evidencias, edm.Instrumento.Publicado)
    assert publicados and all(isinstance(e.instrumento, Instrumento) for e in publicados)
    ficha = evidencias.repository.get(edm.instrumento_id("FICHA-AULA", 1)).instrumento
    assert (ficha.tipo, ficha.item("D1").competencia, ficha.vigencia.desde) == ("rubrica", "C4", date(2020, 1, 1))
    # a commitment: the visit's days and its due date are dates, its free text stays encrypted as stored
    asumido = next(e.compromiso for e in _eventos(evidencias, edm.Compromiso.Asumido)
                   if e.compromiso.compromiso_id == gae.ident("compromiso-1"))
    assert isinstance(asumido, CompromisoAsumido)
    assert (asumido.fecha_visita, asumido.fecha_visita_fin, asumido.fecha_limite, asumido.competencia) == (
        date(2021, 5, 10), date(2021, 5, 11), date(2021, 6, 10), "C4")
    assert asumido.descripcion.startswith("cifd1:") and asumido.verificacion.startswith("cifd1:")
    assert evidencias.repository.get(edm.compromiso_id(gae.ident("compromiso-1"))).fecha_limite == date(2021, 6, 10)
    # an execution session and a self-evaluation
    sesion, = (e.sesion for e in _eventos(evidencias, edm.SesionEjecucion.Registrada))
    assert isinstance(sesion, Sesion) and (sesion.fecha, sesion.ugel) == (date(2021, 6, 18), gae.UGEL)
    assert sesion.acciones_clave == [AccionClave(accion="Reunión con el equipo", responsable="Directora",
                                                 estado="en_curso")]
    assert sesion.hitos == [Hito(fecha=date(2021, 7, 1), descripcion="Jornada", cumplido=False)]
    assert sesion.indicadores[0] == Indicador(indicador="Docentes que planifican", meta="80%", avance="60%")
    autoevaluacion, = (e.autoevaluacion for e in _eventos(evidencias, edm.Autoevaluacion.Registrada))
    assert isinstance(autoevaluacion, AutoevaluacionDe) and autoevaluacion.fecha == date(2021, 6, 19)
    assert (autoevaluacion.respuestas["ACO2"], autoevaluacion.comentario) == ("no", "Debo planificar mejor")
    # a docente's plans and needs
    planes = [e.plan for e in _eventos(evidencias, edm.DocenteAcompanado.PlanConocido)]
    assert len(planes) == 5 and all(isinstance(p, PlanAnual) for p in planes)
    assert {(p.docente_id, p.anio) for p in planes if p.modalidad == "interna"} == {(gae.DOCENTE, 2021)}
    necesidades = [e.necesidad for e in _eventos(evidencias, edm.DocenteAcompanado.NecesidadFormativaRegistrada)]
    assert all(isinstance(n, Necesidad) and n.descripcion.startswith("cifd1:") for n in necesidades)
    assert {(n.competencia, n.anio) for n in necesidades} == {("C4", 2021), (None, 2021)}
    # and the docente's aggregate keeps each plan as it stands: who held him before and until when, its closing
    otro = evidencias.repository.get(edm.docente_id(gae.OTRO_DOCENTE))
    assert all(isinstance(p, PlanEnCurso) for p in otro.planes.values())
    assert (otro.planes[2021].acompanante_id, otro.planes[2021].anteriores) == (
        gae.RELEVO, (Anterior(gae.ACOMPANANTE, date(2021, 6, 25)),))
    assert (otro.planes[2020].activo, otro.planes[2020].cerrado_el, otro.planes[2020].anteriores) == (
        False, date(2020, 12, 20), (Anterior(gae.ACOMPANANTE, None),))
    assert otro.tuvo(gae.ACOMPANANTE, 2021, date(2021, 6, 25))
    assert not otro.tuvo(gae.ACOMPANANTE, 2021, date(2021, 6, 26))
    docente = evidencias.repository.get(edm.docente_id(gae.DOCENTE))
    assert docente.internos[2021].plan.acompanante_id == gae.DIRECTIVO and docente.acompanante(2021) is None
    assert all(isinstance(n, Necesidad) for n in docente.necesidades.values())


def test_evidencias_un_evento_nuevo_lleva_su_contexto_y_se_publica_como_uno_antiguo(evidencias):
    # Given a docente held in 2022 by a new acompañante, and a visit of his (what agenda reports)
    docente, acompanante = gae.ident("docente-2022"), gae.ident("acompanante-2022")
    evidencias.reloj = lambda: date(2022, 5, 2)
    evidencias.conocer_plan({**gae._plan(docente, acompanante, 2022), "ugel": "UGEL-AZANGARO"})
    visita = {**gae._visita("visita-2022", docente, "2022-05-02", "2022-05-02"), "acompanante_id": acompanante,
              "ugel": "UGEL-AZANGARO"}
    evidencias.conocer_visita(visita)
    antes = evidencias.recorder.max_notification_id()
    # When its acompañante records what the visit left behind
    token = current_actor.set(Actor(usuario=acompanante, rol="acompanante"))
    try:
        v = visita["visita_id"]
        assert evidencias.registrar_observacion(ecv.RegistrarObservacion(
            visita_id=v, observacion_id=gae.ident("obs-2022"), acompanante_id=acompanante,
            niveles=gae._niveles(D1="II")))
        assert evidencias.brindar_retroalimentacion(ecv.BrindarRetroalimentacion(
            visita_id=v, acompanante_id=acompanante, dialogo_reflexivo="Conversamos", aspectos_priorizados=["D1"]))
        assert evidencias.registrar_necesidad(ecv.RegistrarNecesidad(
            docente_id=docente, necesidad_id=gae.ident("necesidad-2022"), acompanante_id=acompanante,
            descripcion="Preguntas abiertas", visita_id=v))
        assert evidencias.adjuntar(gae._adjunto("visita", v, acompanante, "cuaderno"))
    finally:
        current_actor.reset(token)
    # Then each event carries the visit (the docente's territory) as a typed value, stored by its registered name
    nuevos = [evidencias.mapper.to_domain_event(n) for n in evidencias.recorder.select_notifications(antes + 1, 100)]
    de = VisitaDe(visita_id=v, docente_id=docente, acompanante_id=acompanante, codigo_modular=gae.IE[0],
                  anexo=gae.IE[1], dre=gae.DRE, ugel="UGEL-AZANGARO", anio=2022, fecha=date(2022, 5, 2))
    assert [type(e) for e in nuevos] == [edm.Visita.ObservacionRegistrada, edm.Visita.RetroalimentacionBrindada,
                                        edm.DocenteAcompanado.NecesidadFormativaRegistrada,
                                        edm.ConAdjuntos.EvidenciaAdjuntada]
    assert nuevos[0].visita == nuevos[1].visita == nuevos[3].propietario == de
    assert (nuevos[2].docente_id, nuevos[2].territorio) == (docente, Territorio(gae.DRE, "UGEL-AZANGARO"))
    guardado = evidencias.recorder.select_notifications(antes + 1, 1)[0].state.decode()
    assert '"class_version":3' in guardado and '"_type_":"evidencias.VisitaDe"' in guardado
    assert '"_type_":"evidencias.Observacion"' in guardado and '"_type_":"evidencias.NivelObservado"' in guardado
    necesidad = evidencias.recorder.select_notifications(antes + 3, 1)[0].state.decode()
    assert '"class_version":3' in necesidad and '"_type_":"evidencias.Necesidad"' in necesidad
    # and is published as the same event without its context (version 1: read from the aggregate) would be
    publicar = EvidenciasPublicador(evidencias)
    for e in nuevos:
        sin = dataclasses.replace(e, **dict.fromkeys(CONTEXTO_EVIDENCIAS[type(e)]))
        assert publicar(e) == publicar(sin)
        assert publicar(e).ugel == "UGEL-AZANGARO"
