"""focalizacion's write side: registries, rule sets, convocatorias, targeting and caseloads."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from importlib import resources
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from services.focalizacion import cartera, padron
from services.focalizacion import domainmodel as dm
from services.focalizacion import projections as vistas
from services.focalizacion.config import FocalizacionSettings
from services.focalizacion.focalizar import focalizar, motivos
from services.focalizacion.projections import Proyecciones
from services.focalizacion.reglas import ConjuntoReglas
from shared.cifrado import Cifrador, llavero_de
from shared.eventstore import Conflict, DomainError, NotFound, ServiceApplication
from shared.telemetry import current_actor

Progreso = Callable[[int], None]
LOTE = 500  # aggregates per transaction when importing or deciding in bulk
REGLAS_INCLUIDAS = ("reglas-nt026-2020-2022.json",)
CANCELADOS = "sus datos personales se cancelaron a su pedido (Ley 29733): no se registran de nuevo"


class Focalizacion(ServiceApplication):
    name = "Focalizacion"
    snapshotting_intervals = {dm.AsignacionesUGEL: 200}

    def __init__(self, settings: FocalizacionSettings) -> None:
        super().__init__(settings)
        self.pepper = settings.pepper.get_secret_value()
        self.cifrador = Cifrador(llavero_de(settings))  # personal data keys, outside the event store
        self.proyecciones = Proyecciones(settings, self)

    def close(self) -> None:
        self.proyecciones.close()
        self.cifrador.llavero.close()
        super().close()

    def docente_id(self, dni: str) -> UUID:
        return dm.docente_id(dni, self.pepper)

    def acompanante_id(self, dni: str) -> UUID:
        return dm.acompanante_id(dni, self.pepper)

    # --- registries ----------------------------------------------------------------------------

    def importar_ies(self, contenido: bytes, progreso: Progreso | None = None) -> dict[str, Any]:
        lectura = padron.leer_padron(contenido)
        existentes = self.proyecciones.datos_registro(vistas.ie)
        return self._registrar(lectura, dm.InstitucionEducativa,
                               lambda d: dm.ie_id(d["codigo_modular"], d["anexo"]), existentes, progreso)

    def importar_docentes(self, contenido: bytes, progreso: Progreso | None = None) -> dict[str, Any]:
        lectura = padron.leer_docentes(contenido)
        ies = self.proyecciones.datos_registro(vistas.ie)
        validas = []
        for linea, datos in lectura.validas:
            ie = ies.get(str(dm.ie_id(datos["codigo_modular"], datos["anexo"])))
            if ie is None:
                lectura.rechazadas.append(padron.Rechazo(linea, [(
                    "COD_MOD", f"la IE {datos['codigo_modular']}-{datos['anexo']} no está en el padrón registrado")],
                    datos["dni"]))
            elif ie["nivel"] != datos["nivel"]:
                lectura.rechazadas.append(padron.Rechazo(linea, [(
                    "NIVEL", f"el docente figura en {datos['nivel']} y la IE es de {ie['nivel']}")], datos["dni"]))
            else:
                validas.append((linea, {**datos, "dre": ie["dre"], "ugel": ie["ugel"]}))
        lectura.validas = validas
        lectura.rechazadas.sort(key=lambda r: r.linea)
        return self._registrar(lectura, dm.Docente, lambda d: self.docente_id(d["dni"]),
                               self.proyecciones.datos_registro(vistas.docente), progreso)

    def importar_acompanantes(self, contenido: bytes, progreso: Progreso | None = None) -> dict[str, Any]:
        lectura = padron.leer_acompanantes(contenido)
        return self._registrar(lectura, dm.Acompanante, lambda d: self.acompanante_id(d["dni"]),
                               self.proyecciones.datos_registro(vistas.acompanante), progreso)

    def _registrar(self, lectura: padron.Lectura, cls: type[dm.Registro], ident: Callable[[dict], UUID],
                   existentes: dict[str, dict[str, Any]], progreso: Progreso | None) -> dict[str, Any]:
        """Record what is new or changed; a row equal to what is registered records nothing. A
        person's personal fields are stored encrypted with his key; a person whose data were
        cancelled (his key erased) is not registered again."""
        nuevas = actualizadas = sin_cambios = 0
        cambios: list[tuple[int, UUID, dict[str, Any], bool]] = []
        for linea, datos in lectura.validas:
            id_ = ident(datos)
            previo = existentes.get(str(id_))
            if previo is not None:  # a column added to the padrón later, empty in this file: not a change
                datos = {k: v for k, v in datos.items() if v is not None or k in previo}
            if previo == datos:
                sin_cambios += 1
            else:
                cambios.append((linea, id_, datos, previo is None))
        validas = len(lectura.validas)
        for inicio in range(0, len(cambios), LOTE):
            lote = cambios[inicio:inicio + LOTE]
            llaves = (self.cifrador.llavero.llaves([cls.sujeto_de(id_) for _, id_, _, _ in lote], crear=True)
                      if cls.personales else {})
            pendientes: list[dm.Registro] = []
            for linea, id_, datos, nuevo in lote:
                if cls.personales:
                    llave = llaves[cls.sujeto_de(id_)]
                    if llave is None:
                        lectura.rechazadas.append(padron.Rechazo(linea, [("DNI", CANCELADOS)], datos["dni"]))
                        validas -= 1
                        continue
                    datos = self.cifrador.cifrar_campos(cls.sujeto_de(id_), datos, cls.personales, llave)
                if nuevo:
                    pendientes.append(cls(id=id_, datos=datos))
                    nuevas += 1
                else:
                    registro: dm.Registro = self.repository.get(id_)
                    registro.actualizar(datos)
                    pendientes.append(registro)
                    actualizadas += 1
            self._guardar(pendientes)
            if progreso:
                progreso(len(lote))
        if progreso:
            progreso(sin_cambios)
        lectura.rechazadas.sort(key=lambda r: r.linea)
        return {"filas": lectura.filas, "validas": validas, "nuevas": nuevas,
                "actualizadas": actualizadas, "sin_cambios": sin_cambios,
                "rechazadas": [r.como_dict() for r in lectura.rechazadas]}

    def cancelar_datos_personales(self, docente: UUID, referencia: str, motivo: str) -> bool:
        """Ley 29733 art. 20: record the cancellation (no personal data in it), then erase the key
        that encrypts the docente's personal fields, so they are unreadable in every stored event,
        copy and rebuilt read model. Re-sent: records nothing and erases again (idempotent)."""
        def leer() -> dm.Docente:
            registro = self.obtener(docente, NotFound(f"No existe el docente {docente}."))
            if not isinstance(registro, dm.Docente):
                raise NotFound(f"No existe el docente {docente}.")
            return registro
        nuevo = self.modificar(leer, lambda d: d.cancelar_datos_personales(referencia, motivo))
        self.cifrador.llavero.suprimir(dm.Docente.sujeto_de(docente),
                                       f"DatosPersonalesCancelados ({motivo}, {referencia})")
        self.proyecciones.ponerse_al_dia()  # the read model blanks him now, not at the next query
        return nuevo

    def _guardar(self, agregados: list[Any]) -> None:
        if agregados:
            self.save(*agregados)
            agregados.clear()

    # --- rule sets and convocatorias -------------------------------------------------------------

    def publicar_reglas(self, reglas: ConjuntoReglas) -> bool:
        contenido = reglas.model_dump(mode="json")
        id_ = dm.reglas_id(reglas.codigo, reglas.version)
        try:
            publicadas: dm.ReglasFocalizacion = self.repository.get(id_)
        except AggregateNotFoundError:
            try:
                self.save(dm.ReglasFocalizacion(id=id_, reglas=contenido))
                return True
            except IntegrityError:
                publicadas = self.repository.get(id_)
        if publicadas.reglas != contenido:
            raise Conflict(f"Las reglas {reglas.clave} ya se publicaron con otro contenido: "
                           f"publique una versión nueva.")
        return False

    def publicar_reglas_incluidas(self) -> None:
        for nombre in REGLAS_INCLUIDAS:
            texto = resources.files("services.focalizacion").joinpath("datos", nombre).read_text("utf-8")
            self.publicar_reglas(ConjuntoReglas.model_validate(json.loads(texto)))

    def reglas(self, clave: str) -> ConjuntoReglas:
        codigo, _, version = clave.partition("@")
        try:
            publicadas: dm.ReglasFocalizacion = self.repository.get(dm.reglas_id(codigo, int(version)))
        except (AggregateNotFoundError, ValueError):
            raise NotFound(f"No existen las reglas {clave}.") from None
        return ConjuntoReglas.model_validate(publicadas.reglas)

    def reglas_vigentes(self, codigo: str, anio: int) -> ConjuntoReglas:
        vigentes = [ConjuntoReglas.model_validate(r) for r in self.proyecciones.reglas_publicadas()
                    if r["codigo"] == codigo]
        vigentes = [r for r in vigentes if r.vigente_en(anio)]
        if not vigentes:
            raise DomainError(f"No hay reglas {codigo!r} vigentes en {anio}.", "body.anio_inicio")
        return max(vigentes, key=lambda r: r.version)

    def abrir_convocatoria(self, codigo: str, anio_inicio: int, anio_fin: int, reglas: str) -> bool:
        if not 0 <= anio_fin - anio_inicio <= 2:
            raise DomainError("Una convocatoria abarca de una a tres etapas (un año escolar cada una).",
                              "body.anio_fin")
        conjunto = self.reglas_vigentes(reglas, anio_inicio)
        if not conjunto.vigente_en(anio_fin):
            raise DomainError(f"Las reglas {conjunto.clave} no rigen en {anio_fin}.", "body.anio_fin")
        id_ = dm.convocatoria_id(codigo)
        datos = {"codigo": codigo, "anio_inicio": anio_inicio, "anio_fin": anio_fin,
                 "reglas": conjunto.clave, "ambito": conjunto.ambito}
        try:
            actual = self.convocatoria(codigo)
        except NotFound:
            self.save(dm.Convocatoria(id=id_, **datos))
            return True
        if {k: getattr(actual, k) for k in datos} != datos:
            raise Conflict(f"La convocatoria {codigo} ya existe con otros datos.")
        return False

    def convocatoria(self, codigo: str) -> dm.Convocatoria:
        return self.obtener(dm.convocatoria_id(codigo), NotFound(f"No existe la convocatoria {codigo}."))

    # --- targeting -------------------------------------------------------------------------------

    def ejecutar_focalizacion(self, codigo: str, progreso: Progreso | None = None) -> dict[str, Any]:
        """Decide every IE in the convocatoria's territory; record only what changed."""
        conv = self.convocatoria(codigo)
        reglas = self.reglas(conv.reglas)
        decisiones = focalizar(self.proyecciones.ies(conv.ambito), reglas)
        previas = {(d["codigo_modular"], d["anexo"]): d
                   for d in self.proyecciones.decisiones(codigo, limite=None)}
        cambios = 0
        pendientes: list[Any] = []
        for decision in decisiones:
            decision["convocatoria"] = codigo
            if not decision["focalizada"]:
                decision["motivos"] = motivos(decision, reglas)
            previa = previas.get((decision["codigo_modular"], decision["anexo"]))
            if previa is not None:
                previa.pop("cambios", None)
            if previa == decision:
                continue
            id_ = dm.decision_id(codigo, decision["codigo_modular"], decision["anexo"])
            if previa is None:
                pendientes.append(dm.DecisionFocalizacion(id=id_, convocatoria=codigo, decision=decision))
            else:
                agregado: dm.DecisionFocalizacion = self.repository.get(id_)
                agregado.cambiar(decision)
                pendientes.append(agregado)
            cambios += 1
            if len(pendientes) >= LOTE:
                if progreso:
                    progreso(len(pendientes))
                self._guardar(pendientes)
        if progreso:
            progreso(len(pendientes))
        self._guardar(pendientes)
        focalizadas = sum(d["focalizada"] for d in decisiones)
        conv.registrar_ejecucion(focalizadas=focalizadas, excluidas=len(decisiones) - focalizadas, cambios=cambios)
        self.save(conv)
        return {"convocatoria": codigo, "reglas": reglas.clave, "evaluadas": len(decisiones),
                "focalizadas": focalizadas, "excluidas": len(decisiones) - focalizadas, "cambios": cambios}

    # --- caseloads -------------------------------------------------------------------------------

    def _asignaciones(self, conv: dm.Convocatoria, dre: str, ugel: str) -> dm.AsignacionesUGEL:
        try:
            return self.repository.get(dm.asignaciones_id(conv.codigo, ugel))
        except AggregateNotFoundError:
            return dm.AsignacionesUGEL(id=dm.asignaciones_id(conv.codigo, ugel), convocatoria=conv.codigo,
                                       dre=dre, ugel=ugel)

    def _anio(self, conv: dm.Convocatoria, anio: int | None) -> int:
        anio = anio or conv.anio_inicio
        if not conv.anio_inicio <= anio <= conv.anio_fin:
            raise DomainError(f"El año {anio} no pertenece a la convocatoria {conv.codigo} "
                              f"({conv.anio_inicio}-{conv.anio_fin}).")
        return anio

    def asignar_carteras(self, codigo: str, ugel: str | None = None, anio: int | None = None,
                         progreso: Progreso | None = None) -> dict[str, Any]:
        """Incorporate the UGEL's registered acompañantes and give every docente of a focalized
        IE without acompañante one, within the ratio; one transaction per UGEL."""
        conv = self.convocatoria(codigo)
        anio = self._anio(conv, anio)
        escuelas_por_ugel: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for d in self.proyecciones.decisiones(codigo, focalizada=True, ugel=ugel, limite=None):
            escuelas_por_ugel[d["ugel"]].append(d)
        docentes_de = self.proyecciones.docentes_por_ie(ugel)
        acompanantes_de: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for a in self.proyecciones.acompanantes(ugel):
            acompanantes_de[a["ugel"]].append(a)
        asignados = incorporados = 0
        sin_cubrir: list[dict[str, Any]] = []
        for codigo_ugel in sorted(escuelas_por_ugel):
            escuelas = escuelas_por_ugel[codigo_ugel]
            agregado = self._asignaciones(conv, escuelas[0]["dre"], codigo_ugel)
            for a in acompanantes_de.get(codigo_ugel, []):
                if a["id"] not in agregado.acompanantes:
                    agregado.incorporar(acompanante_id=UUID(a["id"]), tipo=a["tipo"], anio=anio)
                    incorporados += 1
            for e in escuelas:
                e["ratio_maximo"] = e["ratio"]["maximo"]
                e["pendientes"] = [d for d in docentes_de.get(str(dm.ie_id(e["codigo_modular"], e["anexo"])), [])
                                   if d not in agregado.docentes]
            plan = cartera.planificar(escuelas, cartera.capacidades(agregado))
            for docente, acompanante, e in plan.asignaciones:
                agregado.asignar(UUID(docente), UUID(acompanante), e, anio)
            asignados += len(plan.asignaciones)
            sin_cubrir += [{**s, "ugel": codigo_ugel} for s in plan.sin_cubrir]
            self.save(agregado)
            if progreso:
                progreso(1)
        return {"convocatoria": codigo, "anio": anio, "ugeles": len(escuelas_por_ugel),
                "acompanantes_incorporados": incorporados, "docentes_asignados": asignados,
                "escuelas_sin_cubrir": sin_cubrir,
                "docentes_sin_cubrir": sum(s["docentes_sin_acompanante"] for s in sin_cubrir)}

    def registro_existente(self, tabla: Any, id_: UUID, que: str) -> dict[str, Any]:
        """A person's row in the read model (``tabla``: docente or acompañante), or NotFound."""
        datos = self.proyecciones.registro(tabla, str(id_))
        if datos is None:
            raise NotFound(f"No existe el {que} {id_}.")
        return datos

    def _escuela_focalizada(self, codigo: str, docente: dict[str, Any]) -> dict[str, Any]:
        d = self.proyecciones.decision(codigo, docente["codigo_modular"], docente["anexo"])
        if d is None or not d["focalizada"]:
            raise DomainError(f"La IE {docente['codigo_modular']}-{docente['anexo']} del docente no está "
                              f"focalizada en la convocatoria {codigo}.")
        return {**d, "ratio_maximo": d["ratio"]["maximo"]}

    def _excepcion(self, agregado: dm.AsignacionesUGEL, acompanante: UUID, excepcion: dict[str, Any] | None) -> None:
        if excepcion:
            actor = current_actor.get()
            agregado.registrar_excepcion(acompanante, excepcion["limite"], excepcion["justificacion"],
                                         actor.usuario, actor.rol)

    def asignar_docente(self, codigo: str, docente: UUID, acompanante: UUID, anio: int | None = None,
                        excepcion: dict[str, Any] | None = None) -> None:
        conv = self.convocatoria(codigo)
        datos = self.registro_existente(vistas.docente, docente, "docente")
        escuela = self._escuela_focalizada(codigo, datos)
        agregado = self._asignaciones(conv, datos["dre"], datos["ugel"])
        self._excepcion(agregado, acompanante, excepcion)
        agregado.asignar(docente, acompanante, escuela, self._anio(conv, anio))
        self.save(agregado)

    def reasignar_docente(self, codigo: str, docente: UUID, acompanante: UUID, motivo: str,
                          excepcion: dict[str, Any] | None = None) -> None:
        conv = self.convocatoria(codigo)
        datos = self.registro_existente(vistas.docente, docente, "docente")
        agregado = self._asignaciones(conv, datos["dre"], datos["ugel"])
        self._excepcion(agregado, acompanante, excepcion)
        agregado.reasignar(docente, acompanante, motivo)
        self.save(agregado)

    def retirar_docente(self, codigo: str, docente: UUID, motivo: str) -> None:
        conv = self.convocatoria(codigo)
        datos = self.registro_existente(vistas.docente, docente, "docente")
        agregado = self._asignaciones(conv, datos["dre"], datos["ugel"])
        agregado.retirar_docente(docente, motivo)
        self.save(agregado)

    def incorporar_acompanante(self, codigo: str, acompanante: UUID, anio: int | None = None) -> bool:
        conv = self.convocatoria(codigo)
        datos = self.registro_existente(vistas.acompanante, acompanante, "acompañante")
        agregado = self._asignaciones(conv, datos["dre"], datos["ugel"])
        if str(acompanante) in agregado.acompanantes:
            return False
        agregado.incorporar(acompanante_id=acompanante, tipo=datos["tipo"], anio=self._anio(conv, anio))
        self.save(agregado)
        return True

    def registrar_excepcion(self, codigo: str, acompanante: UUID, limite: int, justificacion: str) -> None:
        conv = self.convocatoria(codigo)
        datos = self.registro_existente(vistas.acompanante, acompanante, "acompañante")
        agregado = self._asignaciones(conv, datos["dre"], datos["ugel"])
        self._excepcion(agregado, acompanante, {"limite": limite, "justificacion": justificacion})
        self.save(agregado)

    def retirar_acompanante(self, codigo: str, acompanante: UUID, motivo: str,
                            reemplazo: UUID | None = None) -> dict[str, Any]:
        """Retire a coach and hand over the caseload: to the replacement, or spread over the
        UGEL's other coaches of the same type keeping schools together. Refused (nothing
        recorded) when the caseload does not fit."""
        conv = self.convocatoria(codigo)
        datos = self.registro_existente(vistas.acompanante, acompanante, "acompañante")
        agregado = self._asignaciones(conv, datos["dre"], datos["ugel"])
        agregado.check_acompanante_activo(acompanante)
        propios = agregado.cartera(acompanante)
        if reemplazo is not None:
            destinos = {d: reemplazo for d in propios}
        else:
            destinos = self._traspaso(agregado, acompanante, propios)
        agregado.retirar_acompanante(acompanante, motivo, destinos)
        self.save(agregado)
        return {"acompanante_id": str(acompanante), "docentes_traspasados": len(propios),
                "destinos": {d: str(a) for d, a in destinos.items()}}

    def _traspaso(self, agregado: dm.AsignacionesUGEL, acompanante: UUID, propios: list[str]) -> dict[str, UUID]:
        escuelas: dict[str, dict[str, Any]] = {}
        for d in propios:
            info = agregado.docentes[d]
            clave = f"{info['codigo_modular']}-{info['anexo']}"
            escuela = escuelas.setdefault(clave, {**info, "orden": len(escuelas), "pendientes": []})
            escuela["pendientes"].append(d)
        plan = cartera.planificar(list(escuelas.values()), cartera.capacidades(agregado, excluir={str(acompanante)}))
        if plan.sin_cubrir:
            faltan = sum(s["docentes_sin_acompanante"] for s in plan.sin_cubrir)
            raise DomainError(f"No hay cupo para traspasar {faltan} docentes del acompañante en la "
                              f"{agregado.ugel}: incorpore un acompañante, indique un reemplazo o registre "
                              f"una excepción a la ratio.")
        return {d: UUID(a) for d, a, _ in plan.asignaciones}
