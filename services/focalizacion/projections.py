"""focalizacion's read models, kept from its own event store.

The projection reads the store's notification log in order and writes the rows and its
position in one transaction, so it can stop anywhere and resume, and ``reconstruir()``
gives the same tables from zero. Queries catch up first (read-your-writes).

A person's personal fields (``Docente.personales``, ``Acompanante.personales``) stay in the rows as the
events carry them, encrypted with his key (``shared.cifrado``): the projection neither decrypts nor reads
the key store, so a rebuild needs no keys and gives the same rows with or without them. The queries that
answer them decrypt the rows they return (``claros``), with the key store the projection is given (its own
dependency: it reads nothing of the application but the notification log). Nothing looks a person up by a
personal field: his id is the keyed hash of his DNI (``domainmodel.seudonimo``), so finding him by DNI is
computing his id, and the rows are ordered by id. Once his key is erased his fields read ``MARCA``, and
``DatosPersonalesCancelados`` puts ``MARCA`` in the rows already built, so the read model (rebuilt or not)
holds nothing of him but his id and his territory. The tables are in ``tablas``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from types import SimpleNamespace
from functools import lru_cache
from typing import Any

from eventsourcing.application import Application
from sqlalchemy import Table, case, func, inspect, select, update

from services.focalizacion import domainmodel as dm
from services.focalizacion.asignaciones import AsignacionesUGEL
from services.focalizacion.cartera import estado_cartera
from services.focalizacion.tablas import (
    acompanante, asignacion, cartera, convocatoria, decision, docente, historial, ie, metadata, nombre_territorio,
    reglas, ugeles,
)
from shared.cifrado import MARCA, Cifrador
from shared.settings import ServiceSettings
from shared.unidad import UnidadDeTrabajo
from shared.views import OwnLogProjection, Tablas

log = logging.getLogger(__name__)


class Proyecciones(OwnLogProjection):
    nombre = "focalizacion"
    tablas = (ie, docente, acompanante, reglas, convocatoria, decision, asignacion, historial, cartera, ugeles,
              nombre_territorio)

    def __init__(self, settings: ServiceSettings, app: Application, cifrador: Cifrador, lote: int = 2000) -> None:
        """``app``'s notification log is what it projects; ``cifrador`` only decrypts what a query returns."""
        super().__init__(settings, app, metadata, lote)
        self.cifrador = cifrador
        self.handlers.update({
            dm.InstitucionEducativa.Registrada: self._ie, dm.InstitucionEducativa.Actualizada: self._ie,
            dm.Docente.Registrado: self._docente, dm.Docente.Actualizado: self._docente,
            dm.Docente.DatosPersonalesCancelados: self._cancelados,
            dm.Acompanante.Registrado: self._acompanante, dm.Acompanante.Actualizado: self._acompanante,
            dm.ReglasFocalizacion.Publicadas: self._reglas,
            dm.Convocatoria.Abierta: self._convocatoria, dm.Convocatoria.FocalizacionEjecutada: self._ejecucion,
            dm.DecisionFocalizacion.Decidida: self._decision, dm.DecisionFocalizacion.Cambiada: self._decision,
            AsignacionesUGEL.Abiertas: self._abiertas,
            AsignacionesUGEL.AcompananteIncorporado: self._incorporado,
            AsignacionesUGEL.AcompananteRetirado: self._acompanante_retirado,
            AsignacionesUGEL.ExcepcionRatioRegistrada: self._excepcion,
            AsignacionesUGEL.DocenteAsignado: self._asignado,
            AsignacionesUGEL.DocenteReasignado: self._reasignado,
            AsignacionesUGEL.DocenteRetirado: self._docente_retirado,
        })
        A = AsignacionesUGEL
        con_lugar = (A.AcompananteIncorporado, A.AcompananteRetirado, A.ExcepcionRatioRegistrada,
                     A.DocenteAsignado, A.DocenteReasignado, A.DocenteRetirado)
        self.lecturas += [  # the rows by key each handler reads: read for a whole batch at once, in stages
            {**dict.fromkeys(con_lugar, _de_la_apertura),
             dm.Docente.DatosPersonalesCancelados: lambda _, t, e: ((t.docente, (str(e.originator_id),)),)},
            {A.AcompananteRetirado: _de_cartera, A.ExcepcionRatioRegistrada: _de_cartera,
             A.DocenteReasignado: _de_asignacion, A.DocenteRetirado: _de_asignacion},
        ]
        self._sin_datos_en_claro()

    def _sin_datos_en_claro(self) -> None:
        """A read model built by an older version keeps each person's personal fields decrypted in its rows, and
        a ``dni`` column: it is rebuilt at start, before the service answers, so that no row keeps them in
        clear (a cancellation blanked a person's, but every other stayed readable without his key)."""
        for tabla in (docente, acompanante):
            columnas = {c["name"] for c in inspect(self.store.engine).get_columns(tabla.name, schema=self.store.schema)}
            if "dni" in columnas:
                log.warning("el modelo de lectura de focalizacion guarda datos personales descifrados (versión "
                            "anterior): se reconstruye ahora, con los datos cifrados")
                self.reconstruir()
                return

    # --- handlers: each reads and writes only the tables it is given (``t``, the generation it fills) ---------

    def _ie(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        d = e.datos
        u.poner(t.ie, {"id": str(e.originator_id), "codigo_modular": d.codigo_modular, "anexo": d.anexo,
                       "dre": d.dre, "ugel": d.ugel, "nivel": d.nivel, "datos": d.como_dict()})
        # one name per UGEL and DRE: the last one imported (a row without it keeps the one before)
        for tipo, codigo, nombre in (("UGEL", d.ugel, d.nombre_ugel), ("DRE", d.dre, d.nombre_dre)):
            if nombre:
                u.poner(t.nombre_territorio, {"tipo": tipo, "codigo": codigo, "nombre": nombre})

    def _docente(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        d = e.datos  # personal fields as stored: encrypted
        u.poner(t.docente, {"id": str(e.originator_id), "ie_id": _ie_id(d.codigo_modular, d.anexo),
                            "datos": d.como_dict()})

    def _cancelados(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        fila = u.leer(t.docente, str(e.originator_id))
        if fila is not None:
            datos = {k: (MARCA if k in dm.Docente.personales and v is not None else v)
                     for k, v in fila["datos"].items()}
            u.poner(t.docente, {**fila, "datos": {**datos, "datos_cancelados": True}})

    def _acompanante(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        d = e.datos
        u.poner(t.acompanante, {"id": str(e.originator_id), "ugel": d.ugel, "tipo": d.tipo, "datos": d.como_dict()})

    def _reglas(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        r = e.reglas
        u.insertar(t.reglas, {"clave": r.clave, "codigo": r.codigo, "version": r.version,
                              "contenido": r.model_dump(mode="json")})

    def _convocatoria(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        u.insertar(t.convocatoria, {
            "codigo": e.codigo, "id": str(e.originator_id), "ejecuciones": 0,
            "datos": {"codigo": e.codigo, "anio_inicio": e.anio_inicio, "anio_fin": e.anio_fin,
                      "reglas": e.reglas, "ambito": e.ambito}})

    def _ejecucion(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        c = t.convocatoria
        u.execute(update(c).where(c.c.id == str(e.originator_id)).values(ejecuciones=c.c.ejecuciones + 1))

    def _decision(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        d = e.decision
        u.poner(t.decision, {
            "convocatoria": d.convocatoria, "codigo_modular": d.codigo_modular, "anexo": d.anexo,
            "dre": d.dre, "ugel": d.ugel, "tipo": d.tipo, "focalizada": d.focalizada,
            "decision": d.como_dict(), "cambios": e.originator_version - 1})

    # Assignment events carry their territory; those recorded before they did (class_version 1) have the
    # aggregate's, recorded when it opened.
    def _abiertas(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        u.insertar(t.asignaciones_ugel, {"id": str(e.originator_id), "convocatoria": e.convocatoria,
                                         "dre": e.dre, "ugel": e.ugel})

    @staticmethod
    def _territorio(u: UnidadDeTrabajo, t: Tablas, e: Any) -> Any:
        if e.territorio is not None:
            return e.territorio
        fila = u.leer(t.asignaciones_ugel, str(e.originator_id))
        if fila is None:
            raise LookupError(f"no opening of the assignments {e.originator_id}")
        return SimpleNamespace(**fila)

    @staticmethod
    def _historia(u: UnidadDeTrabajo, t: Tablas, e: Any, n: int, lugar: Any, evento: str, docente_id: str,
                  datos: dict[str, Any]) -> None:
        """One line of a docente's assignment history (``datos``: the event's, completed here)."""
        metadata = e.metadata
        datos["ugel"], datos["registrado_en"] = lugar.ugel, e.timestamp.isoformat()
        datos["usuario"], datos["rol"] = metadata.get("usuario"), metadata.get("rol")
        u.insertar(t.asignacion_historial, {"posicion": n, "convocatoria": lugar.convocatoria,
                                            "docente_id": docente_id, "evento": evento, "datos": datos})

    def _incorporado(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        lugar = self._territorio(u, t, e)
        u.poner(t.cartera, {"convocatoria": lugar.convocatoria, "acompanante_id": str(e.acompanante_id),
                            "dre": lugar.dre, "ugel": lugar.ugel, "tipo": e.tipo, "activo": True,
                            "limite_excepcion": None, "excepciones": []})

    def _acompanante_retirado(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        lugar = self._territorio(u, t, e)
        u.cambiar(t.cartera, lugar.convocatoria, str(e.acompanante_id), activo=False)

    def _excepcion(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        lugar = self._territorio(u, t, e)
        fila = u.leer(t.cartera, lugar.convocatoria, str(e.acompanante_id))
        nueva = {"limite": e.limite, "justificacion": e.justificacion, "autorizado_por": e.autorizado_por,
                 "registrado_en": e.timestamp.isoformat()}
        if fila is not None:
            u.poner(t.cartera, {**fila, "limite_excepcion": e.limite,
                                "excepciones": [*(fila["excepciones"] or []), nueva]})

    def _asignado(self, u: UnidadDeTrabajo, t: Tablas, e: Any, n: int) -> None:
        lugar = self._territorio(u, t, e)
        docente_id, acompanante_id = str(e.docente_id), str(e.acompanante_id)
        datos = {"codigo_modular": e.codigo_modular, "anexo": e.anexo, "nivel": e.nivel, "tipo": e.tipo,
                 "ratio_maximo": e.ratio_maximo, "anio": e.anio}
        u.insertar(t.asignacion, {"convocatoria": lugar.convocatoria, "docente_id": docente_id,
                                  "acompanante_id": acompanante_id, "dre": lugar.dre, "ugel": lugar.ugel,
                                  "datos": datos})
        self._historia(u, t, e, n, lugar, "DocenteAsignado", docente_id,
                       {"acompanante_id": acompanante_id, **datos})

    def _reasignado(self, u: UnidadDeTrabajo, t: Tablas, e: Any, n: int) -> None:
        lugar = self._territorio(u, t, e)
        docente_id, a_acompanante = str(e.docente_id), str(e.a_acompanante_id)
        u.cambiar(t.asignacion, lugar.convocatoria, docente_id, acompanante_id=a_acompanante)
        self._historia(u, t, e, n, lugar, "DocenteReasignado", docente_id, {
            "acompanante_id": a_acompanante, "de_acompanante_id": str(e.de_acompanante_id), "motivo": e.motivo})

    def _docente_retirado(self, u: UnidadDeTrabajo, t: Tablas, e: Any, n: int) -> None:
        lugar = self._territorio(u, t, e)
        docente_id = str(e.docente_id)
        u.borrar(t.asignacion, lugar.convocatoria, docente_id)
        self._historia(u, t, e, n, lugar, "DocenteRetirado", docente_id,
                       {"acompanante_id": str(e.acompanante_id), "motivo": e.motivo})

    # --- queries -----------------------------------------------------------------------------

    def ies(self, ambito: str = "nacional") -> list[dict[str, Any]]:
        consulta = select(ie.c.datos).order_by(ie.c.codigo_modular, ie.c.anexo)
        if ambito != "nacional":
            consulta = consulta.where(ie.c.dre == ambito)
        return [dict(f.datos) for f in self.filas(consulta)]

    def territorios(self, dre: str | None = None, ugel: str | None = None,
                    escuela: tuple[str, int] | None = None) -> list[dict[str, Any]]:
        """The DREs and UGELs of the registered padrón (of a DRE, a UGEL or one school's: its DRE and UGEL),
        each with the name the padrón gave it (None if it gave none): the DREs by code, then the UGELs by their
        DRE and code."""
        consulta = select(ie.c.dre, ie.c.ugel).distinct().order_by(ie.c.dre, ie.c.ugel)
        for columna, valor in ((ie.c.dre, dre), (ie.c.ugel, ugel)):
            if valor is not None:
                consulta = consulta.where(columna == valor)
        if escuela is not None:
            consulta = consulta.where((ie.c.codigo_modular == escuela[0]) & (ie.c.anexo == escuela[1]))
        pares = self.filas(consulta)
        nombres = {(f.tipo, f.codigo): f.nombre for f in self.filas(select(nombre_territorio))}
        dres = {f.dre: f.dre for f in pares}
        ugeles_ = {f.ugel: f.dre for f in pares}
        return [{"codigo": codigo, "tipo": tipo, "nombre": nombres.get((tipo, codigo)), "dre": su_dre}
                for tipo, de in (("DRE", dres), ("UGEL", ugeles_)) for codigo, su_dre in de.items()]

    def ie(self, codigo_modular: str, anexo: int) -> dict[str, Any] | None:
        return self.registro(ie, str(dm.ie_id(codigo_modular, anexo)))

    def registro(self, tabla: Table, id_: str) -> dict[str, Any] | None:
        """A registry's row by id (a person's personal fields decrypted)."""
        filas = self.filas(select(tabla.c.datos).where(tabla.c.id == id_))
        return self.claros(tabla, [(id_, filas[0].datos)])[id_] if filas else None

    def claros(self, tabla: Table, filas: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
        """Rows of ``tabla`` (id, datos) by id, a person's personal fields decrypted (``MARCA`` where his key
        was erased); the keys read ``_LOTE_LLAVES`` persons at a time."""
        cls = _PERSONAS.get(tabla.name)
        if cls is None:
            return {id_: dict(datos) for id_, datos in filas}
        resultado: dict[str, dict[str, Any]] = {}
        pendientes = list(filas)
        for i in range(0, len(pendientes), _LOTE_LLAVES):
            lote = pendientes[i:i + _LOTE_LLAVES]
            self.cifrador.llavero.llaves([cls.sujeto_de(id_) for id_, _ in lote])  # at once, then remembered
            for id_, datos in lote:
                resultado[id_] = self.cifrador.descifrar_campos(cls.sujeto_de(id_), datos, cls.personales)
        return resultado

    def decision(self, convocatoria_codigo: str, codigo_modular: str, anexo: int) -> dict[str, Any] | None:
        filas = self.filas(select(decision.c.decision, decision.c.cambios).where(
            (decision.c.convocatoria == convocatoria_codigo) & (decision.c.codigo_modular == codigo_modular)
            & (decision.c.anexo == anexo)))
        return {**filas[0].decision, "cambios": filas[0].cambios} if filas else None

    def datos_registro(self, tabla: Table, ids: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
        """A registry's rows by id (of ``ids`` only, when given), a person's personal fields decrypted."""
        if ids is None:
            return self.claros(tabla, [(f.id, f.datos) for f in self.filas(select(tabla.c.id, tabla.c.datos))])
        pedidos = sorted(set(ids))
        filas = [(f.id, f.datos) for i in range(0, len(pedidos), _LOTE_LLAVES) for f in self.filas(
            select(tabla.c.id, tabla.c.datos).where(tabla.c.id.in_(pedidos[i:i + _LOTE_LLAVES])))]
        return self.claros(tabla, filas)

    def docentes_por_ie(self, ugel: str | None = None) -> dict[str, list[str]]:
        """Each school's docentes, by id (the keyed hash of his DNI: a stable order that needs no key)."""
        consulta = select(docente.c.id, docente.c.ie_id).order_by(docente.c.id)
        if ugel:
            consulta = consulta.join(ie, ie.c.id == docente.c.ie_id).where(ie.c.ugel == ugel)
        resultado: dict[str, list[str]] = {}
        for f in self.filas(consulta):
            resultado.setdefault(f.ie_id, []).append(f.id)
        return resultado

    def acompanantes(self, ugel: str | None = None) -> list[dict[str, Any]]:
        """The registered acompañantes (of a UGEL), by id: their id, UGEL and type (nothing personal)."""
        consulta = select(acompanante.c.id, acompanante.c.ugel, acompanante.c.tipo).order_by(acompanante.c.id)
        if ugel:
            consulta = consulta.where(acompanante.c.ugel == ugel)
        return [dict(f._mapping) for f in self.filas(consulta)]

    def reglas_publicadas(self) -> list[dict[str, Any]]:
        return [f.contenido for f in self.filas(select(reglas.c.contenido).order_by(reglas.c.codigo, reglas.c.version))]

    def convocatorias(self) -> list[dict[str, Any]]:
        return [{**f.datos, "ejecuciones": f.ejecuciones}
                for f in self.filas(select(convocatoria).order_by(convocatoria.c.codigo))]

    def decisiones(self, convocatoria_codigo: str, *, focalizada: bool | None = None, dre: str | None = None,
                   ugel: str | None = None, tipo: str | None = None, limite: int = 100,
                   desde: int = 0) -> list[dict[str, Any]]:
        consulta = (select(decision.c.decision, decision.c.cambios)
                    .where(decision.c.convocatoria == convocatoria_codigo)
                    .order_by(decision.c.ugel, decision.c.codigo_modular, decision.c.anexo)
                    .limit(limite).offset(desde))
        for columna, valor in ((decision.c.focalizada, focalizada), (decision.c.dre, dre),
                               (decision.c.ugel, ugel), (decision.c.tipo, tipo)):
            if valor is not None:
                consulta = consulta.where(columna == valor)
        return [{**f.decision, "cambios": f.cambios} for f in self.filas(consulta)]

    def focalizadas_por_territorio(self, convocatoria_codigo: str, agrupar: str) -> list[dict[str, Any]]:
        claves = {"dre": [decision.c.dre], "ugel": [decision.c.dre, decision.c.ugel],
                  "tipo": [decision.c.tipo]}[agrupar]
        consulta = (select(*claves, func.sum(case((decision.c.focalizada, 1), else_=0)).label("focalizadas"),
                           func.count().label("evaluadas"))
                    .where(decision.c.convocatoria == convocatoria_codigo).group_by(*claves).order_by(*claves))
        return [dict(f._mapping) for f in self.filas(consulta)]

    def carteras(self, convocatoria_codigo: str, ugel: str | None = None) -> list[dict[str, Any]]:
        consulta = select(cartera).where(cartera.c.convocatoria == convocatoria_codigo).order_by(
            cartera.c.ugel, cartera.c.acompanante_id)
        if ugel:
            consulta = consulta.where(cartera.c.ugel == ugel)
        filas = self.filas(consulta)
        docentes_de: dict[str, list[dict[str, Any]]] = {}
        consulta_a = select(asignacion.c.acompanante_id, asignacion.c.docente_id, asignacion.c.datos).where(
            asignacion.c.convocatoria == convocatoria_codigo)
        if ugel:
            consulta_a = consulta_a.where(asignacion.c.ugel == ugel)
        for a in self.filas(consulta_a):
            docentes_de.setdefault(a.acompanante_id, []).append({"docente_id": a.docente_id, **a.datos})
        bandas = self._bandas(convocatoria_codigo, ugel)
        return [estado_cartera(f, docentes_de.get(f.acompanante_id, []), bandas) for f in filas]

    def _bandas(self, convocatoria_codigo: str, ugel: str | None) -> dict[str, tuple[int, int]]:
        """The ratio band (minimum, maximum) of each focalized school that has one (NT-026 §5.6.2 b:
        "seis a ocho docentes" dispersed, "ocho a diez docentes" concentrated)."""
        consulta = select(decision.c.codigo_modular, decision.c.anexo, decision.c.decision).where(
            (decision.c.convocatoria == convocatoria_codigo) & decision.c.focalizada)
        if ugel:
            consulta = consulta.where(decision.c.ugel == ugel)
        bandas = {}
        for f in self.filas(consulta):
            ratio = f.decision.get("ratio") or {}
            if ratio.get("minimo") is not None and ratio["minimo"] < ratio.get("maximo", ratio["minimo"]):
                bandas[f"{f.codigo_modular}-{f.anexo}"] = (ratio["minimo"], ratio["maximo"])
        return bandas

    def asignacion_de(self, docente_id: str) -> dict[str, Any]:
        actuales = self.filas(select(asignacion).where(asignacion.c.docente_id == docente_id))
        historia = self.filas(select(historial).where(historial.c.docente_id == docente_id)
                               .order_by(historial.c.posicion))
        registro = self.filas(select(docente.c.datos).where(docente.c.id == docente_id))
        datos = registro[0].datos if registro else {}
        return {
            "docente_id": docente_id,
            # what he teaches (optional padrón columns; not personal data): for the school's tables
            "grado_seccion": datos.get("grado_seccion"), "area_curricular": datos.get("area_curricular"),
            "asignaciones": [{"convocatoria": f.convocatoria, "acompanante_id": f.acompanante_id,
                              "dre": f.dre, "ugel": f.ugel, **f.datos} for f in actuales],
            "historial": [{"convocatoria": f.convocatoria, "evento": f.evento, **f.datos} for f in historia],
        }


@lru_cache(maxsize=1 << 16)
def _ie_id(codigo_modular: str, anexo: int) -> str:
    """A school's id as text (``domainmodel.ie_id``, a uuid5: remembered, as a school's docentes come together)."""
    return str(dm.ie_id(codigo_modular, anexo))


_PERSONAS = {docente.name: dm.Docente, acompanante.name: dm.Acompanante}  # the tables whose rows are persons'
_LOTE_LLAVES = 500  # persons whose keys one query reads (``shared.cifrado.LlaveroSQL``) and ids one IN names


# --- what the handlers read by key, read for a whole batch at once (``OwnLogProjection.lecturas``) ----------

def _de_la_apertura(_: UnidadDeTrabajo, t: Tablas, e: Any) -> tuple[tuple[Table, tuple[Any, ...]], ...]:
    """The opening of the assignments an event of class_version 1 (without its territory) is placed by."""
    return () if e.territorio is not None else ((t.asignaciones_ugel, (str(e.originator_id),)),)


def _convocatoria(u: UnidadDeTrabajo, t: Tablas, e: Any) -> str | None:
    if e.territorio is not None:
        return e.territorio.convocatoria
    fila = u.leer(t.asignaciones_ugel, str(e.originator_id))
    return None if fila is None else fila["convocatoria"]


def _de_cartera(u: UnidadDeTrabajo, t: Tablas, e: Any) -> tuple[tuple[Table, tuple[Any, ...]], ...]:
    convocatoria = _convocatoria(u, t, e)
    return () if convocatoria is None else ((t.cartera, (convocatoria, str(e.acompanante_id))),)


def _de_asignacion(u: UnidadDeTrabajo, t: Tablas, e: Any) -> tuple[tuple[Table, tuple[Any, ...]], ...]:
    convocatoria = _convocatoria(u, t, e)
    return () if convocatoria is None else ((t.asignacion, (convocatoria, str(e.docente_id))),)
