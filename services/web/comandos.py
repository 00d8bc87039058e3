"""What the coach and the docente record, as the services' API calls: one mapping for the plain HTML
forms and for the offline outbox (``/cola/{tipo}``), so both send exactly the same request.

Each command carries the device-generated id (the form's hidden ``id``) as the service's idempotency
key: the id of the visit, observation, commitment, need, valuation or activity. A re-sent item is
recognised by the service (200, "ya registrado"); nothing here remembers what was sent.

The service's answer maps to the outbox's states (WEB_CONTRACT.md):
201 → registrado; 200 → ya_registrado; 401 → requiere_sesion; 403 → rechazado "no tiene permiso";
404 → rechazado "no existe"; an answer whose ``codigo`` is ``en_espera`` (409: the item depends on a fact
the service has not received yet, such as an observation whose visit has not reached evidencias) →
en_espera, and the device sends it again by itself; any other 409 or 422 → rechazado with the service's
reason and field. A service that does not mark the wait with that code answers 422, and the item shows
as rechazado with the service's reason, kept on the device until the person sends it again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from services.web.i18n import _

Datos = dict[str, Any]


class DatoInvalido(Exception):
    def __init__(self, campo: str, motivo: str) -> None:
        super().__init__(motivo)
        self.campo = campo
        self.motivo = motivo


@dataclass(frozen=True)
class Llamada:
    servicio: str
    ruta: str
    cuerpo: dict[str, Any]


def lista(valor: Any) -> list[str]:
    """A list from a form: repeated fields, or one text with a line per element."""
    if valor is None:
        return []
    if isinstance(valor, list):
        return [str(v).strip() for v in valor if str(v).strip()]
    return [linea.strip() for linea in str(valor).splitlines() if linea.strip()]


def texto(datos: Datos, campo: str, requerido: bool = True) -> str:
    valor = datos.get(campo)
    if isinstance(valor, list):
        valor = valor[0] if valor else ""
    valor = str(valor or "").strip()
    if requerido and not valor:
        raise DatoInvalido(campo, _("Complete este dato."))
    return valor


def identificador(datos: Datos, campo: str) -> str:
    """An id that goes into a service's path: a UUID or a 422 on its field (never a path built from a form)."""
    valor = texto(datos, campo)
    try:
        return str(uuid.UUID(valor))
    except ValueError:
        raise DatoInvalido(campo, _("Este dato no es válido; vuelva a abrir la página y regístrelo de nuevo.")) \
            from None


def _visita_realizada(d: Datos, yo: str) -> Llamada:
    return Llamada("agenda", "/visitas-realizadas", {
        "visita_id": texto(d, "id"), "docente_id": texto(d, "docente_id"), "acompanante_id": yo,
        "fecha_inicio": texto(d, "fecha_inicio"), "fecha_fin": texto(d, "fecha_fin") or texto(d, "fecha_inicio"),
        "acciones": lista(d.get("acciones")) or ["observacion"], "observaciones": texto(d, "observaciones", False)})


def _observacion(d: Datos, yo: str) -> Llamada:
    items = sorted({k.removeprefix("nivel_") for k in d if k.startswith("nivel_") and texto(d, k, False)})
    if not items:
        raise DatoInvalido("nivel_D1", _("Marque el nivel de al menos un desempeño, con su evidencia."))
    niveles = {}
    for item in items:
        evidencia = texto(d, f"evidencia_{item}", False)
        if not evidencia:
            raise DatoInvalido(f"evidencia_{item}", _("Cada nivel necesita la evidencia que lo sustenta."))
        niveles[item] = {"nivel": texto(d, f"nivel_{item}"), "evidencia": evidencia}
    return Llamada("evidencias", f"/visitas/{identificador(d, 'visita_id')}/observaciones", {
        "observacion_id": texto(d, "id"), "acompanante_id": yo, "instrumento": texto(d, "instrumento", False)
        or "FICHA-AULA", "niveles": niveles, "fortalezas": lista(d.get("fortalezas")),
        "aspectos_criticos": lista(d.get("aspectos_criticos"))})


def _retroalimentacion(d: Datos, yo: str) -> Llamada:
    return Llamada("evidencias", f"/visitas/{identificador(d, 'visita_id')}/retroalimentacion", {
        "acompanante_id": yo, "dialogo_reflexivo": texto(d, "dialogo_reflexivo"),
        "aspectos_priorizados": lista(d.get("aspectos_priorizados"))})


def _compromiso(d: Datos, yo: str) -> Llamada:
    return Llamada("evidencias", f"/visitas/{identificador(d, 'visita_id')}/compromisos", {
        "compromiso_id": texto(d, "id"), "acompanante_id": yo, "descripcion": texto(d, "descripcion"),
        "item": texto(d, "item"), "fecha_limite": texto(d, "fecha_limite"), "verificacion": texto(d, "verificacion")})


def _verificacion(d: Datos, yo: str) -> Llamada:
    return Llamada("evidencias", f"/compromisos/{identificador(d, 'compromiso_id')}/verificacion", {
        "visita_id": texto(d, "visita_id"), "acompanante_id": yo, "resultado": texto(d, "resultado"),
        "evidencia": texto(d, "evidencia")})


def _necesidad(d: Datos, yo: str) -> Llamada:
    return Llamada("evidencias", f"/docentes/{identificador(d, 'docente_id')}/necesidades", {
        "necesidad_id": texto(d, "id"), "acompanante_id": yo, "descripcion": texto(d, "descripcion"),
        "competencia": texto(d, "competencia", False) or None, "visita_id": texto(d, "visita_id", False) or None})


def _acta(d: Datos, yo: str) -> Llamada:
    asistencia = {k.removeprefix("asistencia_"): texto(d, k) for k in d if k.startswith("asistencia_")}
    cotejo = {k.removeprefix("cotejo_"): texto(d, k) for k in d if k.startswith("cotejo_")}
    return Llamada("evidencias", f"/reuniones/{identificador(d, 'actividad_id')}/acta", {
        "autor_id": yo, "asistencia": asistencia, "acuerdos": lista(d.get("acuerdos")),
        "nudos_criticos": lista(d.get("nudos_criticos")), "lista_cotejo": cotejo})


def _reunion(ruta: str) -> Callable[[Datos, str], Llamada]:
    def llamada(d: Datos, yo: str) -> Llamada:
        cuerpo = {"actividad_id": texto(d, "id"), "acompanante_id": yo, "codigo_modular": texto(d, "codigo_modular"),
                  "anexo": int(texto(d, "anexo", False) or 0), "fecha": texto(d, "fecha"),
                  "hora_inicio": texto(d, "hora_inicio"), "hora_fin": texto(d, "hora_fin"),
                  "participantes": lista(d.get("participantes")), "tema": texto(d, "tema", False),
                  "acuerdos": lista(d.get("acuerdos"))}
        if texto(d, "directivo_id", False):
            cuerpo["directivo_id"] = texto(d, "directivo_id")
        return Llamada("agenda", ruta, cuerpo)
    return llamada


def _taller_realizado(d: Datos, yo: str) -> Llamada:
    """A taller held: each docente marked attended every day from the first to the last."""
    inicio, fin = texto(d, "fecha_inicio"), texto(d, "fecha_fin")
    try:
        primero, ultimo = date.fromisoformat(inicio), date.fromisoformat(fin)
    except ValueError:
        raise DatoInvalido("fecha_inicio", _("Escriba las fechas como día/mes/año.")) from None
    if ultimo < primero:
        raise DatoInvalido("fecha_fin", _("El último día no puede ser anterior al primero."))
    asistentes = lista(d.get("participantes"))
    if not asistentes:
        raise DatoInvalido("participantes", _("Marque a los docentes que asistieron."))
    dias = [(primero + timedelta(days=n)).isoformat() for n in range((ultimo - primero).days + 1)]
    return Llamada("agenda", "/talleres-realizados", {
        "actividad_id": texto(d, "id"), "acompanante_id": yo, "fecha_inicio": inicio, "fecha_fin": fin,
        "sede": texto(d, "sede"), "tema": texto(d, "tema", False), "asistencia": {a: dias for a in asistentes}})


def _programar(tipo: str) -> Callable[[Datos, str], Llamada]:
    """Scheduling a GIA, RTC or taller (online: agenda checks overlaps and the school's visit days)."""
    def llamada(d: Datos, yo: str) -> Llamada:
        if tipo == "talleres":
            cuerpo: dict[str, Any] = {"actividad_id": texto(d, "id"), "fecha_inicio": texto(d, "fecha_inicio"),
                                      "fecha_fin": texto(d, "fecha_fin"), "sede": texto(d, "sede"),
                                      "tema": texto(d, "tema", False)}
        else:
            cuerpo = {"actividad_id": texto(d, "id"), "codigo_modular": texto(d, "codigo_modular"),
                      "anexo": int(texto(d, "anexo", False) or 0), "fecha": texto(d, "fecha"),
                      "hora_inicio": texto(d, "hora_inicio"), "hora_fin": texto(d, "hora_fin"),
                      "tema": texto(d, "tema", False)}
            if lista(d.get("participantes")):
                cuerpo["docentes"] = lista(d.get("participantes"))
            if tipo == "rtc":  # none known: agenda says the school has no directivo registered (NT-026 §5.2.7)
                cuerpo["directivo_id"] = texto(d, "directivo_id", False) or None
        return Llamada("agenda", f"/acompanantes/{yo}/{tipo}", cuerpo)
    return llamada


def _valoracion(d: Datos, yo: str) -> Llamada:
    return Llamada("evaluacion", f"/docentes/{identificador(d, 'docente_id')}/valoraciones", {
        "valoracion_id": texto(d, "id"), "acompanante_id": yo, "fecha": texto(d, "fecha"),
        "competencia": texto(d, "competencia"), "nivel": texto(d, "nivel"), "evidencias": lista(d.get("evidencias")),
        "sustento": texto(d, "sustento")})


def _situacion_inicial(d: Datos, yo: str) -> Llamada:
    competencias = sorted(k.removeprefix("nivel_") for k in d if k.startswith("nivel_") and texto(d, k, False))
    evidencias = lista(d.get("evidencias"))
    return Llamada("evaluacion", f"/docentes/{identificador(d, 'docente_id')}/situacion-inicial", {
        "acompanante_id": yo, "fecha": texto(d, "fecha"),
        "niveles": {c: {"nivel": texto(d, f"nivel_{c}"), "evidencias": evidencias,
                        "sustento": texto(d, "sustento")} for c in competencias}})


def _cierre_etapa(d: Datos, yo: str) -> Llamada:
    competencias = sorted(k.removeprefix("nivel_") for k in d if k.startswith("nivel_") and texto(d, k, False))
    if not competencias:
        raise DatoInvalido("nivel_C2", _("Indique el nivel logrado en cada competencia."))
    return Llamada("evaluacion", f"/docentes/{identificador(d, 'docente_id')}/cierres", {
        "acompanante_id": yo, "anio": int(texto(d, "anio")), "fecha": texto(d, "fecha"),
        "niveles": {c: texto(d, f"nivel_{c}") for c in competencias}})


PREGUNTAS = ("pertinencia", "calidad_formacion", "calidad_recursos", "utilidad_recursos")  # evaluacion's survey


def _encuesta(d: Datos, yo: str) -> Llamada:
    respuestas = {}
    for p in PREGUNTAS:
        valor = texto(d, p)
        if not valor.isdigit():
            raise DatoInvalido(p, _("Elija un valor de 1 a 5."))
        respuestas[p] = int(valor)
    return Llamada("evaluacion", "/encuestas", {"encuestado": "docente", "persona_id": yo,
                                                "anio": int(texto(d, "anio")), "periodo": "anual",
                                                "respuestas": respuestas, "comentario": texto(d, "comentario", False)})


COMANDOS: dict[str, Callable[[Datos, str], Llamada]] = {
    "visita_realizada": _visita_realizada, "observacion": _observacion, "retroalimentacion": _retroalimentacion,
    "compromiso": _compromiso, "verificacion": _verificacion, "necesidad": _necesidad, "acta": _acta,
    "gia_completado": _reunion("/gia-completados"), "rtc_realizada": _reunion("/rtc-realizadas"),
    "taller_realizado": _taller_realizado,
    "valoracion": _valoracion, "situacion_inicial": _situacion_inicial, "cierre_etapa": _cierre_etapa,
    "encuesta": _encuesta,
    "programar_gia": _programar("gia"), "programar_rtc": _programar("rtc"), "programar_taller": _programar("talleres"),
}
