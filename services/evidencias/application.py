"""evidencias's write side: instruments, what agenda reports, and what each visit leaves behind.

What agenda reports (plans, realized visits, GIA and RTC) is recorded here as evidencias's own
facts, so every rule is checked against this service's store: an observation is refused for a
visit that did not take place, or by an acompañante who does not hold that docente, without
asking another service at request time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from services.evidencias import domainmodel as dm
from services.evidencias import textos
from services.evidencias.instrumentos import NACIONAL, RESPUESTAS, Instrumento, incluidos
from services.evidencias.projections import Proyecciones
from shared.autorizacion import NACIONALES
from shared.cifrado import Cifrador, LlaveSuprimida, llavero_de
from shared.eventstore import EnEspera, NotFound, ServiceApplication
from shared.settings import ServiceSettings
from shared.telemetry import current_actor

Invalida = dm.EvidenciaInvalida
# Specialists may correct a record they did not make (the correction names them): a rule of the record
CORRIGEN = frozenset({"especialista_ugel", "especialista_dre", "minedu"})


class Pendiente(Exception):
    """A change to something agenda has not reported yet: retried until it arrives."""


class Evidencias(ServiceApplication):
    name = "Evidencias"
    env = {"AGGREGATE_CACHE_MAXSIZE": "5000"}

    def __init__(self, settings: ServiceSettings, reloj: Callable[[], date] = date.today) -> None:
        super().__init__(settings)
        self.reloj = reloj  # today's date: the controllable clock of due dates
        self.cifrador = Cifrador(llavero_de(settings))  # keys of evidence references, outside the event store
        self.proyecciones = Proyecciones(settings, self, self.cifrador)
        self._instrumentos: dict[tuple[str, int], Instrumento] = {}  # published versions never change

    def close(self) -> None:
        self.proyecciones.close()
        self.cifrador.llavero.close()
        super().close()

    # --- instruments --------------------------------------------------------------------------

    def publicar_instrumento(self, inst: Instrumento) -> bool:
        if inst.ambito == NACIONAL and current_actor.get().rol not in NACIONALES:  # the policy checks a DRE's
            raise Invalida("Es obligatorio para quien publica desde una DRE: indique DRE:<código> de su DRE "
                           "(los instrumentos nacionales los publica el MINEDU).", campo="body.ambito")
        if inst.version > 1 and not self.existe(dm.instrumento_id(inst.codigo, inst.version - 1)):
            raise Invalida(f"Publique antes {inst.codigo}@{inst.version - 1}: las versiones van en orden.")
        if inst.version > 1 and (previo := self.instrumento(inst.codigo, inst.version - 1)).ambito != inst.ambito:
            raise Invalida(f"{inst.codigo} es {_de(previo.ambito)}: sus versiones tienen el mismo ámbito; para un "
                           "programa propio, publique un código nuevo.", campo="body.ambito")
        if inst.reemplaza is not None:
            previo = self.instrumento(inst.codigo, inst.reemplaza)
            try:
                inst.equivalencias_con(previo)
            except ValueError as exc:
                raise Invalida(f"Equivalencias de {inst.clave}: {exc}.") from None
        contenido = inst.model_dump(mode="json")
        return self.crear_una_vez(
            dm.Instrumento(id=dm.instrumento_id(inst.codigo, inst.version), instrumento=contenido),
            lambda previo: previo.instrumento == contenido,
            f"La versión {inst.clave} ya se publicó con otro contenido: publique una versión nueva.")

    def publicar_instrumentos_incluidos(self) -> None:
        for inst in incluidos():
            self.publicar_instrumento(inst)

    def instrumento(self, codigo: str, version: int) -> Instrumento:
        clave = (codigo, version)
        if clave not in self._instrumentos:
            try:
                publicado = self.inicial(dm.instrumento_id(codigo, version))
            except AggregateNotFoundError:
                raise NotFound(f"No existe el instrumento {codigo}@{version}.") from None
            self._instrumentos[clave] = Instrumento.model_validate(publicado.instrumento)
        return self._instrumentos[clave]

    def _versiones(self, codigo: str) -> list[int]:
        """The published versions of ``codigo``: 1, 2, ... until the first that does not exist
        (ids are deterministic; published versions are cached, so this is one read per call)."""
        versiones = []
        while True:
            try:
                self.inicial(dm.instrumento_id(codigo, len(versiones) + 1))
            except AggregateNotFoundError:
                return versiones
            versiones.append(len(versiones) + 1)

    def instrumento_para(self, codigo: str, version: int | None, dia: date, uso: str) -> Instrumento:
        """The version given (it must be in force on ``dia``), or the latest in force that day."""
        if version is None:
            vigentes = [v for v in self._versiones(codigo) if self.instrumento(codigo, v).vigencia.cubre(dia)]
            if not vigentes:
                raise Invalida(f"No hay una versión de {codigo} vigente el {dia:%d/%m/%Y}.")
            version = max(vigentes)
        inst = self.instrumento(codigo, version)
        if not inst.vigencia.cubre(dia):
            raise Invalida(f"{inst.clave} no estaba vigente el {dia:%d/%m/%Y}.")
        if uso not in inst.aplica_a:
            raise Invalida(f"{inst.clave} no se usa en {_USOS[uso]}: se usa en {', '.join(_USOS[u] for u in inst.aplica_a)}.")
        return inst

    # --- what agenda reports ------------------------------------------------------------------

    def conocer_plan(self, plan: dict[str, Any]) -> bool:
        def cambio(docente: dm.DocenteAcompanado) -> bool:
            if docente.conoce(plan["plan_id"]):
                return False
            docente.conocer_plan(plan=plan)
            return True
        return self.modificar(lambda: self._docente(plan["docente_id"], crear=True), cambio)

    def cambiar_acompanante(self, docente_id: str, anio: int, de: str, a: str, aviso_id: str,
                            el: date | None = None) -> bool:
        """Apply agenda's reassignment ``aviso_id`` (made on day ``el``) once, and only to the coach it moves
        him from: a redelivered one changes nothing, one that overtook an earlier change waits for it."""
        def cambio(docente: dm.DocenteAcompanado) -> bool:
            plan = docente.planes[anio]
            if aviso_id in plan.get("avisos", []):
                return False
            if plan["acompanante_id"] != de:
                raise Pendiente(f"el docente {docente_id} no está con {de} en {anio}: falta un cambio anterior")
            docente.cambiar_acompanante(anio=anio, de_acompanante_id=de, a_acompanante_id=a, aviso_id=aviso_id,
                                        desde=el.isoformat() if el else None)
            return True
        return self.modificar(lambda: self._con_plan(docente_id, anio), cambio)

    def cerrar_plan(self, docente_id: str, anio: int, el: date | None = None) -> bool:
        def cambio(docente: dm.DocenteAcompanado) -> bool:
            if not docente.planes[anio]["activo"]:
                return False
            docente.cerrar_plan(anio=anio, el=el.isoformat() if el else None)
            return True
        return self.modificar(lambda: self._con_plan(docente_id, anio), cambio)

    def _con_plan(self, docente_id: str, anio: int) -> dm.DocenteAcompanado:
        docente = self._docente(docente_id)
        if docente is None or anio not in docente.planes:
            raise Pendiente(f"aún no se conoce el plan {anio} del docente {docente_id}")
        return docente

    def conocer_visita(self, visita: dict[str, Any]) -> bool:
        return self.crear_una_vez(dm.Visita(id=dm.visita_id(visita["visita_id"]), visita=visita),
                                  lambda previa: True, "")

    def conocer_reunion(self, reunion: dict[str, Any]) -> bool:
        return self.crear_una_vez(dm.Reunion(id=dm.reunion_id(reunion["actividad_id"]), reunion=reunion),
                                  lambda previa: True, "")

    # --- a visit's record -------------------------------------------------------------------------

    def registrar_observacion(self, visita_id: str, observacion_id: str, acompanante_id: str,
                              entrada: dict[str, Any]) -> bool:
        def cambio(visita: dm.Visita) -> bool:
            version = entrada.get("version")
            previa = visita.historial.get(observacion_id)
            if version is None and previa and previa[0]["instrumento"] == entrada["instrumento"]:
                version = previa[0]["version"]  # a re-send: the version it was recorded with
            inst = self.instrumento_para(entrada["instrumento"], version, visita.inicio, "visita")
            nueva = self._texto_cifrado(visita.sujeto(), textos.observacion, _observacion(inst, entrada),
                                        previa[:1] if previa else ())
            return nueva is not None and visita.registrar_observacion(observacion_id, nueva)
        return self.modificar(lambda: self._visita_de(visita_id, acompanante_id), cambio)

    def corregir_observacion(self, visita_id: str, observacion_id: str, acompanante_id: str | None,
                             entrada: dict[str, Any], motivo: str) -> bool:
        """The acompañante who observed (while he holds the docente) or a specialist corrects;
        the correction is a new event with the reason and its author, the original stays."""
        actor = current_actor.get()

        if actor.rol in CORRIGEN:
            leer, autor, rol = (lambda: self._visita(visita_id)), actor.usuario, actor.rol
        elif acompanante_id:
            leer, autor, rol = (lambda: self._visita_de(visita_id, acompanante_id)), acompanante_id, "acompanante"
        else:
            raise Invalida("Indique el acompañante que corrige (acompanante_id), o corrija con un rol de especialista.")

        def cambio(visita: dm.Visita) -> bool:
            actual = visita.observaciones.get(observacion_id)
            if actual is None:
                raise EnEspera(f"La visita aún no tiene la observación {observacion_id}: la corrección se registrará "
                               "cuando llegue.")
            inst = self.instrumento(actual["instrumento"], actual["version"])
            nueva = self._texto_cifrado(visita.sujeto(), textos.observacion,
                                        _observacion(inst, {**entrada, "instrumento": inst.codigo}),
                                        (actual, *visita.historial[observacion_id][1:]))
            if nueva is None:
                return False  # his key is gone, and this correction was already recorded (or changes nothing)
            cifrado = self._cifrar(visita.sujeto())({"motivo": motivo}, ("motivo",))["motivo"]
            return visita.corregir_observacion(observacion_id, nueva, cifrado, autor, rol)
        return self.modificar(leer, cambio)

    def brindar_retroalimentacion(self, visita_id: str, acompanante_id: str, entrada: dict[str, Any]) -> bool:
        def cambio(visita: dm.Visita) -> bool:
            previa = () if visita.retroalimentacion is None else (visita.retroalimentacion,)
            nueva = self._texto_cifrado(visita.sujeto(), textos.retroalimentacion, entrada, previa)
            return nueva is not None and visita.brindar_retroalimentacion(nueva)
        return self.modificar(lambda: self._visita_de(visita_id, acompanante_id), cambio)

    # --- commitments ------------------------------------------------------------------------------

    def asumir_compromiso(self, compromiso_id: str, visita_id: str, acompanante_id: str,
                          entrada: dict[str, Any]) -> bool:
        if self._ya_asumido(compromiso_id, visita_id, acompanante_id, entrada):
            return False
        visita = self._visita_de(visita_id, acompanante_id)
        observacion = visita.observacion_con(entrada["item"])
        if observacion is None and not visita.observaciones:
            raise EnEspera("El compromiso se liga a un desempeño observado en la visita: se registrará cuando "
                           "llegue su observación.")
        if observacion is None:
            raise Invalida(f"El compromiso se liga a un desempeño observado en la visita; {entrada['item']} no se observó.")
        limite = date.fromisoformat(entrada["fecha_limite"])
        if limite <= visita.fin:
            raise Invalida("La fecha límite del compromiso debe ser posterior a la visita.")
        v = visita.visita
        compromiso = {
            "compromiso_id": compromiso_id, "docente_id": v["docente_id"], "acompanante_id": acompanante_id,
            "visita_id": visita_id, "fecha_visita": v["fecha_inicio"], "fecha_visita_fin": v["fecha_fin"],
            "anio": v["anio"], "codigo_modular": v["codigo_modular"], "anexo": v["anexo"], "dre": v["dre"],
            "ugel": v["ugel"], "instrumento": observacion["instrumento"], "version": observacion["version"],
            "item": entrada["item"], "competencia": observacion["niveles"][entrada["item"]].get("competencia"),
            "descripcion": entrada["descripcion"], "fecha_limite": limite.isoformat(),
            "verificacion": entrada["verificacion"]}
        compromiso = textos.compromiso(self._cifrar(visita.sujeto()), compromiso)
        return self.crear_una_vez(dm.Compromiso(id=dm.compromiso_id(compromiso_id), compromiso=compromiso),
                                  lambda previo: previo.compromiso == compromiso,
                                  f"El compromiso {compromiso_id} ya se registró con otro contenido.")

    def _ya_asumido(self, compromiso_id: str, visita_id: str, acompanante_id: str, entrada: dict[str, Any]) -> bool:
        """The same commitment sent again (a device that was offline): recognised before anything else is
        checked, so that a coach who has since lost the docente still gets "already recorded"."""
        try:
            previo = self.repository.get(dm.compromiso_id(compromiso_id)).compromiso
        except AggregateNotFoundError:
            return False
        if (previo["visita_id"], previo["acompanante_id"]) != (visita_id, acompanante_id):
            return False
        registrado = {k: previo[k] for k in _COMPROMETIDO}
        nuevo = self._texto_cifrado(dm.sujeto_docente(previo["docente_id"]), textos.compromiso,
                                    {k: entrada[k] for k in _COMPROMETIDO}, (registrado,))
        return nuevo is None or nuevo == registrado

    def verificar_compromiso(self, compromiso_id: str, visita_id: str, acompanante_id: str, resultado: str,
                             evidencia: str) -> bool:
        def cambio(compromiso: dm.Compromiso) -> bool:
            previa = compromiso.verificacion
            misma = previa is not None and (previa["visita_id"], previa["acompanante_id"],
                                            previa["resultado"]) == (visita_id, acompanante_id, resultado)
            registrada = ({"evidencia": previa["evidencia"]},) if misma else ()
            cifrada = self._texto_cifrado(dm.sujeto_docente(compromiso.compromiso["docente_id"]),
                                          textos.verificacion, {"evidencia": evidencia}, registrada)
            if cifrada is None or cifrada in registrada:
                return False  # sent again (offline device): already recorded, whoever holds the docente now
            visita = self._visita_de(visita_id, acompanante_id)
            return compromiso.verificar({"visita_id": visita_id, "acompanante_id": acompanante_id,
                                         "fecha": visita.visita["fecha_inicio"], "resultado": resultado,
                                         "evidencia": cifrada["evidencia"]}, visita)
        return self.modificar(lambda: self.compromiso(compromiso_id), cambio)

    def vencer_compromisos(self, hoy: date | None = None) -> int:
        """Record ``CompromisoVencido`` for every commitment whose due date passed unverified."""
        hoy = hoy or self.reloj()
        vencidos = 0
        for cid in self.proyecciones.por_vencer(hoy):
            compromiso = self.repository.get(dm.compromiso_id(cid))
            try:
                if compromiso.vencer(hoy):
                    self.save(compromiso)
                    vencidos += 1
            except IntegrityError:
                continue  # verified (or marked) at the same moment: the next round sees it
        return vencidos

    def compromiso(self, compromiso_id: str) -> dm.Compromiso:
        return self.obtener(dm.compromiso_id(compromiso_id), EnEspera(
            f"El compromiso {compromiso_id} aún no consta: la verificación se registrará cuando llegue."))

    def registrar_necesidad(self, docente_id: str, necesidad_id: str, acompanante_id: str,
                            entrada: dict[str, Any]) -> bool:
        anio, dia = entrada.get("anio") or self.reloj().year, None
        if entrada.get("visita_id"):
            visita = self._visita_de(entrada["visita_id"], acompanante_id)
            if visita.visita["docente_id"] != docente_id:
                raise Invalida("La visita indicada es de otro docente.")
            anio, dia = visita.visita["anio"], visita.inicio
        clara = {**entrada, "anio": anio, "acompanante_id": acompanante_id}

        def cambio(docente: dm.DocenteAcompanado) -> bool:
            previa = docente.necesidades.get(necesidad_id)
            necesidad = self._texto_cifrado(dm.sujeto_docente(docente_id), textos.necesidad, clara,
                                            () if previa is None else (previa,))
            return necesidad is not None and docente.registrar_necesidad(necesidad_id, necesidad)
        return self.modificar(lambda: self._a_cargo(acompanante_id, docente_id, anio, dia), cambio)

    # --- GIA and RTC actas ----------------------------------------------------------------------------

    def registrar_acta(self, actividad_id: str, autor_id: str, entrada: dict[str, Any]) -> bool:
        return self.modificar(lambda: self._reunion_de(actividad_id, autor_id),
                              lambda reunion: reunion.registrar_acta(self._acta(reunion, autor_id, entrada)))

    def corregir_acta(self, actividad_id: str, autor_id: str, entrada: dict[str, Any], motivo: str) -> bool:
        return self.modificar(lambda: self._reunion_de(actividad_id, autor_id),
                              lambda reunion: reunion.corregir_acta(self._acta(reunion, autor_id, entrada), motivo))

    def _acta(self, reunion: dm.Reunion, autor_id: str, entrada: dict[str, Any]) -> dict[str, Any]:
        r = reunion.reunion
        participantes = set(r["docentes"])
        ajenos = [d for d, estado in entrada["asistencia"].items() if estado == "presente" and d not in participantes]
        if ajenos:
            raise Invalida(f"Figuran como presentes docentes que no participaron según lo registrado en agenda: "
                           f"{', '.join(ajenos)}.")
        faltan = participantes - set(entrada["asistencia"])
        if faltan:
            raise Invalida(f"Falta la asistencia de participantes registrados en agenda: {', '.join(sorted(faltan))}.")
        codigo = entrada.get("instrumento") or f"LC-{r['tipo'].upper()}"
        inst = self.instrumento_para(codigo, entrada.get("version"), date.fromisoformat(r["fecha"]), r["tipo"])
        return {**entrada, "autor_id": autor_id, "duracion_horas": entrada.get("duracion_horas") or r["horas"],
                "instrumento": inst.codigo, "version": inst.version,
                "lista_cotejo": _respuestas(inst, entrada["lista_cotejo"])}

    # --- execution-stage sessions and self-evaluation (Chile's guide) ----------------------------------

    def registrar_sesion(self, sesion_id: str, acompanante_id: str, entrada: dict[str, Any]) -> bool:
        dia = date.fromisoformat(entrada["fecha"])
        territorio = self.proyecciones.territorio(acompanante_id, dia.year, (entrada["codigo_modular"], entrada["anexo"]))
        if territorio is None:
            raise Invalida(f"El acompañante no tiene docentes a cargo en la IE {entrada['codigo_modular']}-"
                           f"{entrada['anexo']} en {dia.year}.")
        sesion = {**entrada, "sesion_id": sesion_id, "acompanante_id": acompanante_id,
                  "dre": territorio[0], "ugel": territorio[1]}
        return self.crear_una_vez(dm.SesionEjecucion(id=dm.sesion_id(sesion_id), sesion=sesion),
                                  lambda previa: previa.sesion == sesion,
                                  f"La sesión {sesion_id} ya se registró con otro contenido.")

    def registrar_autoevaluacion(self, autoevaluacion_id: str, acompanante_id: str, entrada: dict[str, Any]) -> bool:
        dia = date.fromisoformat(entrada["fecha"])
        inst = self.instrumento_para(entrada.get("instrumento") or "AUTOEVAL-ACOMP", entrada.get("version"), dia,
                                     "acompanante")
        dre, ugel = self.proyecciones.territorio(acompanante_id, dia.year) or ("", "")
        datos = {**entrada, "autoevaluacion_id": autoevaluacion_id, "acompanante_id": acompanante_id,
                 "instrumento": inst.codigo, "version": inst.version,
                 "respuestas": _respuestas(inst, entrada["respuestas"]), "dre": dre, "ugel": ugel}
        return self.crear_una_vez(dm.Autoevaluacion(id=dm.autoevaluacion_id(autoevaluacion_id), autoevaluacion=datos),
                                  lambda previa: previa.autoevaluacion == datos,
                                  f"La autoevaluación {autoevaluacion_id} ya se registró con otro contenido.")

    # --- attachments ------------------------------------------------------------------------------------

    def propietario(self, tipo: str, propietario_id: str, autor_id: str) -> dm.ConAdjuntos:
        """The visit or GIA/RTC an attachment goes to, checked for its author (and that the docente's
        personal data were not cancelled) before anything is stored."""
        if tipo != "visita":
            return self._reunion_de(propietario_id, autor_id)  # a GIA/RTC's key is never erased
        visita = self._visita_de(propietario_id, autor_id)
        if self.cifrador.llavero.suprimida(visita.sujeto()):
            raise Invalida(CANCELADOS)
        return visita

    def adjuntar(self, tipo: str, propietario_id: str, autor_id: str, adjunto: dict[str, Any]) -> bool:
        """Record an attachment; its file name and description encrypted with the owner's key."""
        def cambio(propietario: dm.ConAdjuntos) -> bool:
            try:
                cifrado = self.cifrador.cifrar_campos(propietario.sujeto(), {**adjunto, "acompanante_id": autor_id},
                                                      propietario.personales)
            except LlaveSuprimida:
                raise Invalida(CANCELADOS) from None
            return propietario.adjuntar(cifrado)
        return self.modificar(lambda: self.propietario(tipo, propietario_id, autor_id), cambio)

    # --- personal data (Ley 29733) ---------------------------------------------------------------

    def _cifrar(self, sujeto: str) -> textos.Campos:
        """Encrypts a record's free text with ``sujeto``'s key (``services.evidencias.textos``); once his personal
        data were cancelled nothing more is recorded of him (422)."""
        try:
            return textos.cifrar(self.cifrador, sujeto)
        except LlaveSuprimida:
            raise Invalida(CANCELADOS) from None

    def _texto_cifrado(self, sujeto: str, forma: Callable[[textos.Campos, dict[str, Any]], dict[str, Any]],
                       claro: dict[str, Any], registrados: Iterable[dict[str, Any]] = ()) -> dict[str, Any] | None:
        """``claro`` with its free text encrypted with ``sujeto``'s key (``forma``: where a kind of record keeps
        it, from ``textos``). Once his personal data were cancelled the key is gone and nothing new is recorded
        of him (422); but a record already stored (one of ``registrados``, its text encrypted) that ``claro``
        repeats, sent again by a device that was offline, is still that record: the same in all but the text,
        which can no longer be compared, it is already recorded (None: nothing new)."""
        try:
            return forma(textos.cifrar(self.cifrador, sujeto), claro)
        except LlaveSuprimida:
            if any(forma(_sin_texto, r) == forma(_sin_texto, claro) for r in registrados):
                return None
            raise Invalida(CANCELADOS) from None

    def cancelar_datos_personales(self, docente_id: str, aviso_id: str) -> bool:
        """focalizacion cancelled the docente's personal data: record it, then erase this service's
        key of his evidence references (idempotent: a redelivered notice erases nothing new)."""
        nuevo = self.modificar(lambda: self._docente(docente_id, crear=True),
                               lambda docente: docente.cancelar_datos_personales(aviso_id))
        self.cifrador.llavero.suprimir(dm.sujeto_docente(docente_id), f"DatosPersonalesCancelados ({aviso_id})")
        self.proyecciones.ponerse_al_dia()  # the read model blanks him now, not at the next query
        return nuevo

    # --- who holds a docente ---------------------------------------------------------------------------

    def a_cargo_de(self, docente_id: str) -> set[str]:
        """Who holds the docente now: the acompañante of his latest plan, while it is active, and the
        directivo of his school's latest internal plan."""
        docente = self._docente(docente_id)
        return docente.observadores_actuales() if docente else set()

    # --- aggregates --------------------------------------------------------------------------------------

    def _docente(self, docente_id: str, crear: bool = False) -> dm.DocenteAcompanado | None:
        try:
            return self.repository.get(dm.docente_id(docente_id))
        except AggregateNotFoundError:
            return dm.DocenteAcompanado(id=dm.docente_id(docente_id), docente_id=docente_id) if crear else None

    def _a_cargo(self, acompanante_id: str, docente_id: str, anio: int, dia: date | None = None
                 ) -> dm.DocenteAcompanado:
        """The docente, held by ``acompanante_id`` in ``anio``: on ``dia`` when given (a visit's day decides,
        not who holds him today), else now."""
        docente = self._docente(docente_id)
        if docente is None or (anio not in docente.planes and anio not in docente.internos):
            raise EnEspera(f"evidencias aún no conoce el plan {anio} del docente {docente_id}: se registrará "
                           "cuando llegue de agenda.")
        interno = docente.internos.get(anio)
        if interno is not None and interno["acompanante_id"] == acompanante_id:
            return docente  # the directivo, observer of his school's own plan (NT-026 §5.2.1)
        a_cargo = anio in docente.planes and (docente.tuvo(acompanante_id, anio, dia) if dia
                                              else docente.acompanante(anio) == acompanante_id)
        if not a_cargo:
            cuando = f"el {dia:%d/%m/%Y}" if dia else f"en {anio}"
            raise Invalida(f"El acompañante {acompanante_id} no tenía a cargo al docente {docente_id} {cuando}.")
        return docente

    def _visita(self, visita_id: str) -> dm.Visita:
        return self.obtener(dm.visita_id(visita_id), EnEspera(
            f"La visita {visita_id} aún no consta como realizada en evidencias: lo que dejó se registrará cuando "
            "llegue de agenda."))

    def _visita_de(self, visita_id: str, acompanante_id: str) -> dm.Visita:
        """A realized visit, its author, who held the docente on the visit's day (even if not any more)."""
        visita = self._visita(visita_id)
        visita.check_autor(acompanante_id)
        self._a_cargo(acompanante_id, visita.visita["docente_id"], visita.visita["anio"], visita.inicio)
        return visita

    def _reunion_de(self, actividad_id: str, autor_id: str) -> dm.Reunion:
        reunion: dm.Reunion = self.obtener(dm.reunion_id(actividad_id), EnEspera(
            f"El GIA o la RTC {actividad_id} aún no consta como realizado en evidencias: el acta se registrará "
            "cuando llegue de agenda."))
        reunion.check_autor(autor_id)
        return reunion


def _sin_texto(datos: dict[str, Any], campos: tuple[str, ...]) -> dict[str, Any]:
    """What a record says besides its free text, and whether each was given (encryption keeps None as None)."""
    return {**datos, **{c: datos.get(c) is not None for c in campos}}


_COMPROMETIDO = ("item", "descripcion", "fecha_limite", "verificacion")  # what a re-sent commitment repeats
CANCELADOS = ("Los datos personales del docente se cancelaron a su pedido (Ley 29733): no se registran referencias "
              "nuevas a él.")
_USOS = {"visita": "visitas en aula", "gia": "GIA", "rtc": "RTC", "acompanante": "la autoevaluación del acompañante"}


def _de(ambito: str) -> str:
    """Whose an instrument is, in a sentence: "nacional" or "de la DRE-PUNO"."""
    return ambito if ambito == NACIONAL else f"de la {ambito.removeprefix('DRE:')}"


def _observacion(inst: Instrumento, entrada: dict[str, Any]) -> dict[str, Any]:
    """The observation as recorded: each rated item checked against the instrument."""
    niveles: dict[str, Any] = {}
    if not entrada["niveles"]:
        raise Invalida("La observación no valora ningún desempeño.")
    for clave, valor in entrada["niveles"].items():
        item = inst.item(clave)
        if item is None:
            raise Invalida(f"{clave} no es un desempeño de {inst.clave} ({', '.join(i.clave for i in inst.items)}).")
        codigos = [n.codigo for n in item.niveles]
        if valor["nivel"] not in codigos:
            raise Invalida(f"El nivel {valor['nivel']!r} de {clave} no existe en {inst.clave} (niveles: {', '.join(codigos)}).")
        evidencia = " ".join(str(valor.get("evidencia") or "").split())
        if not evidencia:
            raise Invalida(f"El nivel de {clave} necesita la evidencia que lo sustenta (lo que se vio y escuchó).")
        niveles[clave] = {"nivel": valor["nivel"], "evidencia": evidencia, "competencia": item.competencia}
    return {"instrumento": inst.codigo, "version": inst.version, "niveles": niveles,
            "fortalezas": list(entrada.get("fortalezas", [])),
            "aspectos_criticos": list(entrada.get("aspectos_criticos", []))}


def _respuestas(inst: Instrumento, respuestas: dict[str, str]) -> dict[str, str]:
    """A checklist's answers: every item answered sí, no or no aplica."""
    claves = [i.clave for i in inst.items]
    ajenas = [k for k in respuestas if k not in claves]
    if ajenas:
        raise Invalida(f"{', '.join(ajenas)} no son ítems de {inst.clave}.")
    faltan = [k for k in claves if k not in respuestas]
    if faltan:
        raise Invalida(f"Faltan respuestas de {inst.clave}: {', '.join(faltan)}.")
    malas = [k for k, v in respuestas.items() if v not in RESPUESTAS]
    if malas:
        raise Invalida(f"Las respuestas se dan con sí, no o no aplica ({', '.join(RESPUESTAS)}): revise {', '.join(malas)}.")
    return {k: respuestas[k] for k in claves}
