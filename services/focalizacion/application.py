"""focalizacion's write side: registries, rule sets, convocatorias, targeting and caseloads."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from importlib import resources
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from services.focalizacion import asignaciones as asig
from services.focalizacion import cartera, padron, registro
from services.focalizacion import domainmodel as dm
from services.focalizacion import projections as vistas
from services.focalizacion.comandos import (
    AbrirConvocatoria, AsignarDocente, CancelarDatosPersonales, ExcepcionRatio, IncorporarAcompanante,
    ReasignarDocente, RegistrarExcepcion, RetirarAcompanante, RetirarDocente,
)
from services.focalizacion.config import FocalizacionSettings
from services.focalizacion.focalizar import focalizar, por_registrar
from services.focalizacion.projections import Proyecciones
from services.focalizacion.reglas import ConjuntoReglas
from services.focalizacion.valores import VALORES, Decision
from shared.cifrado import Cifrador, llavero_de
from shared.eventstore import DomainError, NotFound, ServiceApplication
from shared.telemetry import current_actor

Progreso = Callable[[int], None]
LOTE = 500  # aggregates per transaction when importing or deciding in bulk
REGLAS_INCLUIDAS = ("reglas-nt026-2020-2022.json",)
CANCELADOS = "sus datos personales se cancelaron a su pedido (Ley 29733): no se registran de nuevo"


class Focalizacion(ServiceApplication):
    name = "Focalizacion"
    snapshotting_intervals = {asig.AsignacionesUGEL: 200}
    valores = {**VALORES, "focalizacion.ConjuntoReglas": ConjuntoReglas}  # noqa: RUF012

    def __init__(self, settings: FocalizacionSettings) -> None:
        super().__init__(settings)
        self.pepper = settings.pepper.get_secret_value()
        self.cifrador = Cifrador(llavero_de(settings))  # personal data keys, outside the event store
        self.proyecciones = Proyecciones(settings, self, self.cifrador)

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
        informe = self._registrar(lectura, dm.InstitucionEducativa, vistas.ie,
                                  lambda d: dm.ie_id(d["codigo_modular"], d["anexo"]), progreso)
        self.reintentar(lambda: self._nombrar_territorios(lectura))
        return informe

    def _nombrar_territorios(self, lectura: padron.Lectura) -> None:
        """Record the names the padrón gives each UGEL and its DRE (its rows' last ones; a row without them keeps
        the one before) where they are new: of every valid row, changed or not, so importing again a padrón
        recorded before the names were published records them now."""
        pendientes: list[dm.NombresUGEL] = []
        for ugel, (dre, nombre_dre, nombre_ugel) in padron.nombres_por_ugel(lectura).items():
            id_ = dm.nombres_ugel_id(ugel)
            try:
                nombres: dm.NombresUGEL = self.repository.get(id_)
            except AggregateNotFoundError:
                pendientes.append(dm.NombresUGEL(id=id_, dre=dre, ugel=ugel, nombre_dre=nombre_dre,
                                                 nombre_ugel=nombre_ugel))
                continue
            if nombres.nombrar(dre, nombre_dre, nombre_ugel):
                pendientes.append(nombres)
        if pendientes:
            self.save(*pendientes)

    def importar_docentes(self, contenido: bytes, progreso: Progreso | None = None) -> dict[str, Any]:
        lectura = registro.con_su_ie(padron.leer_docentes(contenido), self.proyecciones.datos_registro(vistas.ie))
        return self._registrar(lectura, dm.Docente, vistas.docente, lambda d: self.docente_id(d["dni"]), progreso)

    def importar_acompanantes(self, contenido: bytes, progreso: Progreso | None = None) -> dict[str, Any]:
        lectura = padron.leer_acompanantes(contenido)
        return self._registrar(lectura, dm.Acompanante, vistas.acompanante, lambda d: self.acompanante_id(d["dni"]),
                               progreso)

    def _registrar(self, lectura: padron.Lectura, cls: type[dm.Registro], tabla: Any, ident: Callable[[dict], UUID],
                   progreso: Progreso | None) -> dict[str, Any]:
        """Record what is new or changed (``registro.cambios``), in batches. A person's personal fields are
        stored encrypted with his key; a person whose data were cancelled (his key erased) is not registered
        again."""
        registrados = self.proyecciones.datos_registro(tabla, {str(ident(d)) for _, d in lectura.validas})
        cambios = registro.cambios(lectura, ident, registrados)
        validas = len(lectura.validas)
        nuevas = actualizadas = 0
        for inicio in range(0, len(cambios.filas), LOTE):
            lote = cambios.filas[inicio:inicio + LOTE]
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
                    pendientes.append(cls(id=id_, datos=cls.ficha.de(datos)))
                    nuevas += 1
                else:
                    pendientes.append(self._actualizado(id_, cls.ficha.de(datos)))
                    actualizadas += 1
            self._guardar(pendientes)
            if progreso:
                progreso(len(lote))
        if progreso:
            progreso(cambios.sin_cambios)
        lectura.rechazadas.sort(key=lambda r: r.linea)
        return {"filas": lectura.filas, "validas": validas, "nuevas": nuevas,
                "actualizadas": actualizadas, "sin_cambios": cambios.sin_cambios,
                "rechazadas": [r.como_dict() for r in lectura.rechazadas]}

    def _actualizado(self, id_: UUID, datos: Any) -> dm.Registro:
        registrado: dm.Registro = self.repository.get(id_)
        registrado.actualizar(datos)
        return registrado

    def cancelar_datos_personales(self, comando: CancelarDatosPersonales) -> bool:
        """Ley 29733 art. 20: record the cancellation (no personal data in it), then erase the key
        that encrypts the docente's personal fields, so they are unreadable in every stored event,
        copy and rebuilt read model. Re-sent: records nothing and erases again (idempotent)."""
        nuevo = self.reintentar(lambda: self._cancelar(comando))
        self.cifrador.llavero.suprimir(dm.Docente.sujeto_de(comando.docente),
                                       f"DatosPersonalesCancelados ({comando.motivo}, {comando.referencia})")
        self.proyecciones.ponerse_al_dia()  # the read model blanks him now, not at the next query
        return nuevo

    def _cancelar(self, comando: CancelarDatosPersonales) -> bool:
        docente = self._docente(comando.docente)
        nuevo = docente.cancelar_datos_personales(comando.referencia, comando.motivo)
        if nuevo:
            self.save(docente)
        return nuevo

    def _docente(self, id_: UUID) -> dm.Docente:
        registrado = self.obtener(id_, NotFound(f"No existe el docente {id_}."))
        if not isinstance(registrado, dm.Docente):
            raise NotFound(f"No existe el docente {id_}.")
        return registrado

    def _guardar(self, agregados: list[Any]) -> None:
        if agregados:
            self.save(*agregados)
            agregados.clear()

    # --- rule sets and convocatorias -------------------------------------------------------------

    def publicar_reglas(self, reglas: ConjuntoReglas) -> bool:
        """A version of a rule set; every version of a code keeps the ámbito of the first (a version under
        another ámbito would put rules in force where they do not belong)."""
        otro = next((r["ambito"] for r in self.proyecciones.reglas_publicadas()
                     if r["codigo"] == reglas.codigo and r.get("ambito", "nacional") != reglas.ambito), None)
        if otro is not None:
            raise DomainError(f"Las reglas {reglas.codigo} son de ámbito {otro}: una versión no puede cambiarlo; "
                              f"publique un código propio.", "body.ambito")
        return self.crear_una_vez(dm.ReglasFocalizacion(id=dm.reglas_id(reglas.codigo, reglas.version), reglas=reglas),
                                  lambda publicadas: publicadas.reglas == reglas,
                                  f"Las reglas {reglas.clave} ya se publicaron con otro contenido: "
                                  f"publique una versión nueva.")

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
        return publicadas.reglas

    def reglas_vigentes(self, codigo: str, anio: int) -> ConjuntoReglas:
        vigentes = [ConjuntoReglas.model_validate(r) for r in self.proyecciones.reglas_publicadas()
                    if r["codigo"] == codigo]
        vigentes = [r for r in vigentes if r.vigente_en(anio)]
        if not vigentes:
            raise DomainError(f"No hay reglas {codigo!r} vigentes en {anio}.", "body.anio_inicio")
        return max(vigentes, key=lambda r: r.version)

    def abrir_convocatoria(self, comando: AbrirConvocatoria) -> bool:
        c = comando
        if not 0 <= c.anio_fin - c.anio_inicio <= 2:
            raise DomainError("Una convocatoria abarca de una a tres etapas (un año escolar cada una).",
                              "body.anio_fin")
        conjunto = self.reglas_vigentes(c.reglas, c.anio_inicio)
        if not conjunto.vigente_en(c.anio_fin):
            raise DomainError(f"Las reglas {conjunto.clave} no rigen en {c.anio_fin}.", "body.anio_fin")
        datos = {"codigo": c.codigo, "anio_inicio": c.anio_inicio, "anio_fin": c.anio_fin,
                 "reglas": conjunto.clave, "ambito": conjunto.ambito}
        return self.crear_una_vez(dm.Convocatoria(id=dm.convocatoria_id(c.codigo), **datos),
                                  lambda actual: {k: getattr(actual, k) for k in datos} == datos,
                                  f"La convocatoria {c.codigo} ya existe con otros datos.")

    def convocatoria(self, codigo: str) -> dm.Convocatoria:
        return self.obtener(dm.convocatoria_id(codigo), NotFound(f"No existe la convocatoria {codigo}."))

    # --- targeting -------------------------------------------------------------------------------

    def ejecutar_focalizacion(self, codigo: str, progreso: Progreso | None = None) -> dict[str, Any]:
        """Decide every IE in the convocatoria's territory; record only what changed."""
        conv = self.convocatoria(codigo)
        reglas = self.reglas(conv.reglas)
        decisiones = focalizar(self.proyecciones.ies(conv.ambito), reglas)
        previas = {(d["codigo_modular"], d["anexo"]): d for d in self.proyecciones.decisiones(codigo, limite=None)}
        cambiadas = por_registrar(codigo, decisiones, previas, reglas)
        pendientes: list[Any] = []
        for decision, nueva in cambiadas:
            id_ = dm.decision_id(codigo, decision["codigo_modular"], decision["anexo"])
            pendientes.append(dm.DecisionFocalizacion(id=id_, convocatoria=codigo, decision=Decision.de(decision))
                              if nueva else self._decision_cambiada(id_, decision))
            if len(pendientes) >= LOTE:
                if progreso:
                    progreso(len(pendientes))
                self._guardar(pendientes)
        if progreso:
            progreso(len(pendientes))
        self._guardar(pendientes)
        focalizadas = sum(d["focalizada"] for d in decisiones)
        conv.registrar_ejecucion(focalizadas=focalizadas, excluidas=len(decisiones) - focalizadas,
                                 cambios=len(cambiadas))
        self.save(conv)
        return {"convocatoria": codigo, "reglas": reglas.clave, "evaluadas": len(decisiones),
                "focalizadas": focalizadas, "excluidas": len(decisiones) - focalizadas, "cambios": len(cambiadas)}

    def _decision_cambiada(self, id_: UUID, decision: dict[str, Any]) -> dm.DecisionFocalizacion:
        agregado: dm.DecisionFocalizacion = self.repository.get(id_)
        agregado.cambiar(Decision.de(decision))
        return agregado

    # --- caseloads -------------------------------------------------------------------------------

    def _asignaciones(self, conv: dm.Convocatoria, dre: str, ugel: str) -> asig.AsignacionesUGEL:
        try:
            return self.repository.get(asig.asignaciones_id(conv.codigo, ugel))
        except AggregateNotFoundError:
            return asig.AsignacionesUGEL(id=asig.asignaciones_id(conv.codigo, ugel), convocatoria=conv.codigo,
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

    def _excepcion(self, agregado: asig.AsignacionesUGEL, acompanante: UUID, excepcion: ExcepcionRatio | None) -> None:
        if excepcion:
            actor = current_actor.get()
            agregado.registrar_excepcion(acompanante, excepcion.limite, excepcion.justificacion,
                                         actor.usuario, actor.rol)

    def _cartera_de(self, conv: dm.Convocatoria, tabla: Any, id_: UUID, que: str) -> tuple[dict[str, Any],
                                                                                          asig.AsignacionesUGEL]:
        """A registered person's row and the caseloads of his UGEL in ``conv`` (opened when there are none)."""
        datos = self.registro_existente(tabla, id_, que)
        return datos, self._asignaciones(conv, datos["dre"], datos["ugel"])

    def asignar_docente(self, c: AsignarDocente) -> None:
        conv = self.convocatoria(c.convocatoria)
        datos, agregado = self._cartera_de(conv, vistas.docente, c.docente, "docente")
        escuela = self._escuela_focalizada(c.convocatoria, datos)
        self._excepcion(agregado, c.acompanante, c.excepcion)
        agregado.asignar(c.docente, c.acompanante, escuela, self._anio(conv, c.anio))
        self.save(agregado)

    def reasignar_docente(self, c: ReasignarDocente) -> None:
        _, agregado = self._cartera_de(self.convocatoria(c.convocatoria), vistas.docente, c.docente, "docente")
        self._excepcion(agregado, c.acompanante, c.excepcion)
        agregado.reasignar(c.docente, c.acompanante, c.motivo)
        self.save(agregado)

    def retirar_docente(self, c: RetirarDocente) -> None:
        _, agregado = self._cartera_de(self.convocatoria(c.convocatoria), vistas.docente, c.docente, "docente")
        agregado.retirar_docente(c.docente, c.motivo)
        self.save(agregado)

    def incorporar_acompanante(self, c: IncorporarAcompanante) -> bool:
        conv = self.convocatoria(c.convocatoria)
        datos, agregado = self._cartera_de(conv, vistas.acompanante, c.acompanante, "acompañante")
        if str(c.acompanante) in agregado.acompanantes:
            return False
        agregado.incorporar(acompanante_id=c.acompanante, tipo=datos["tipo"], anio=self._anio(conv, c.anio))
        self.save(agregado)
        return True

    def registrar_excepcion(self, c: RegistrarExcepcion) -> None:
        conv = self.convocatoria(c.convocatoria)
        _, agregado = self._cartera_de(conv, vistas.acompanante, c.acompanante, "acompañante")
        self._excepcion(agregado, c.acompanante, c.excepcion)
        self.save(agregado)

    def retirar_acompanante(self, c: RetirarAcompanante) -> dict[str, Any]:
        """Retire a coach and hand over the caseload: to the replacement, or spread over the
        UGEL's other coaches of the same type keeping schools together. Refused (nothing
        recorded) when the caseload does not fit."""
        conv = self.convocatoria(c.convocatoria)
        _, agregado = self._cartera_de(conv, vistas.acompanante, c.acompanante, "acompañante")
        agregado.check_acompanante_activo(c.acompanante)
        propios = agregado.cartera(c.acompanante)
        destinos = ({d: c.reemplazo for d in propios} if c.reemplazo is not None
                    else self._traspaso(agregado, c.acompanante, propios))
        agregado.retirar_acompanante(c.acompanante, c.motivo, destinos)
        self.save(agregado)
        return {"acompanante_id": str(c.acompanante), "docentes_traspasados": len(propios),
                "destinos": {d: str(a) for d, a in destinos.items()}}

    def _traspaso(self, agregado: asig.AsignacionesUGEL, acompanante: UUID, propios: list[str]) -> dict[str, UUID]:
        plan = cartera.traspaso(agregado, str(acompanante), propios)
        if plan.sin_cubrir:
            faltan = sum(s["docentes_sin_acompanante"] for s in plan.sin_cubrir)
            raise DomainError(f"No hay cupo para traspasar {faltan} docentes del acompañante en la "
                              f"{agregado.ugel}: incorpore un acompañante, indique un reemplazo o registre "
                              f"una excepción a la ratio.")
        return {d: UUID(a) for d, a, _ in plan.asignaciones}
