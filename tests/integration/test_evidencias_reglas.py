"""The rules of evidencias, driven through its application on SQLite and on PostgreSQL.

What agenda reports (plans, realized visits, GIA and RTC) is fed in as agenda's consumers would;
then each test records what a visit, a GIA or an RTC leaves behind and checks the rule it tests:
a refusal names the rule in Spanish and records nothing; what is accepted shows in the read models.
The clock is the test's own (``Mundo.hoy``), so due dates pass without waiting.
"""

from __future__ import annotations

import dataclasses
import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from services.evidencias import acceso
from services.evidencias import comandos as c
from services.evidencias import domainmodel as dm
from services.evidencias import projections as p
from services.evidencias.adjuntos import objeto_de
from services.evidencias.application import Evidencias
from services.evidencias.config import EvidenciasSettings
from services.evidencias.instrumentos import Instrumento, incluidos
from services.evidencias.valores import Adjunto
from shared.cifrado import MARCA
from shared.contracts.evidencias import Modelamiento
from shared.eventstore import Conflict, DomainError, EnEspera
from shared.telemetry import Actor, current_actor

DRE, UGEL = "DRE-PUNO", "UGEL-EL-COLLAO"
IE, OTRA_IE = ("0236885", 0), ("0237016", 0)
ETAPA = {2020: 1, 2021: 2, 2022: 3}
GIA = [f"GIA{i}" for i in range(1, 8)]
RTC = [f"RTC{i}" for i in range(1, 7)]
ACO = [f"ACO{i}" for i in range(1, 10)]

Invalida = dm.EvidenciaInvalida


def nuevo_id() -> str:
    return str(uuid.uuid4())


# --- builders -------------------------------------------------------------------------------------


def niveles(**por_item: str) -> dict[str, dict[str, str]]:
    """``niveles(D1="II")``: each item with its level and a plausible evidence."""
    return {item: {"nivel": nivel, "evidencia": f"Se vio en {item}: 12 de 25 estudiantes participan."}
            for item, nivel in por_item.items()}


def ficha(**por_item: str) -> dict[str, Any]:
    return {"instrumento": "FICHA-AULA", "niveles": niveles(**por_item), "fortalezas": ["Trato cordial"],
            "aspectos_criticos": ["Preguntas de baja demanda cognitiva"]}


def ficha_aula_v1() -> dict[str, Any]:
    return next(i for i in incluidos() if i.codigo == "FICHA-AULA").model_dump(mode="json")


def ficha_aula_v2(**cambios_por_item: dict[str, Any]) -> Instrumento:
    """FICHA-AULA v2, in force from 2022: every v1 item renamed (D1 -> D1b) and declared
    equivalent to the v1 item it replaces; ``cambios_por_item`` overrides an item's fields."""
    v1 = ficha_aula_v1()
    items = []
    for it in v1["items"]:
        nuevo = {**it, "clave": f"{it['clave']}b", "equivale_a": it["clave"]}
        nuevo.update(cambios_por_item.get(it["clave"], {}))
        items.append(nuevo)
    return Instrumento.model_validate({
        **v1, "version": 2, "reemplaza": 1, "vigencia": {"desde": "2022-01-01"},
        "titulo": {"es": "Ficha de observación de aula (2022)"}, "items": items})


def acta(asistencia: dict[str, str], lista: list[str] | dict[str, str], **extra: Any) -> dict[str, Any]:
    respuestas = lista if isinstance(lista, dict) else dict.fromkeys(lista, "si")
    return {"asistencia": asistencia, "acuerdos": ["Planificar juntos la unidad 3"], "nudos_criticos": [],
            "lista_cotejo": respuestas, **extra}


# --- the application's commands, from the bodies the routes take (``services.evidencias.comandos``) ------------


def _niveles(entrada: dict[str, Any]) -> dict[str, c.Nivel]:
    return {k: c.Nivel(nivel=n["nivel"], evidencia=n.get("evidencia", "")) for k, n in entrada["niveles"].items()}


def observacion_de(visita: str, observacion_id: str, acompanante: str, entrada: dict[str, Any]) -> c.RegistrarObservacion:
    return c.RegistrarObservacion(visita_id=visita, observacion_id=observacion_id, acompanante_id=acompanante,
                                  niveles=_niveles(entrada), instrumento=entrada.get("instrumento", "FICHA-AULA"),
                                  version=entrada.get("version"), fortalezas=entrada.get("fortalezas", ()),
                                  aspectos_criticos=entrada.get("aspectos_criticos", ()))


def correccion_de(visita: str, observacion_id: str, acompanante: str | None, entrada: dict[str, Any],
               motivo: str) -> c.CorregirObservacion:
    return c.CorregirObservacion(visita_id=visita, observacion_id=observacion_id, acompanante_id=acompanante,
                                 niveles=_niveles(entrada), motivo=motivo, fortalezas=entrada.get("fortalezas", ()),
                                 aspectos_criticos=entrada.get("aspectos_criticos", ()))


def retroalimentacion_de(visita: str, acompanante: str, entrada: dict[str, Any]) -> c.BrindarRetroalimentacion:
    return c.BrindarRetroalimentacion(visita_id=visita, acompanante_id=acompanante,
                                      dialogo_reflexivo=entrada["dialogo_reflexivo"],
                                      aspectos_priorizados=entrada["aspectos_priorizados"],
                                      modelamiento=[Modelamiento(**m) for m in entrada.get("modelamiento", [])])


def compromiso_de(compromiso_id: str, visita: str, acompanante: str, entrada: dict[str, Any]) -> c.AsumirCompromiso:
    return c.AsumirCompromiso(compromiso_id=compromiso_id, visita_id=visita, acompanante_id=acompanante,
                              item=entrada["item"], descripcion=entrada["descripcion"],
                              fecha_limite=date.fromisoformat(entrada["fecha_limite"]),
                              verificacion=entrada["verificacion"])


def verificacion_de(compromiso_id: str, visita: str, acompanante: str, resultado: str,
                 evidencia: str) -> c.VerificarCompromiso:
    return c.VerificarCompromiso(compromiso_id=compromiso_id, visita_id=visita, acompanante_id=acompanante,
                                 resultado=resultado, evidencia=evidencia)


def necesidad_de(docente: str, necesidad_id: str, acompanante: str, entrada: dict[str, Any]) -> c.RegistrarNecesidad:
    return c.RegistrarNecesidad(docente_id=docente, necesidad_id=necesidad_id, acompanante_id=acompanante, **entrada)


def acta_de(actividad: str, autor: str, entrada: dict[str, Any]) -> c.RegistrarActa:
    return c.RegistrarActa(actividad_id=actividad, autor_id=autor, **entrada)


def correccion_acta_de(actividad: str, autor: str, entrada: dict[str, Any], motivo: str) -> c.CorregirActa:
    return c.CorregirActa(actividad_id=actividad, autor_id=autor, motivo=motivo, **entrada)


def sesion_de(sesion_id: str, acompanante: str, entrada: dict[str, Any]) -> c.RegistrarSesion:
    return c.RegistrarSesion(sesion_id=sesion_id, acompanante_id=acompanante,
                             **{**entrada, "fecha": date.fromisoformat(entrada["fecha"])})


def autoevaluacion_de(autoevaluacion_id: str, acompanante: str, entrada: dict[str, Any]) -> c.RegistrarAutoevaluacion:
    return c.RegistrarAutoevaluacion(autoevaluacion_id=autoevaluacion_id, acompanante_id=acompanante,
                                     **{**entrada, "fecha": date.fromisoformat(entrada["fecha"])})


def adjunto_de(tipo: str, propietario: str, autor: str, datos: dict[str, Any]) -> c.Adjuntar:
    return c.Adjuntar(tipo=tipo, propietario_id=propietario, autor_id=autor, **datos)  # type: ignore[arg-type]


def cambio_de(docente: str, anio: int, de: str, a: str, aviso: str, el: date | None = None) -> c.CambiarAcompanante:
    return c.CambiarAcompanante(docente_id=docente, anio=anio, de=de, a=a, aviso_id=aviso, el=el)


def cierre_de(docente: str, anio: int, el: date | None = None) -> c.CerrarPlan:
    return c.CerrarPlan(docente_id=docente, anio=anio, el=el)


class Mundo:
    """The application under test, the clock it reads, and what agenda would have reported."""

    def __init__(self, app: Evidencias, reloj: dict[str, date]) -> None:
        self.app = app
        self.reloj = reloj

    # the clock
    @property
    def hoy(self) -> date:
        return self.reloj["hoy"]

    @hoy.setter
    def hoy(self, dia: date) -> None:
        self.reloj["hoy"] = dia

    # what agenda reports
    def plan(self, docente: str, acompanante: str, anio: int = 2021, ie: tuple[str, int] = IE) -> str:
        plan_id = nuevo_id()
        self.app.conocer_plan({
            "plan_id": plan_id, "docente_id": docente, "acompanante_id": acompanante, "anio": anio,
            "etapa": ETAPA[anio], "modalidad": "externa", "codigo_modular": ie[0], "anexo": ie[1],
            "tipo_ie": "polidocente_primaria", "nivel": "primaria", "dre": DRE, "ugel": UGEL})
        return plan_id

    def visita(self, docente: str, acompanante: str, inicio: str, fin: str | None = None,
               ie: tuple[str, int] = IE) -> str:
        visita_id = nuevo_id()
        self.app.conocer_visita({
            "visita_id": visita_id, "docente_id": docente, "acompanante_id": acompanante,
            "codigo_modular": ie[0], "anexo": ie[1], "dre": DRE, "ugel": UGEL, "anio": int(inicio[:4]),
            "fecha_inicio": inicio, "fecha_fin": fin or inicio, "acciones": ["observacion", "asesoria"]})
        return visita_id

    def reunion(self, tipo: str, acompanante: str, docentes: list[str], fecha: str = "2021-04-20",
                directivo: str | None = None, horas: float = 3.0) -> str:
        actividad_id = nuevo_id()
        self.app.conocer_reunion({
            "actividad_id": actividad_id, "tipo": tipo, "acompanante_id": acompanante,
            "directivo_id": directivo if tipo == "rtc" else None, "codigo_modular": IE[0], "anexo": IE[1],
            "dre": DRE, "ugel": UGEL, "anio": int(fecha[:4]), "fecha": fecha, "hora_inicio": "15:00",
            "hora_fin": "18:00", "horas": horas, "docentes": docentes, "tema": "Evaluación formativa",
            "acuerdos": ["Revisar las rúbricas"]})
        return actividad_id

    # what the coach records
    def observar(self, visita: str, acompanante: str, entrada: dict[str, Any] | None = None) -> str:
        observacion_id = nuevo_id()
        assert self.app.registrar_observacion(observacion_de(visita, observacion_id, acompanante, entrada or ficha(D1="II", D3="I")))
        return observacion_id

    def comprometer(self, visita: str, acompanante: str, item: str = "D1", fecha_limite: str = "2021-06-30") -> str:
        compromiso_id = nuevo_id()
        assert self.app.asumir_compromiso(compromiso_de(compromiso_id, visita, acompanante, compromiso(item, fecha_limite)))
        return compromiso_id

    def compromiso(self, compromiso_id: str, **filtros: Any) -> dict[str, Any]:
        filas = [c for c in self.app.proyecciones.compromisos(hoy=self.hoy, **filtros)
                 if c["compromiso_id"] == compromiso_id]
        assert len(filas) == 1, f"el compromiso {compromiso_id} no figura con {filtros}"
        return filas[0]

    def registrados(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    @contextmanager
    def rechaza(self, tipo: type[DomainError], fragmento: str) -> Iterator[None]:
        """Then the command is refused with ``tipo``, its message says ``fragmento``, and nothing is recorded."""
        antes = self.registrados()
        with pytest.raises(tipo) as refusal:
            yield
        assert fragmento in str(refusal.value), str(refusal.value)
        assert self.registrados() == antes, "un comando rechazado registró eventos"


def compromiso(item: str, fecha_limite: str) -> dict[str, Any]:
    return {"descripcion": "Formular preguntas abiertas que pidan justificar", "item": item,
            "fecha_limite": fecha_limite, "verificacion": "Observación en la próxima visita"}


def retro(*aspectos: str) -> dict[str, Any]:
    return {"dialogo_reflexivo": "Conversamos sobre cómo involucrar a todo el grupo.",
            "aspectos_priorizados": list(aspectos), "modelamiento": []}


@contextmanager
def como(actor: Actor) -> Iterator[None]:
    token = current_actor.set(actor)
    try:
        yield
    finally:
        current_actor.reset(token)


@pytest.fixture
def mundo(make_settings, closing) -> Mundo:
    reloj = {"hoy": date(2021, 5, 3)}
    app = closing(Evidencias(make_settings(EvidenciasSettings), reloj=lambda: reloj["hoy"]))
    app.publicar_instrumentos_incluidos()
    return Mundo(app, reloj)


@pytest.fixture
def aula(mundo: Mundo) -> dict[str, str]:
    """A docente held by an acompañante in 2021, and a visit agenda reported as realized."""
    docente, acompanante = nuevo_id(), nuevo_id()
    mundo.plan(docente, acompanante)
    visita = mundo.visita(docente, acompanante, "2021-05-10", "2021-05-11")
    return {"docente": docente, "acompanante": acompanante, "visita": visita}


# --- 1. observations ------------------------------------------------------------------------------


def test_una_observacion_valida_queda_con_su_version_y_evidencia(mundo, aula):
    # Given a realized visit / When its coach records an observation
    obs = mundo.observar(aula["visita"], aula["acompanante"], ficha(D1="II", D3="I"))
    # Then the visit keeps it with the instrument's version and each item's competencia
    registro = mundo.app.proyecciones.visita(aula["visita"])["observaciones"][obs]
    assert len(registro) == 1
    assert (registro[0]["instrumento"], registro[0]["version"]) == ("FICHA-AULA", 1)
    assert registro[0]["niveles"]["D1"]["competencia"] == "C4"
    assert registro[0]["niveles"]["D3"]["competencia"] == "C5"


@pytest.mark.parametrize("evidencia", ["", "   \n\t  "], ids=["vacia", "solo-espacios"])
def test_un_nivel_sin_evidencia_se_rechaza(mundo, aula, evidencia):
    entrada = {"instrumento": "FICHA-AULA", "niveles": {"D1": {"nivel": "II", "evidencia": evidencia}}}
    with mundo.rechaza(Invalida, "necesita la evidencia que lo sustenta"):
        mundo.app.registrar_observacion(observacion_de(aula["visita"], nuevo_id(), aula["acompanante"], entrada))


def test_un_nivel_que_el_instrumento_no_tiene_se_rechaza(mundo, aula):
    entrada = {"instrumento": "FICHA-AULA", "niveles": {"D1": {"nivel": "V", "evidencia": "Todos participan"}}}
    with mundo.rechaza(Invalida, "El nivel 'V' de D1 no existe en FICHA-AULA@1"):
        mundo.app.registrar_observacion(observacion_de(aula["visita"], nuevo_id(), aula["acompanante"], entrada))


def test_un_item_que_no_es_del_instrumento_se_rechaza(mundo, aula):
    with mundo.rechaza(Invalida, "D9 no es un desempeño de FICHA-AULA@1"):
        mundo.app.registrar_observacion(observacion_de(aula["visita"], nuevo_id(), aula["acompanante"], ficha(D1="II", D9="III")))


def test_lo_de_una_visita_que_agenda_aun_no_reporta_queda_en_espera(mundo, aula):
    # Given a visit agenda has not reported yet / When its observation arrives / Then it waits, recording nothing
    visita_id = nuevo_id()
    with mundo.rechaza(EnEspera, "aún no consta como realizada en evidencias"):
        mundo.app.registrar_observacion(observacion_de(visita_id, nuevo_id(), aula["acompanante"], ficha(D1="II")))
    # and once agenda's VisitaRealizada arrives, the same observation goes through
    mundo.app.conocer_visita(dataclasses.replace(mundo.app.repository.get(dm.visita_id(aula["visita"])).visita,
                                                 visita_id=visita_id, fecha_inicio=date(2021, 5, 17),
                                                 fecha_fin=date(2021, 5, 17)))
    assert mundo.app.registrar_observacion(observacion_de(visita_id, nuevo_id(), aula["acompanante"], ficha(D1="II")))


def test_otro_acompanante_no_registra_lo_que_dejo_la_visita(mundo, aula):
    # Given another coach who holds a docente at the same IE
    otro = nuevo_id()
    mundo.plan(nuevo_id(), otro)
    with mundo.rechaza(Invalida, "La visita la realizó otro acompañante"):
        mundo.app.registrar_observacion(observacion_de(aula["visita"], nuevo_id(), otro, ficha(D1="II")))


def test_el_dia_de_la_visita_decide_quien_registra_lo_que_dejo(mundo, aula):
    # Given the docente was reassigned to another coach on 01/06/2021, after the visit of 10/05/2021
    nuevo = nuevo_id()
    mundo.app.cambiar_acompanante(cambio_de(aula["docente"], 2021, aula["acompanante"], nuevo, nuevo_id(), el=date(2021, 6, 1)))
    # When the visit's author sends what it left behind (his device was offline) / Then it is recorded
    mundo.observar(aula["visita"], aula["acompanante"], ficha(D1="II"))
    assert mundo.app.brindar_retroalimentacion(retroalimentacion_de(aula["visita"], aula["acompanante"], retro("D1")))
    assert mundo.comprometer(aula["visita"], aula["acompanante"], "D1", "2021-07-30")
    assert mundo.app.registrar_necesidad(necesidad_de(aula["docente"], nuevo_id(), aula["acompanante"], {
        "descripcion": "Planificación curricular", "visita_id": aula["visita"]}))
    # But a visit of his dated after the reassignment leaves him nothing to record
    despues = mundo.visita(aula["docente"], aula["acompanante"], "2021-06-07")
    with mundo.rechaza(Invalida, "no tenía a cargo al docente"):
        mundo.app.registrar_observacion(observacion_de(despues, nuevo_id(), aula["acompanante"], ficha(D1="II")))
    # nor anything not tied to a visit, now that the docente is another's
    with mundo.rechaza(Invalida, f"no tenía a cargo al docente {aula['docente']} en 2021"):
        mundo.app.registrar_necesidad(necesidad_de(aula["docente"], nuevo_id(), aula["acompanante"],
                                      {"descripcion": "Planificación curricular", "anio": 2021}))


def test_un_cambio_de_acompanante_sin_fecha_conocida_no_deja_registrar_al_anterior(mundo, aula):
    # Given a reassignment recorded before its day was kept (no date): who held him until when is unknown
    mundo.app.cambiar_acompanante(cambio_de(aula["docente"], 2021, aula["acompanante"], nuevo_id(), nuevo_id()))
    # When the visit's author records its observation / Then it is refused, as before
    with mundo.rechaza(Invalida, "no tenía a cargo al docente"):
        mundo.app.registrar_observacion(observacion_de(aula["visita"], nuevo_id(), aula["acompanante"], ficha(D1="II")))


def test_lo_ya_registrado_se_reconoce_aunque_el_docente_haya_pasado_a_otro_acompanante(mundo, aula):
    # Given a commitment taken and later verified by the coach, whose device was offline and sends them again
    mundo.observar(aula["visita"], aula["acompanante"])
    compromiso = mundo.comprometer(aula["visita"], aula["acompanante"])
    segunda = mundo.visita(aula["docente"], aula["acompanante"], "2021-06-07")
    assert mundo.app.verificar_compromiso(verificacion_de(compromiso, segunda, aula["acompanante"], "cumplido", "Lo hizo"))
    antes = mundo.app.recorder.max_notification_id()
    # When the docente passes to another coach before the device reconnects
    mundo.app.cambiar_acompanante(cambio_de(aula["docente"], 2021, aula["acompanante"], nuevo_id(), nuevo_id()))
    # Then the same requests again are "already recorded", not refused, and record nothing
    c = mundo.app.compromiso(compromiso).compromiso.como_dict()
    assert mundo.app.asumir_compromiso(compromiso_de(compromiso, aula["visita"], aula["acompanante"], {
        k: c[k] for k in ("item", "descripcion", "fecha_limite", "verificacion")})) is False
    assert mundo.app.verificar_compromiso(verificacion_de(compromiso, segunda, aula["acompanante"], "cumplido", "Lo hizo")) is False
    assert mundo.app.recorder.max_notification_id() == antes + 1  # only the reassignment
    # while anything new from him is refused
    with mundo.rechaza(Invalida, "no tenía a cargo al docente"):
        mundo.app.registrar_observacion(observacion_de(segunda, nuevo_id(), aula["acompanante"], ficha(D1="II")))


def test_una_lista_de_cotejo_no_sirve_para_observar_el_aula(mundo, aula):
    entrada = {"instrumento": "LC-GIA", "niveles": {"GIA1": {"nivel": "si", "evidencia": "x"}}}
    with mundo.rechaza(Invalida, "LC-GIA@1 no se usa en visitas en aula"):
        mundo.app.registrar_observacion(observacion_de(aula["visita"], nuevo_id(), aula["acompanante"], entrada))


def test_una_version_no_vigente_el_dia_de_la_visita_se_rechaza(mundo, aula):
    # Given FICHA-AULA v2, in force from 2022
    assert mundo.app.publicar_instrumento(ficha_aula_v2())
    # When v2 is asked for on a 2021 visit / Then it is refused
    entrada = {**ficha(), "version": 2, "niveles": niveles(D1b="II")}
    with mundo.rechaza(Invalida, "FICHA-AULA@2 no estaba vigente el 10/05/2021"):
        mundo.app.registrar_observacion(observacion_de(aula["visita"], nuevo_id(), aula["acompanante"], entrada))


def test_una_segunda_observacion_con_el_mismo_instrumento_es_conflicto(mundo, aula):
    primera = mundo.observar(aula["visita"], aula["acompanante"])
    with mundo.rechaza(Conflict, f"ya tiene una observación con FICHA-AULA ({primera})"):
        mundo.app.registrar_observacion(observacion_de(aula["visita"], nuevo_id(), aula["acompanante"], ficha(D2="III")))


def test_reenviar_la_misma_observacion_no_registra_nada(mundo, aula):
    obs = nuevo_id()
    assert mundo.app.registrar_observacion(observacion_de(aula["visita"], obs, aula["acompanante"], ficha(D1="II")))
    antes = mundo.registrados()
    # When the device re-sends the identical request
    assert mundo.app.registrar_observacion(observacion_de(aula["visita"], obs, aula["acompanante"], ficha(D1="II"))) is False
    # Then nothing new
    assert mundo.registrados() == antes
    assert len(mundo.app.proyecciones.visita(aula["visita"])["observaciones"][obs]) == 1
    # and the same id with other content is a conflict, not a silent correction
    with mundo.rechaza(Conflict, "ya se registró con otro contenido"):
        mundo.app.registrar_observacion(observacion_de(aula["visita"], obs, aula["acompanante"], ficha(D1="IV")))


def test_reenviar_la_observacion_tras_publicarse_otra_version_no_registra_nada(mundo, aula):
    """Regression (application.py, ``registrar_observacion``): the version is resolved again before the
    re-send is recognised, so once a newer version covers the visit's date the same request is refused."""
    d, a = aula["docente"], aula["acompanante"]
    mundo.plan(d, a, anio=2022)
    visita = mundo.visita(d, a, "2022-03-28")
    obs = nuevo_id()
    # Given an observation recorded without naming a version (v1, the only one)
    assert mundo.app.registrar_observacion(observacion_de(visita, obs, a, ficha(D1="II")))
    # and then v2 published, in force from 2022-01-01
    mundo.app.publicar_instrumento(ficha_aula_v2())
    antes = mundo.registrados()
    # When the device re-sends the identical request / Then it is recognised: nothing new
    try:
        reenvio = mundo.app.registrar_observacion(observacion_de(visita, obs, a, ficha(D1="II")))
    except DomainError as exc:
        pytest.fail(f"el reenvío idéntico se rechazó ({type(exc).__name__}: {exc}) en lugar de reconocerse")
    assert reenvio is False
    assert mundo.registrados() == antes


# --- 2. corrections -------------------------------------------------------------------------------


def test_una_correccion_es_un_evento_nuevo_y_el_original_permanece(mundo, aula):
    obs = mundo.observar(aula["visita"], aula["acompanante"], ficha(D1="II", D3="I"))
    antes = mundo.registrados()
    # When the coach corrects the level of D1
    assert mundo.app.corregir_observacion(correccion_de(aula["visita"], obs, aula["acompanante"],
                                          {"niveles": niveles(D1="III", D3="I")}, "Error de digitación"))
    # Then it is one new event; the aggregate keeps the original and the correction
    assert mundo.registrados() == antes + 1
    visita = mundo.app.repository.get(dm.visita_id(aula["visita"]))
    assert [o.niveles["D1"].nivel for o in visita.historial[obs]] == ["II", "III"]
    assert visita.observaciones[obs].niveles["D1"].nivel == "III"
    # and so does the visit's read model, the correction with its reason and author
    original, corregida = mundo.app.proyecciones.visita(aula["visita"])["observaciones"][obs]
    assert original["niveles"]["D1"]["nivel"] == "II" and original["correccion"] == 0 and "motivo" not in original
    assert corregida["niveles"]["D1"]["nivel"] == "III" and corregida["correccion"] == 1
    assert (corregida["motivo"], corregida["autor_id"], corregida["autor_rol"]) == (
        "Error de digitación", aula["acompanante"], "acompanante")
    # and the same correction re-sent records nothing
    assert mundo.app.corregir_observacion(correccion_de(aula["visita"], obs, aula["acompanante"],
                                          {"niveles": niveles(D1="III", D3="I")}, "Error de digitación")) is False
    assert mundo.registrados() == antes + 1


def test_un_especialista_corrige_sin_ser_el_autor(mundo, aula):
    obs = mundo.observar(aula["visita"], aula["acompanante"], ficha(D1="II"))
    # Given a UGEL specialist / When he corrects without an acompanante_id
    with como(Actor(usuario="esp-1", rol="especialista_ugel")):
        assert mundo.app.corregir_observacion(correccion_de(aula["visita"], obs, None, {"niveles": niveles(D1="I")},
                                              "La evidencia no sustenta el nivel II"))
    # Then the correction names him
    corregida = mundo.app.proyecciones.visita(aula["visita"])["observaciones"][obs][-1]
    assert (corregida["autor_id"], corregida["autor_rol"]) == ("esp-1", "especialista_ugel")
    assert corregida["niveles"]["D1"]["nivel"] == "I"


def test_corregir_sin_acompanante_ni_rol_de_especialista_se_rechaza(mundo, aula):
    obs = mundo.observar(aula["visita"], aula["acompanante"], ficha(D1="II"))
    with como(Actor(usuario=aula["acompanante"], rol="acompanante")), \
            mundo.rechaza(Invalida, "Indique el acompañante que corrige"):
        mundo.app.corregir_observacion(correccion_de(aula["visita"], obs, None, {"niveles": niveles(D1="III")}, "Me equivoqué"))
    assert len(mundo.app.repository.get(dm.visita_id(aula["visita"])).historial[obs]) == 1


def test_corregir_una_observacion_que_aun_no_llega_queda_en_espera(mundo, aula):
    mundo.observar(aula["visita"], aula["acompanante"])
    with mundo.rechaza(EnEspera, "La visita aún no tiene la observación"):
        mundo.app.corregir_observacion(correccion_de(aula["visita"], nuevo_id(), aula["acompanante"],
                                       {"niveles": niveles(D1="III")}, "Me equivoqué"))


def test_las_valoraciones_muestran_el_nivel_corregido(mundo, aula):
    obs = mundo.observar(aula["visita"], aula["acompanante"], ficha(D1="II", D3="I"))
    mundo.app.corregir_observacion(correccion_de(aula["visita"], obs, aula["acompanante"],
                                   {"niveles": niveles(D1="III", D3="I")}, "Error de digitación"))
    valoraciones = {v["item"]: v for v in mundo.app.proyecciones.valoraciones(aula["docente"])}
    assert set(valoraciones) == {"D1", "D3"}
    assert (valoraciones["D1"]["nivel"], valoraciones["D1"]["correcciones"]) == ("III", 1)
    assert (valoraciones["D3"]["nivel"], valoraciones["D3"]["etapa"]) == ("I", 2)


# --- 3. versioned instruments ---------------------------------------------------------------------


@pytest.fixture
def dos_etapas(mundo: Mundo, aula: dict[str, str]) -> dict[str, str]:
    """The same docente and coach in 2022 too, with a visit in 2022."""
    mundo.plan(aula["docente"], aula["acompanante"], anio=2022)
    return {**aula, "visita_2022": mundo.visita(aula["docente"], aula["acompanante"], "2022-04-18")}


def test_publicar_la_v2_no_cambia_lo_observado_con_la_v1(mundo, dos_etapas):
    obs = mundo.observar(dos_etapas["visita"], dos_etapas["acompanante"], ficha(D1="II", D3="I"))
    # When v2 is published
    assert mundo.app.publicar_instrumento(ficha_aula_v2())
    # Then the v1 observation still reads FICHA-AULA@1 with its levels
    guardada = mundo.app.repository.get(dm.visita_id(dos_etapas["visita"])).observaciones[obs]
    assert (guardada.instrumento, guardada.version) == ("FICHA-AULA", 1)
    assert {k: n.nivel for k, n in guardada.niveles.items()} == {"D1": "II", "D3": "I"}
    filas = mundo.app.proyecciones.valoraciones(dos_etapas["docente"])
    assert {(v["instrumento"], v["item"], v["nivel"]) for v in filas} == {
        ("FICHA-AULA@1", "D1", "II"), ("FICHA-AULA@1", "D3", "I")}
    # and a correction of it still uses v1
    assert mundo.app.corregir_observacion(correccion_de(dos_etapas["visita"], obs, dos_etapas["acompanante"],
                                          {"niveles": niveles(D1="III", D3="I")}, "Error de digitación"))
    assert mundo.app.repository.get(dm.visita_id(dos_etapas["visita"])).observaciones[obs].version == 1


def test_la_v2_se_alinea_con_la_v1_en_el_mismo_desempeno(mundo, dos_etapas):
    # Given a 2021 observation with v1, then v2 published
    mundo.observar(dos_etapas["visita"], dos_etapas["acompanante"], ficha(D1="II"))
    mundo.app.publicar_instrumento(ficha_aula_v2())
    # When the 2022 visit is observed without naming a version (v2 is the latest in force)
    obs = mundo.observar(dos_etapas["visita_2022"], dos_etapas["acompanante"],
                         {"instrumento": "FICHA-AULA", "niveles": niveles(D1b="III")})
    assert mundo.app.repository.get(dm.visita_id(dos_etapas["visita_2022"])).observaciones[obs].version == 2
    # Then both line up on the canonical desempeño D1, one from each version
    serie = mundo.app.proyecciones.valoraciones(dos_etapas["docente"], canonico="D1")
    assert [(v["instrumento"], v["item"], v["nivel"], v["etapa"]) for v in serie] == [
        ("FICHA-AULA@1", "D1", "II", 2), ("FICHA-AULA@2", "D1b", "III", 3)]


@pytest.mark.parametrize(("cambio", "fragmento"), [
    ({"equivale_a": "D9"}, "equivale a D9, que no existe en FICHA-AULA@1"),
    ({"equivale_a": "D3"}, "informan competencias distintas"),
], ids=["item-inexistente", "otra-competencia"])
def test_una_v2_con_equivalencias_rotas_se_rechaza(mundo, cambio, fragmento):
    with mundo.rechaza(Invalida, fragmento):
        mundo.app.publicar_instrumento(ficha_aula_v2(D1=cambio))
    assert [i["version"] for i in mundo.app.proyecciones.instrumentos("FICHA-AULA")] == [1]


def test_republicar_la_v1_con_otro_contenido_es_conflicto(mundo):
    v1 = ficha_aula_v1()
    # the same content again: nothing new
    assert mundo.app.publicar_instrumento(Instrumento.model_validate(v1)) is False
    cambiada = Instrumento.model_validate({**v1, "titulo": {"es": "Otra ficha"}})
    with mundo.rechaza(Conflict, "FICHA-AULA@1 ya se publicó con otro contenido"):
        mundo.app.publicar_instrumento(cambiada)
    assert mundo.app.instrumento("FICHA-AULA", 1).titulo == v1["titulo"]


# --- 4. feedback ----------------------------------------------------------------------------------


def test_retroalimentar_antes_de_observar_queda_en_espera(mundo, aula):
    with mundo.rechaza(EnEspera, "se registrará cuando llegue la observación"):
        mundo.app.brindar_retroalimentacion(retroalimentacion_de(aula["visita"], aula["acompanante"], retro("D1")))


def test_retroalimentar_sobre_un_desempeno_no_observado_se_rechaza(mundo, aula):
    mundo.observar(aula["visita"], aula["acompanante"], ficha(D1="II"))
    with mundo.rechaza(Invalida, "no se observaron en la visita: D4"):
        mundo.app.brindar_retroalimentacion(retroalimentacion_de(aula["visita"], aula["acompanante"], retro("D1", "D4")))


def test_retroalimentar_tras_observar_se_acepta(mundo, aula):
    mundo.observar(aula["visita"], aula["acompanante"], ficha(D1="II", D3="I"))
    assert mundo.app.brindar_retroalimentacion(retroalimentacion_de(aula["visita"], aula["acompanante"], retro("D1", "D3")))
    assert mundo.app.proyecciones.visita(aula["visita"])["retroalimentacion"]["aspectos_priorizados"] == ["D1", "D3"]


# --- 5. commitments -------------------------------------------------------------------------------


def test_un_compromiso_se_verifica_en_una_visita_posterior(mundo, aula):
    d, a = aula["docente"], aula["acompanante"]
    # Given a commitment taken at visit 1 on the observed D1
    mundo.observar(aula["visita"], a, ficha(D1="II"))
    cid = mundo.comprometer(aula["visita"], a, "D1", "2021-07-30")
    mundo.visita(d, a, "2021-06-14")
    visita_3 = mundo.visita(d, a, "2021-07-19", "2021-07-20")
    # When it is verified at visit 3
    mundo.hoy = date(2021, 7, 20)
    assert mundo.app.verificar_compromiso(verificacion_de(cid, visita_3, a, "cumplido", "Formula preguntas abiertas"))
    # Then it reads verified, with the verification
    c = mundo.compromiso(cid, docente_id=d)
    assert c["estado"] == "verificado"
    assert c["verificado"]["visita_id"] == visita_3 and c["verificado"]["resultado"] == "cumplido"
    assert c["verificado"]["fecha"] == "2021-07-19"
    assert (c["item"], c["competencia"], c["instrumento"], c["version"]) == ("D1", "C4", "FICHA-AULA", 1)
    assert mundo.app.proyecciones.visita(visita_3)["compromisos_verificados"] == [cid]
    assert mundo.app.proyecciones.visita(aula["visita"])["compromisos_asumidos"] == [cid]
    # and a verified commitment never falls due
    mundo.hoy = date(2021, 9, 1)
    assert mundo.app.vencer_compromisos() == 0
    assert mundo.compromiso(cid, docente_id=d)["estado"] == "verificado"


@pytest.mark.parametrize(("inicio", "fin"), [
    (None, None), ("2021-04-12", "2021-04-13"), ("2021-05-11", "2021-05-12"),
], ids=["la-misma-visita", "una-visita-anterior", "una-visita-que-se-solapa"])
def test_un_compromiso_no_se_verifica_sino_en_una_visita_posterior(mundo, aula, inicio, fin):
    d, a = aula["docente"], aula["acompanante"]
    mundo.observar(aula["visita"], a, ficha(D1="II"))  # the visit of 10-11/05/2021
    cid = mundo.comprometer(aula["visita"], a)
    otra = aula["visita"] if inicio is None else mundo.visita(d, a, inicio, fin)
    with mundo.rechaza(Invalida, "en una visita posterior a la que lo originó"):
        mundo.app.verificar_compromiso(verificacion_de(cid, otra, a, "cumplido", "Lo hizo"))
    assert mundo.compromiso(cid, docente_id=d)["estado"] == "abierto"


def test_un_compromiso_no_se_verifica_en_la_visita_a_otro_docente(mundo, aula):
    a = aula["acompanante"]
    # Given the same coach holds another docente, visited later
    otro_docente = nuevo_id()
    mundo.plan(otro_docente, a)
    mundo.observar(aula["visita"], a, ficha(D1="II"))
    cid = mundo.comprometer(aula["visita"], a)
    visita_otro = mundo.visita(otro_docente, a, "2021-06-14")
    with mundo.rechaza(Invalida, "La visita es de otro docente"):
        mundo.app.verificar_compromiso(verificacion_de(cid, visita_otro, a, "cumplido", "Lo hizo"))


def test_un_compromiso_se_liga_a_un_desempeno_observado(mundo, aula):
    mundo.observar(aula["visita"], aula["acompanante"], ficha(D1="II"))
    with mundo.rechaza(Invalida, "D4 no se observó"):
        mundo.app.asumir_compromiso(compromiso_de(nuevo_id(), aula["visita"], aula["acompanante"], compromiso("D4", "2021-06-30")))


@pytest.mark.parametrize("fecha_limite", ["2021-05-11", "2021-05-10", "2021-05-01"],
                         ids=["el-ultimo-dia", "el-primer-dia", "antes"])
def test_la_fecha_limite_es_posterior_a_la_visita(mundo, aula, fecha_limite):
    mundo.observar(aula["visita"], aula["acompanante"], ficha(D1="II"))  # 10-11/05/2021
    with mundo.rechaza(Invalida, "debe ser posterior a la visita"):
        mundo.app.asumir_compromiso(compromiso_de(nuevo_id(), aula["visita"], aula["acompanante"], compromiso("D1", fecha_limite)))


def test_un_compromiso_no_verificado_vence_una_sola_vez(mundo, aula):
    d, a = aula["docente"], aula["acompanante"]
    mundo.observar(aula["visita"], a, ficha(D1="II"))
    cid = mundo.comprometer(aula["visita"], a, "D1", "2021-06-30")
    # Before its date, and on it: open
    for dia in (date(2021, 6, 1), date(2021, 6, 30)):
        mundo.hoy = dia
        assert mundo.app.vencer_compromisos() == 0
        c = mundo.compromiso(cid, docente_id=d)
        assert (c["estado"], c["vencido_el"]) == ("abierto", None)
    # When the clock passes the date
    mundo.hoy = date(2021, 7, 3)
    antes = mundo.registrados()
    assert mundo.app.vencer_compromisos() == 1
    assert mundo.registrados() == antes + 1
    # Then it is overdue from the day after its due date
    c = mundo.compromiso(cid, docente_id=d)
    assert (c["estado"], c["vencido_el"]) == ("vencido", "2021-07-01")
    assert mundo.app.compromiso(cid).vencido_el == "2021-07-01"
    assert [x["compromiso_id"] for x in mundo.app.proyecciones.compromisos(hoy=mundo.hoy, estado="vencidos")] == [cid]
    # and only once
    mundo.hoy = date(2021, 8, 1)
    assert mundo.app.vencer_compromisos() == 0
    assert mundo.registrados() == antes + 1


def test_un_compromiso_cruza_la_etapa_y_lo_verifica_el_nuevo_acompanante(mundo, aula):
    d, a = aula["docente"], aula["acompanante"]
    # Given a commitment from a 2021 visit, left unverified
    visita_2021 = mundo.visita(d, a, "2021-10-04", "2021-10-05")
    mundo.observar(visita_2021, a, ficha(D3="I"))
    cid = mundo.comprometer(visita_2021, a, "D3", "2021-11-30")
    # When 2022 comes, with the docente reassigned to a new coach
    mundo.hoy = date(2022, 3, 21)
    mundo.plan(d, a, anio=2022)
    nuevo = nuevo_id()
    assert mundo.app.cambiar_acompanante(cambio_de(d, 2022, a, nuevo, nuevo_id()))
    # Then it is still pending, and it is the new coach's
    pendiente = mundo.compromiso(cid, docente_id=d, estado="pendientes")
    assert pendiente["anio"] == 2021 and pendiente["acompanante_actual_id"] == nuevo
    assert mundo.compromiso(cid, acompanante_id=nuevo, estado="pendientes")["estado"] == "vencido"
    assert [c["compromiso_id"] for c in mundo.app.proyecciones.compromisos(hoy=mundo.hoy, acompanante_id=a)] == []
    # and the former coach cannot verify it at a 2022 visit of his own
    visita_vieja = mundo.visita(d, a, "2022-04-04")
    with mundo.rechaza(Invalida, "no tenía a cargo al docente"):
        mundo.app.verificar_compromiso(verificacion_de(cid, visita_vieja, a, "cumplido", "Lo hizo"))
    # but the new coach can, at a 2022 visit of his
    visita_2022 = mundo.visita(d, nuevo, "2022-04-18")
    assert mundo.app.verificar_compromiso(verificacion_de(cid, visita_2022, nuevo, "parcialmente", "Lo intenta en dos sesiones"))
    c = mundo.compromiso(cid, acompanante_id=nuevo)
    assert c["estado"] == "verificado"
    assert (c["verificado"]["acompanante_id"], c["verificado"]["resultado"]) == (nuevo, "parcialmente")


def test_un_compromiso_pendiente_pasa_al_acompanante_del_plan_de_la_nueva_etapa(mundo, aula):
    """Regression (projections.py, ``_plan``): the new year's plan names another coach, and the open
    commitment still lists under the previous one; only ``cambiar_acompanante`` moves it."""
    d, a = aula["docente"], aula["acompanante"]
    mundo.observar(aula["visita"], a, ficha(D3="I"))
    cid = mundo.comprometer(aula["visita"], a, "D3", "2021-11-30")
    # When agenda's 2022 plan gives the docente to a new coach (a new etapa, no reassignment)
    mundo.hoy = date(2022, 3, 21)
    nuevo = nuevo_id()
    mundo.plan(d, nuevo, anio=2022)
    assert mundo.app.a_cargo_de(d) == {nuevo}  # the latest plan's coach holds him now
    # Then the pending commitment is the new coach's, who holds the docente now
    pendiente = mundo.compromiso(cid, docente_id=d, estado="pendientes")
    assert pendiente["acompanante_actual_id"] == nuevo, (
        "el compromiso pendiente sigue listado con el acompañante de 2021, no con el del plan 2022")


def test_un_compromiso_asumido_tras_la_reasignacion_de_la_nueva_etapa_es_del_nuevo_acompanante(mundo, aula):
    """Regression (projections.py, ``_compromiso``): the row's acompañante is the one of the commitment's
    year, not who holds the docente now, when the 2022 reassignment was recorded before it."""
    d, a = aula["docente"], aula["acompanante"]
    visita = mundo.visita(d, a, "2021-11-15")
    mundo.observar(visita, a, ficha(D1="II"))
    # Given 2022 came and the docente went to a new coach
    mundo.hoy = date(2022, 3, 1)
    mundo.plan(d, a, anio=2022)
    nuevo = nuevo_id()
    mundo.app.cambiar_acompanante(cambio_de(d, 2022, a, nuevo, nuevo_id()))
    # When the 2021 coach records, late, the commitment the docente took at that visit
    cid = mundo.comprometer(visita, a, "D1", "2022-04-30")
    # Then it goes with the docente, as those already open did
    assert mundo.compromiso(cid, docente_id=d)["acompanante_actual_id"] == nuevo, (
        "el compromiso queda con el acompañante de 2021 aunque el docente ya es del nuevo")


# --- 6. necesidades formativas ------------------------------------------------------------------------


def test_una_necesidad_formativa_se_registra_para_un_docente_a_cargo(mundo, aula):
    nid = nuevo_id()
    entrada = {"descripcion": "Evaluación formativa con rúbricas", "competencia": "C5",
               "visita_id": aula["visita"]}
    assert mundo.app.registrar_necesidad(necesidad_de(aula["docente"], nid, aula["acompanante"], entrada))
    [necesidad] = mundo.app.proyecciones.necesidades(aula["docente"])
    assert (necesidad["anio"], necesidad["acompanante_id"], necesidad["competencia"]) == (2021, aula["acompanante"], "C5")
    # re-sent: nothing new
    antes = mundo.registrados()
    assert mundo.app.registrar_necesidad(necesidad_de(aula["docente"], nid, aula["acompanante"], entrada)) is False
    assert mundo.registrados() == antes


def test_una_necesidad_para_un_docente_que_no_tiene_a_cargo_se_rechaza(mundo, aula):
    ajeno = nuevo_id()
    mundo.plan(ajeno, nuevo_id())
    with mundo.rechaza(Invalida, f"no tenía a cargo al docente {ajeno} en 2021"):
        mundo.app.registrar_necesidad(necesidad_de(ajeno, nuevo_id(), aula["acompanante"],
                                      {"descripcion": "Planificación curricular", "anio": 2021}))
    assert mundo.app.proyecciones.necesidades(ajeno) == []


def test_una_necesidad_ligada_a_la_visita_de_otro_docente_se_rechaza(mundo, aula):
    a = aula["acompanante"]
    otro = nuevo_id()
    mundo.plan(otro, a)
    with mundo.rechaza(Invalida, "La visita indicada es de otro docente"):
        mundo.app.registrar_necesidad(necesidad_de(otro, nuevo_id(), a,
                                      {"descripcion": "Planificación curricular", "visita_id": aula["visita"]}))


# --- 7. GIA and RTC actas -------------------------------------------------------------------------


@pytest.fixture
def gia(mundo: Mundo) -> dict[str, Any]:
    """A GIA agenda reported as realized: one coach, two docentes."""
    acompanante, docentes = nuevo_id(), [nuevo_id(), nuevo_id()]
    for d in docentes:
        mundo.plan(d, acompanante)
    return {"acompanante": acompanante, "docentes": docentes,
            "id": mundo.reunion("gia", acompanante, docentes, horas=2.5)}


def presentes(docentes: list[str]) -> dict[str, str]:
    return dict.fromkeys(docentes, "presente")


def test_el_acta_de_un_gia_que_agenda_aun_no_reporta_queda_en_espera(mundo, gia):
    with mundo.rechaza(EnEspera, "aún no consta como realizado"):
        mundo.app.registrar_acta(acta_de(nuevo_id(), gia["acompanante"], acta(presentes(gia["docentes"]), GIA)))


def test_el_acta_del_gia_la_registra_su_acompanante(mundo, gia):
    with mundo.rechaza(Invalida, "El acta la registra el acompañante que lo condujo"):
        mundo.app.registrar_acta(acta_de(gia["id"], nuevo_id(), acta(presentes(gia["docentes"]), GIA)))


def test_el_acta_de_la_rtc_la_registra_su_directivo(mundo, gia):
    directivo = nuevo_id()
    rtc = mundo.reunion("rtc", gia["acompanante"], gia["docentes"], fecha="2021-05-25", directivo=directivo)
    asistencia = {gia["docentes"][0]: "presente", gia["docentes"][1]: "justificado"}
    assert mundo.app.registrar_acta(acta_de(rtc, directivo, acta(asistencia, RTC)))
    [registrada] = mundo.app.proyecciones.reunion(rtc)["actas"]
    assert (registrada["autor_id"], registrada["instrumento"], registrada["version"]) == (directivo, "LC-RTC", 1)
    assert registrada["asistencia"] == asistencia
    # but not a directivo for a GIA, nor the RTC checklist for a GIA
    with mundo.rechaza(Invalida, "El acta la registra el acompañante que lo condujo"):
        mundo.app.registrar_acta(acta_de(gia["id"], directivo, acta(presentes(gia["docentes"]), GIA)))
    with mundo.rechaza(Invalida, "LC-RTC@1 no se usa en GIA"):
        mundo.app.registrar_acta(acta_de(gia["id"], gia["acompanante"],
                                 acta(presentes(gia["docentes"]), RTC, instrumento="LC-RTC")))


def test_el_acta_no_da_por_presente_a_quien_no_participo(mundo, gia):
    intruso = nuevo_id()
    with mundo.rechaza(Invalida, f"Figuran como presentes docentes que no participaron según lo registrado en agenda: {intruso}"):
        mundo.app.registrar_acta(acta_de(gia["id"], gia["acompanante"],
                                 acta({**presentes(gia["docentes"]), intruso: "presente"}, GIA)))


def test_el_acta_registra_la_asistencia_de_cada_participante(mundo, gia):
    falta = gia["docentes"][1]
    with mundo.rechaza(Invalida, f"Falta la asistencia de participantes registrados en agenda: {falta}"):
        mundo.app.registrar_acta(acta_de(gia["id"], gia["acompanante"], acta(presentes(gia["docentes"][:1]), GIA)))


@pytest.mark.parametrize(("respuestas", "fragmento"), [
    ({**dict.fromkeys(GIA, "si"), "GIA3": "a_veces"}, "Las respuestas se dan con sí, no o no aplica"),
    (dict.fromkeys(GIA[:-1], "si"), "Faltan respuestas de LC-GIA@1: GIA7"),
    ({**dict.fromkeys(GIA, "no"), "RTC1": "si"}, "RTC1 no son ítems de LC-GIA@1"),
], ids=["respuesta-no-prevista", "falta-un-item", "item-ajeno"])
def test_la_lista_de_cotejo_del_acta_se_responde_completa_con_si_no_o_no_aplica(mundo, gia, respuestas, fragmento):
    with mundo.rechaza(Invalida, fragmento):
        mundo.app.registrar_acta(acta_de(gia["id"], gia["acompanante"], acta(presentes(gia["docentes"]), respuestas)))


def test_la_duracion_del_acta_es_la_que_reporto_agenda(mundo, gia):
    assert mundo.app.registrar_acta(acta_de(gia["id"], gia["acompanante"],
                                    acta(presentes(gia["docentes"]), {**dict.fromkeys(GIA, "si"), "GIA7": "no_aplica"})))
    [registrada] = mundo.app.proyecciones.reunion(gia["id"])["actas"]
    assert registrada["duracion_horas"] == 2.5
    assert registrada["lista_cotejo"]["GIA7"] == "no_aplica"
    assert (registrada["instrumento"], registrada["version"]) == ("LC-GIA", 1)


def test_corregir_el_acta_conserva_la_original(mundo, gia):
    original = acta(presentes(gia["docentes"]), GIA)
    assert mundo.app.registrar_acta(acta_de(gia["id"], gia["acompanante"], original))
    # registering another acta is a conflict: it is corrected, with its reason
    corregida = acta({gia["docentes"][0]: "presente", gia["docentes"][1]: "ausente"}, GIA, duracion_horas=2.0)
    with mundo.rechaza(Conflict, "corríjala indicando el motivo"):
        mundo.app.registrar_acta(acta_de(gia["id"], gia["acompanante"], corregida))
    assert mundo.app.corregir_acta(correccion_acta_de(gia["id"], gia["acompanante"], corregida, "Un docente se retiró al inicio"))
    actas = mundo.app.proyecciones.reunion(gia["id"])["actas"]
    assert len(actas) == 2
    assert (actas[0]["correccion"], actas[0]["duracion_horas"], actas[0]["asistencia"]) == (0, 2.5, original["asistencia"])
    assert (actas[1]["correccion"], actas[1]["motivo"], actas[1]["duracion_horas"]) == (1, "Un docente se retiró al inicio", 2.0)
    assert actas[1]["asistencia"][gia["docentes"][1]] == "ausente"
    assert len(mundo.app.repository.get(dm.reunion_id(gia["id"])).actas) == 2


# --- 8. execution stage and self-evaluation -------------------------------------------------------


def sesion(ie: tuple[str, int] = IE) -> dict[str, Any]:
    return {"codigo_modular": ie[0], "anexo": ie[1], "fecha": "2021-06-15", "momento": "durante",
            "acciones_clave": [{"accion": "Revisar la planificación", "responsable": "Subdirección", "estado": "en_curso"}],
            "acuerdos": ["Reunión de seguimiento"], "avances": [], "nudos_criticos": [], "aprendizajes": []}


def test_una_sesion_de_ejecucion_en_una_ie_donde_tiene_docentes(mundo, aula):
    sid = nuevo_id()
    assert mundo.app.registrar_sesion(sesion_de(sid, aula["acompanante"], sesion(IE)))
    [registrada] = mundo.app.proyecciones.registros("sesion", aula["acompanante"])
    assert (registrada["sesion_id"], registrada["dre"], registrada["ugel"]) == (sid, DRE, UGEL)


def test_una_sesion_de_ejecucion_en_otra_ie_se_rechaza(mundo, aula):
    with mundo.rechaza(Invalida, f"no tiene docentes a cargo en la IE {OTRA_IE[0]}-0 en 2021"):
        mundo.app.registrar_sesion(sesion_de(nuevo_id(), aula["acompanante"], sesion(OTRA_IE)))


def test_la_autoevaluacion_con_los_nueve_items_se_acepta(mundo, aula):
    respuestas = {**dict.fromkeys(ACO, "si"), "ACO4": "no", "ACO9": "no_aplica"}
    assert mundo.app.registrar_autoevaluacion(autoevaluacion_de(nuevo_id(), aula["acompanante"],
                                              {"fecha": "2021-11-30", "respuestas": respuestas, "comentario": ""}))
    [registrada] = mundo.app.proyecciones.registros("autoevaluacion", aula["acompanante"])
    assert registrada["respuestas"] == respuestas
    assert (registrada["instrumento"], registrada["version"], registrada["ugel"]) == ("AUTOEVAL-ACOMP", 1, UGEL)


def test_la_autoevaluacion_incompleta_se_rechaza(mundo, aula):
    with mundo.rechaza(Invalida, "Faltan respuestas de AUTOEVAL-ACOMP@1: ACO9"):
        mundo.app.registrar_autoevaluacion(autoevaluacion_de(nuevo_id(), aula["acompanante"],
                                           {"fecha": "2021-11-30", "respuestas": dict.fromkeys(ACO[:-1], "si")}))


# --- 9. rebuilding the read models ---------------------------------------------------------------


def test_reconstruir_las_proyecciones_da_las_mismas_filas(mundo, dos_etapas, gia):
    app, d, a = mundo.app, dos_etapas["docente"], dos_etapas["acompanante"]
    # Given a bit of everything: observations, a correction by a specialist, feedback,
    # commitments verified, overdue and carried across the etapa, v2, a reassignment, an acta
    obs = mundo.observar(dos_etapas["visita"], a, ficha(D1="II", D3="I", PC="II"))
    with como(Actor(usuario="esp-1", rol="especialista_ugel")):
        app.corregir_observacion(correccion_de(dos_etapas["visita"], obs, None, {"niveles": niveles(D1="III", D3="I", PC="II")},
                                 "Revisión de la UGEL"))
    app.brindar_retroalimentacion(retroalimentacion_de(dos_etapas["visita"], a, retro("D1", "D3")))
    verificado = mundo.comprometer(dos_etapas["visita"], a, "D1", "2021-07-30")
    vencido = mundo.comprometer(dos_etapas["visita"], a, "D3", "2021-06-30")
    cruza = mundo.comprometer(dos_etapas["visita"], a, "PC", "2021-12-15")
    visita_2 = mundo.visita(d, a, "2021-07-12")
    mundo.observar(visita_2, a, ficha(D1="III"))
    app.verificar_compromiso(verificacion_de(verificado, visita_2, a, "cumplido", "Preguntas abiertas en toda la sesión"))
    mundo.hoy = date(2021, 8, 1)
    assert app.vencer_compromisos() == 1
    app.publicar_instrumento(ficha_aula_v2())
    nuevo = nuevo_id()
    app.cambiar_acompanante(cambio_de(d, 2022, a, nuevo, nuevo_id()))
    visita_2022 = mundo.visita(d, nuevo, "2022-05-09")
    mundo.observar(visita_2022, nuevo, {"instrumento": "FICHA-AULA", "niveles": niveles(D1b="IV", PCb="III")})
    app.verificar_compromiso(verificacion_de(cruza, visita_2022, nuevo, "cumplido", "Programa con el equipo"))
    app.registrar_necesidad(necesidad_de(d, nuevo_id(), nuevo, {"descripcion": "Evaluación formativa", "visita_id": visita_2022}))
    app.registrar_acta(acta_de(gia["id"], gia["acompanante"], acta(presentes(gia["docentes"]), GIA)))
    assert app.compromiso(vencido).vencido_el == "2021-07-01"

    tablas = (p.visita, p.valoracion, p.compromiso, p.cartera, p.item, p.necesidad, p.reunion)

    def filas() -> dict[str, list[str]]:
        return {t.name: sorted(repr(tuple(f)) for f in app.proyecciones.filas(select(t))) for t in tablas}

    antes = filas()
    assert len(antes["valoracion"]) == 6 and len(antes["compromiso"]) == 3
    # When the read models are rebuilt from the event store
    assert app.proyecciones.reconstruir() > 0
    # Then they hold exactly the same rows
    assert filas() == antes


def foto(nombre: str, descripcion: str, sujeto: str) -> dict[str, Any]:
    """An attachment as the API records it once its content is in the bucket."""
    sha = hashlib.sha256(nombre.encode()).hexdigest()
    return {"sha256": sha, "objeto": objeto_de(sha, sujeto), "tipo_contenido": "image/png", "bytes": 2048,
            "nombre": nombre, "descripcion": descripcion}


def todas_las_filas(app: Evidencias) -> dict[str, list[str]]:
    """Every row of every read-model table, once the projection has applied every stored event."""
    app.proyecciones.ponerse_al_dia()
    with app.proyecciones.store.engine.connect() as conn:
        return {t.name: sorted(repr(tuple(f)) for f in conn.execute(select(t))) for t in app.proyecciones.tablas}


def test_reconstruir_tras_cancelar_los_datos_de_un_docente_da_las_filas_de_la_proyeccion_en_vivo(
        mundo, aula, gia, monkeypatch):
    app, d, a, v = mundo.app, aula["docente"], aula["acompanante"], aula["visita"]
    suyo = dm.sujeto_docente(d)
    # Given his visit observed, with a commitment, a need and two photos (one sent without a description)
    mundo.observar(v, a, ficha(D1="II", D3="I"))
    mundo.comprometer(v, a)
    app.registrar_necesidad(necesidad_de(d, nuevo_id(), a, {"descripcion": "Evaluación formativa", "visita_id": v}))
    assert app.adjuntar(adjunto_de("visita", v, a, foto("clase-de-eustaquia.png", "Eustaquia en su aula", suyo)))
    assert app.adjuntar(adjunto_de("visita", v, a, foto("pizarra.png", "", suyo)))
    # another docente's visit with a photo of her, and a GIA's photo
    otra = nuevo_id()
    mundo.plan(otra, a)
    de_ella = mundo.visita(otra, a, "2021-05-12")
    assert app.adjuntar(adjunto_de("visita", de_ella, a, foto("clase-de-rosalinda.png", "Rosalinda en su aula",
                                                   dm.sujeto_docente(otra))))
    assert app.adjuntar(adjunto_de("reunion", gia["id"], gia["acompanante"],
                        foto("gia.png", "Acuerdos del GIA", dm.sujeto_reunion(gia["id"]))))
    # and a photo of him encrypted while his cancellation was being recorded, saved right after it
    en_vuelo = app.cifrador.cifrar_campos(suyo, {**foto("tarde.png", "Eustaquia otra vez", suyo), "acompanante_id": a},
                                          dm.ConAdjuntos.personales)
    # (all of it read, so projected, before the cancellation)
    assert [(x["nombre"], x["descripcion"]) for x in app.proyecciones.visita(v)["adjuntos"]] == [
        ("clase-de-eustaquia.png", "Eustaquia en su aula"), ("pizarra.png", "")]

    # When his personal data are cancelled
    assert app.cancelar_datos_personales(d, nuevo_id())
    visita = app.repository.get(dm.visita_id(v))
    assert visita.adjuntar(Adjunto.de(en_vuelo))
    app.save(visita)
    # Then the live read models show nothing of him: every file name and description is the mark
    assert [(x["nombre"], x["descripcion"]) for x in app.proyecciones.visita(v)["adjuntos"]] == [(MARCA, MARCA)] * 3
    assert app.proyecciones.visita(de_ella)["adjuntos"][0]["descripcion"] == "Rosalinda en su aula"
    assert app.proyecciones.reunion(gia["id"])["adjuntos"][0]["descripcion"] == "Acuerdos del GIA"
    en_vivo = todas_las_filas(app)
    assert len(en_vivo["adjunto_por_purgar"]) == 6 and len(en_vivo["adjunto"]) == 2  # his 3 contents, 2 names each

    # When every read model is rebuilt from zero with the write model out of reach: no aggregate, no key
    def fuera_de_alcance(*_: Any, **__: Any) -> None:
        raise AssertionError("una proyección leyó el modelo de escritura o el llavero")
    monkeypatch.setattr(app, "inicial", fuera_de_alcance)
    monkeypatch.setattr(app.repository, "get", fuera_de_alcance)
    monkeypatch.setattr(app.cifrador.llavero, "llaves", fuera_de_alcance)
    monkeypatch.setattr(app.cifrador.llavero, "suprimida", fuera_de_alcance)
    assert app.proyecciones.reconstruir() > 0
    # Then they hold exactly the rows the live projection gave
    assert todas_las_filas(app) == en_vivo
    monkeypatch.undo()
    assert [(x["nombre"], x["descripcion"]) for x in app.proyecciones.visita(v)["adjuntos"]] == [(MARCA, MARCA)] * 3
    assert app.proyecciones.visita(de_ella)["adjuntos"][0]["nombre"] == "clase-de-rosalinda.png"



def test_un_modelo_de_lectura_anterior_a_la_tabla_origen_se_reconstruye_al_arrancar(mundo, aula, closing):
    app, v, a = mundo.app, aula["visita"], aula["acompanante"]
    mundo.observar(v, a, ficha(D1="II", D3="I"))
    antes = todas_las_filas(app)
    assert len(antes["origen"]) == 2  # the docente and his visit
    # Given read models built before ``origen`` existed (the table created empty next to them)
    with app.proyecciones.store.engine.begin() as conn:
        conn.execute(p.origen.delete())
    # When the service starts again
    de_nuevo = closing(Evidencias(app.settings, reloj=app.reloj))
    # Then they were built again from the events, and what comes next for a visit known before is applied
    assert todas_las_filas(de_nuevo) == antes
    assert de_nuevo.brindar_retroalimentacion(retroalimentacion_de(v, a, retro("D1")))
    assert de_nuevo.proyecciones.visita(v)["retroalimentacion"]["aspectos_priorizados"] == ["D1"]


# --- review regressions ------------------------------------------------------------------------------


def test_un_mismo_id_de_dispositivo_en_dos_visitas_no_detiene_la_proyeccion(mundo, aula):
    # Given one observation id used by a device for two different visits of the same coach
    otra = mundo.visita(aula["docente"], aula["acompanante"], "2021-06-14")
    repetido = nuevo_id()
    mundo.app.registrar_observacion(observacion_de(aula["visita"], repetido, aula["acompanante"], ficha(D1="II")))
    mundo.app.registrar_observacion(observacion_de(otra, repetido, aula["acompanante"], ficha(D1="III")))
    # Then both are in the docente's series and the read model keeps answering
    serie = mundo.app.proyecciones.valoraciones(aula["docente"], "D1")
    assert sorted((v["visita_id"], v["nivel"]) for v in serie) == sorted([(aula["visita"], "II"), (otra, "III")])


def test_un_aviso_de_reasignacion_reentregado_no_devuelve_al_docente(mundo, aula):
    from services.evidencias.application import Pendiente
    d, a, b, c = aula["docente"], aula["acompanante"], nuevo_id(), nuevo_id()
    a_b, b_c = nuevo_id(), nuevo_id()
    # Given A -> B and then B -> C applied
    assert mundo.app.cambiar_acompanante(cambio_de(d, 2021, a, b, a_b))
    assert mundo.app.cambiar_acompanante(cambio_de(d, 2021, b, c, b_c))
    # When A -> B is delivered again / Then nothing changes: the docente stays with C
    assert mundo.app.cambiar_acompanante(cambio_de(d, 2021, a, b, a_b)) is False
    assert mundo.app.a_cargo_de(d) == {c}
    # and a change that overtook the one before it waits for it
    with pytest.raises(Pendiente):
        mundo.app.cambiar_acompanante(cambio_de(d, 2021, nuevo_id(), nuevo_id(), nuevo_id()))


def test_el_acompanante_de_una_etapa_anterior_ya_no_ve_al_docente(mundo, aula):
    """The route policy (``acceso.REGLAS``) on a docente's observations, as every request meets it."""
    d, anterior = aula["docente"], aula["acompanante"]
    politica = acceso.politica(mundo.app.proyecciones)

    def decide(usuario: str) -> tuple[int, str, str] | None:
        return politica.decidir_item("GET /v1/docentes/{docente_id}/observaciones",
                                     Actor(usuario=usuario, rol="acompanante"), {"docente_id": d}, {})

    assert decide(anterior) is None  # while he holds him
    # Given the docente's 2022 plan with another coach (the 2021 plan is still active in agenda)
    nuevo = nuevo_id()
    mundo.plan(d, nuevo, anio=2022)
    # Then only the coach who holds him now may read his evidence
    assert mundo.app.a_cargo_de(d) == {nuevo}
    assert decide(anterior) == (404, "no_encontrado", "No existe o no está en su ámbito."), (
        "el acompañante de 2021 sigue leyendo la evidencia del docente")
    assert decide(nuevo) is None


def test_una_version_se_publica_despues_de_la_anterior(mundo):
    # Given FICHA-AULA@1 only / When v3 is published skipping v2 / Then it is refused
    v3 = Instrumento.model_validate({**ficha_aula_v1(), "version": 3, "vigencia": {"desde": "2023-01-01"}})
    with mundo.rechaza(Invalida, "Publique antes FICHA-AULA@2"):
        mundo.app.publicar_instrumento(v3)
