"""evidencias's read models, kept from its own event store (see ``shared.views.OwnLogProjection``).

- ``instrumento`` and ``item``: published instruments; each item with its *canonical* key, the
  key of the first version it descends from through the declared equivalences, so observations
  made with different versions line up on one desempeño.
- ``cartera``: who holds each docente each year (from agenda's plans).
- ``visita``: each realized visit with its whole record (observations and their corrections,
  feedback, commitments taken and verified there, attachments).
- ``valoracion``: one row per observed item with its current level: a docente's observations
  over time. ``compromiso``, ``necesidad``, ``reunion`` (with its actas), ``registro`` (execution
  sessions and self-evaluations).
- ``adjunto``: every attachment whose content the bucket keeps, by its hash; a cancelled docente's leave
  it, and their hashes wait in ``adjunto_por_purgar`` until the periodic purge removes from the bucket
  the content attached nowhere else (``main.purgar_adjuntos``).
- ``origen`` and ``cancelado``: what the projection keeps for itself from the events, to place the
  later ones: whose each aggregate is (from the event that created it), and which docentes had their
  personal data cancelled.

The handlers read nothing but the event they apply and these tables: never an aggregate, the key store
or any other current state, so a rebuild from zero gives the rows the live projection gave, whatever
happened since (a cancellation included).

An attachment's file name and description stay in the rows as the event has them, encrypted with the
key of its visit's docente (or of its GIA/RTC), and are decrypted when read (``visita``, ``reunion``): once
that key is erased they read ``MARCA``. ``DatosPersonalesCancelados`` puts ``MARCA`` in the rows already
built, and in those of a docente's attachments applied after it (docs/datos-personales.md). The free text of
a visit's record, of commitments and of training needs (``services.evidencias.textos``) is kept the same way,
encrypted with the docente's key, and decrypted by the queries that return it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.application import Application
from sqlalchemy import (JSON, Boolean, Column, Connection, Date, Integer, MetaData, String, Table, bindparam, delete,
                        select, update)

from services.evidencias import domainmodel as dm
from services.evidencias import textos
from services.evidencias.adjuntos import objeto_de
from shared.cifrado import MARCA, Cifrador
from shared.settings import ServiceSettings
from shared.views import OwnLogProjection

metadata = MetaData()
Id = String(36)
instrumento = Table(
    "instrumento", metadata,
    Column("clave", String(60), primary_key=True),
    Column("codigo", String(40), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("contenido", JSON, nullable=False),
)
item = Table(
    "item", metadata,
    Column("instrumento", String(60), primary_key=True),
    Column("item", String(30), primary_key=True),
    Column("canonico", String(30), nullable=False),
    Column("competencia", String(2)),
)
cartera = Table(
    "cartera", metadata,
    Column("docente_id", Id, primary_key=True),
    Column("anio", Integer, primary_key=True),
    Column("acompanante_id", Id, nullable=False, index=True),
    Column("activo", Boolean, nullable=False),
    Column("etapa", Integer, nullable=False),
    Column("codigo_modular", String(7), nullable=False),
    Column("anexo", Integer, nullable=False),
    Column("dre", String(32), nullable=False),
    Column("ugel", String(32), nullable=False),
)
interno = Table(  # who observes each docente in his school's own plan (internal modality), each year
    "interno", metadata,
    Column("docente_id", Id, primary_key=True),
    Column("anio", Integer, primary_key=True),
    Column("directivo_id", Id, nullable=False, index=True),
    Column("codigo_modular", String(7), nullable=False),
    Column("anexo", Integer, nullable=False),
    Column("dre", String(32), nullable=False),
    Column("ugel", String(32), nullable=False),
)
visita = Table(
    "visita", metadata,
    Column("visita_id", Id, primary_key=True),
    Column("docente_id", Id, nullable=False, index=True),
    Column("acompanante_id", Id, nullable=False),
    Column("anio", Integer, nullable=False),
    Column("fecha_inicio", Date, nullable=False),
    Column("registro", JSON, nullable=False),
)
valoracion = Table(
    "valoracion", metadata,
    Column("visita_id", Id, primary_key=True),
    Column("observacion_id", Id, primary_key=True),
    Column("item", String(30), primary_key=True),
    Column("docente_id", Id, nullable=False, index=True),
    Column("fecha", Date, nullable=False),
    Column("anio", Integer, nullable=False),
    Column("etapa", Integer),
    Column("instrumento", String(60), nullable=False),
    Column("canonico", String(30), nullable=False),
    Column("competencia", String(2)),
    Column("nivel", String(3), nullable=False),
    Column("evidencia", String, nullable=False),
    Column("correcciones", Integer, nullable=False),
)
compromiso = Table(
    "compromiso", metadata,
    Column("compromiso_id", Id, primary_key=True),
    Column("docente_id", Id, nullable=False, index=True),
    Column("acompanante_id", Id, nullable=False, index=True),  # who holds the docente now
    Column("codigo_modular", String(7), nullable=False),
    Column("anexo", Integer, nullable=False),
    Column("ugel", String(32), nullable=False, index=True),
    Column("dre", String(32), nullable=False),
    Column("fecha_limite", Date, nullable=False),
    Column("estado", String(12), nullable=False),  # abierto, verificado
    Column("vencido_el", Date),
    Column("datos", JSON, nullable=False),
)
necesidad = Table(
    "necesidad", metadata,
    Column("docente_id", Id, primary_key=True),
    Column("necesidad_id", Id, primary_key=True),
    Column("anio", Integer, nullable=False),
    Column("datos", JSON, nullable=False),
)
reunion = Table(
    "reunion", metadata,
    Column("actividad_id", Id, primary_key=True),
    Column("tipo", String(3), nullable=False),
    Column("acompanante_id", Id, nullable=False, index=True),
    Column("fecha", Date, nullable=False),
    Column("registro", JSON, nullable=False),
)
adjunto = Table(
    "adjunto", metadata,
    Column("propietario_tipo", String(7), primary_key=True),  # visita, reunion
    Column("propietario_id", Id, primary_key=True),
    Column("sha256", String(64), primary_key=True, index=True),
    Column("docente_id", Id, index=True),  # a visit's docente; None for a GIA or RTC
)
adjunto_por_purgar = Table(  # contents of a cancelled docente's attachments (Ley 29733), until purged
    "adjunto_por_purgar", metadata,
    Column("sha256", String(64), primary_key=True),
)
origen = Table(  # whose each aggregate is, from the event that created it
    "origen", metadata,
    Column("agregado_id", Id, primary_key=True),  # its id in the event store (an event's originator_id)
    Column("tipo", String(10), nullable=False),  # docente, visita, reunion, compromiso
    Column("clave", Id, nullable=False),  # the docente's, visit's, GIA/RTC's or commitment's own id
    Column("docente_id", Id),  # the docente of a visit or a commitment
)
cancelado = Table(  # docentes whose personal data were cancelled (DatosPersonalesCancelados)
    "cancelado", metadata,
    Column("docente_id", Id, primary_key=True),
)
registro = Table(  # execution-stage sessions and self-evaluations
    "registro", metadata,
    Column("tipo", String(16), primary_key=True),
    Column("registro_id", Id, primary_key=True),
    Column("acompanante_id", Id, nullable=False, index=True),
    Column("fecha", Date, nullable=False),
    Column("datos", JSON, nullable=False),
)

V, R, D, C = dm.Visita, dm.Reunion, dm.DocenteAcompanado, dm.Compromiso
# Statements written once with parameters: building them with each event's values (big JSON
# records) cost more than the writes themselves.
REGISTROS = {tabla.name: (select(tabla.c.registro).where(clave == bindparam("id")),
                          update(tabla).where(clave == bindparam("id")).values(registro=bindparam("registro")))
             for tabla, clave in ((visita, visita.c.visita_id), (reunion, reunion.c.actividad_id))}
ORIGEN = (select(origen.c.tipo, origen.c.clave, origen.c.docente_id)
          .where(origen.c.agregado_id == bindparam("id")))
VISITA = (select(visita.c.visita_id, visita.c.docente_id, visita.c.anio, visita.c.fecha_inicio)
          .join(origen, origen.c.clave == visita.c.visita_id)
          .where(origen.c.agregado_id == bindparam("id"), origen.c.tipo == "visita"))
CANCELADO = select(cancelado.c.docente_id).where(cancelado.c.docente_id == bindparam("id"))


class Proyecciones(OwnLogProjection):
    nombre = "evidencias"
    tablas = (instrumento, item, cartera, interno, visita, valoracion, compromiso, necesidad, reunion, registro, adjunto,
              adjunto_por_purgar, origen, cancelado)

    def __init__(self, settings: ServiceSettings, app: Application, cifrador: Cifrador, lote: int = 2000) -> None:
        """``app``'s notification log is what it projects; ``cifrador`` only decrypts what a query returns."""
        super().__init__(settings, app, metadata, lote)
        self.cifrador = cifrador
        self.handlers.update({
            dm.Instrumento.Publicado: self._instrumento, D.Registrado: self._docente_registrado,
            D.PlanConocido: self._plan, D.AcompananteCambiado: self._cambio, D.PlanCerrado: self._cierre,
            D.NecesidadFormativaRegistrada: self._necesidad, D.DatosPersonalesCancelados: self._cancelados,
            V.Conocida: self._visita, V.ObservacionRegistrada: self._observacion,
            V.ObservacionCorregida: self._observacion, V.RetroalimentacionBrindada: self._retro,
            dm.ConAdjuntos.EvidenciaAdjuntada: self._adjunto,
            C.Asumido: self._compromiso, C.Verificado: self._verificado, C.Vencido: self._vencido,
            R.Conocida: self._reunion, R.ActaRegistrada: self._acta, R.ActaCorregida: self._acta,
            dm.SesionEjecucion.Registrada: self._registro, dm.Autoevaluacion.Registrada: self._registro,
        })
        with self.store.engine.connect() as conn:
            sin_origen = conn.execute(select(origen.c.agregado_id).limit(1)).first() is None
        if sin_origen and self.posicion():
            self.reconstruir()  # read models built before ``origen`` existed: built again from the events

    # --- handlers ---------------------------------------------------------------------------

    def _instrumento(self, conn: Connection, e: Any, _: int) -> None:
        i = e.instrumento
        clave = f"{i['codigo']}@{i['version']}"
        conn.execute(instrumento.insert().values(clave=clave, codigo=i["codigo"], version=i["version"], contenido=i))
        for it in i["items"]:
            canonico = it["clave"]
            if it.get("equivale_a"):
                previo = f"{i['codigo']}@{i['reemplaza']}"
                canonico = conn.execute(select(item.c.canonico).where(
                    item.c.instrumento == previo, item.c.item == it["equivale_a"])).scalar_one()
            conn.execute(item.insert().values(instrumento=clave, item=it["clave"], canonico=canonico,
                                              competencia=it.get("competencia")))

    def _plan(self, conn: Connection, e: Any, _: int) -> None:
        p = e.plan
        if p.get("modalidad") == "interna":
            conn.execute(interno.insert().values(
                docente_id=p["docente_id"], anio=p["anio"], directivo_id=p["acompanante_id"],
                codigo_modular=p["codigo_modular"], anexo=p["anexo"], dre=p["dre"], ugel=p["ugel"]))
            return
        conn.execute(cartera.insert().values(
            docente_id=p["docente_id"], anio=p["anio"], acompanante_id=p["acompanante_id"], activo=True,
            etapa=p["etapa"], codigo_modular=p["codigo_modular"], anexo=p["anexo"], dre=p["dre"], ugel=p["ugel"]))
        self._seguir_al_docente(conn, p["docente_id"])

    def _origen(self, conn: Connection, e: Any, tipo: str, clave: str, docente: str | None = None) -> None:
        conn.execute(origen.insert().values(agregado_id=str(e.originator_id), tipo=tipo, clave=clave,
                                            docente_id=docente))

    def _de(self, conn: Connection, e: Any) -> Any:
        """Whose the event's aggregate is: its ``origen`` row (tipo, clave, docente_id)."""
        return conn.execute(ORIGEN, {"id": str(e.originator_id)}).one()

    def _docente_registrado(self, conn: Connection, e: Any, _: int) -> None:
        self._origen(conn, e, "docente", e.docente_id, e.docente_id)

    def _docente(self, conn: Connection, e: Any) -> str:
        return self._de(conn, e).clave

    def _cambio(self, conn: Connection, e: Any, _: int) -> None:
        docente = self._docente(conn, e)
        conn.execute(update(cartera).where(cartera.c.docente_id == docente, cartera.c.anio == e.anio)
                     .values(acompanante_id=e.a_acompanante_id))
        self._seguir_al_docente(conn, docente)

    def _seguir_al_docente(self, conn: Connection, docente: str) -> None:
        """Open commitments go with the docente to whoever holds him in his latest plan
        (they carry across reassignments and etapas)."""
        conn.execute(update(compromiso).where(compromiso.c.docente_id == docente, compromiso.c.estado == "abierto")
                     .values(acompanante_id=self._actual(conn, docente)))

    def _actual(self, conn: Connection, docente: str) -> str | None:
        return conn.execute(select(cartera.c.acompanante_id).where(cartera.c.docente_id == docente)
                            .order_by(cartera.c.anio.desc()).limit(1)).scalar()

    def _cierre(self, conn: Connection, e: Any, _: int) -> None:
        conn.execute(update(cartera).where(cartera.c.docente_id == self._docente(conn, e),
                                           cartera.c.anio == e.anio).values(activo=False))

    def _necesidad(self, conn: Connection, e: Any, _: int) -> None:
        n = e.necesidad
        conn.execute(necesidad.insert().values(necesidad_id=e.necesidad_id, docente_id=self._docente(conn, e),
                                               anio=n["anio"], datos={**n, "registrada_en": _cuando(e)}))

    def _visita(self, conn: Connection, e: Any, _: int) -> None:
        v = e.visita
        self._origen(conn, e, "visita", v["visita_id"], v["docente_id"])
        conn.execute(visita.insert().values(
            visita_id=v["visita_id"], docente_id=v["docente_id"], acompanante_id=v["acompanante_id"], anio=v["anio"],
            fecha_inicio=date.fromisoformat(v["fecha_inicio"]),
            registro={"visita": v, "observaciones": {}, "retroalimentacion": None, "compromisos_asumidos": [],
                      "compromisos_verificados": [], "adjuntos": []}))

    def _guardar(self, conn: Connection, tabla: str, clave: str, cambio: Any) -> None:
        """Change the JSON record of a visit or a GIA/RTC."""
        leer, guardar = REGISTROS[tabla]
        r = dict(conn.execute(leer, {"id": clave}).scalar_one())
        cambio(r)
        conn.execute(guardar, {"id": clave, "registro": r})

    def _visita_de(self, conn: Connection, e: Any) -> Any:
        """The visit of the event's aggregate: visita_id, docente_id, anio, fecha_inicio."""
        return conn.execute(VISITA, {"id": str(e.originator_id)}).one()

    def _observacion(self, conn: Connection, e: Any, _: int) -> None:
        v = self._visita_de(conn, e)
        o = e.observacion
        correccion = getattr(e, "correccion", 0)
        entrada = {**o, "correccion": correccion, "registrada_en": _cuando(e)}
        if correccion:
            entrada.update(motivo=e.motivo, autor_id=e.autor_id, autor_rol=e.autor_rol)

        def cambio(r: dict[str, Any]) -> None:
            r["observaciones"].setdefault(e.observacion_id, []).append(entrada)
        self._guardar(conn, "visita", v.visita_id, cambio)
        clave = f"{o['instrumento']}@{o['version']}"
        canonicos = dict(conn.execute(select(item.c.item, item.c.canonico).where(item.c.instrumento == clave)).all())
        etapa = conn.execute(select(cartera.c.etapa).where(cartera.c.docente_id == v.docente_id,
                                                           cartera.c.anio == v.anio)).scalar()
        if correccion:
            conn.execute(valoracion.delete().where(valoracion.c.visita_id == v.visita_id,
                                                   valoracion.c.observacion_id == e.observacion_id))
        conn.execute(valoracion.insert(), [dict(
            observacion_id=e.observacion_id, item=clave_item, visita_id=v.visita_id, docente_id=v.docente_id,
            fecha=v.fecha_inicio, anio=v.anio, etapa=etapa, instrumento=clave,
            canonico=canonicos[clave_item], competencia=n.get("competencia"), nivel=n["nivel"],
            evidencia=n["evidencia"], correcciones=correccion) for clave_item, n in o["niveles"].items()])

    def _retro(self, conn: Connection, e: Any, _: int) -> None:
        self._guardar(conn, "visita", self._de(conn, e).clave,
                      lambda r: r.update(retroalimentacion=e.retroalimentacion))

    def _adjunto(self, conn: Connection, e: Any, _: int) -> None:
        """The attachment as the event has it (file name and description encrypted)."""
        de = self._de(conn, e)
        a = {**e.adjunto, "registrado_en": _cuando(e)}
        cancelado_ya = de.docente_id is not None and self._cancelado(conn, de.docente_id)
        if cancelado_ya:  # attached while his cancellation was being recorded
            a = _suprimido(a)
        self._guardar(conn, de.tipo, de.clave, lambda r: r["adjuntos"].append(a))
        if cancelado_ya:
            self._por_purgar(conn, _objetos(de.docente_id, [a["sha256"]]))
        else:
            conn.execute(adjunto.insert().values(propietario_tipo=de.tipo, propietario_id=de.clave,
                                                 sha256=a["sha256"], docente_id=de.docente_id))

    def _cancelado(self, conn: Connection, docente: str) -> bool:
        return conn.execute(CANCELADO, {"id": docente}).first() is not None

    def _por_purgar(self, conn: Connection, hashes: list[str]) -> None:
        if hashes:
            conn.execute(self.store.insert(adjunto_por_purgar).on_conflict_do_nothing(),
                         [{"sha256": h} for h in hashes])

    def _cancelados(self, conn: Connection, e: Any, _: int) -> None:
        """His evidence references already projected become ``MARCA`` (his key is erased next), and the
        content of his attachments is left for the purge (once: this runs once per cancellation)."""
        def suprimir(r: dict[str, Any]) -> None:
            r["adjuntos"] = [_suprimido(a) for a in r["adjuntos"]]
        docente = self._docente(conn, e)
        conn.execute(self.store.insert(cancelado).on_conflict_do_nothing(), {"docente_id": docente})
        for visita_id in conn.execute(select(visita.c.visita_id).where(visita.c.docente_id == docente)).scalars():
            self._guardar(conn, "visita", visita_id, suprimir)
        self._por_purgar(conn, _objetos(docente, conn.execute(select(adjunto.c.sha256).distinct()
                                                              .where(adjunto.c.docente_id == docente)).scalars()))
        conn.execute(delete(adjunto).where(adjunto.c.docente_id == docente))

    def _compromiso(self, conn: Connection, e: Any, _: int) -> None:
        c = e.compromiso
        self._origen(conn, e, "compromiso", c["compromiso_id"], c["docente_id"])
        actual = self._actual(conn, c["docente_id"])
        conn.execute(compromiso.insert(), dict(
            compromiso_id=c["compromiso_id"], docente_id=c["docente_id"], acompanante_id=actual or c["acompanante_id"],
            codigo_modular=c["codigo_modular"], anexo=c["anexo"], ugel=c["ugel"], dre=c["dre"],
            fecha_limite=date.fromisoformat(c["fecha_limite"]), estado="abierto", vencido_el=None, datos=c))
        self._guardar(conn, "visita", c["visita_id"], lambda r: r["compromisos_asumidos"].append(c["compromiso_id"]))

    def _verificado(self, conn: Connection, e: Any, _: int) -> None:
        compromiso_id = self._de(conn, e).clave
        datos = {**self._datos(conn, compromiso_id), "verificado": e.verificacion}
        conn.execute(update(compromiso).where(compromiso.c.compromiso_id == compromiso_id)
                     .values(estado="verificado", datos=datos))
        self._guardar(conn, "visita", e.verificacion["visita_id"],
                      lambda r: r["compromisos_verificados"].append(compromiso_id))

    def _vencido(self, conn: Connection, e: Any, _: int) -> None:
        conn.execute(update(compromiso).where(compromiso.c.compromiso_id == self._de(conn, e).clave)
                     .values(vencido_el=date.fromisoformat(e.vencido_el)))

    def _datos(self, conn: Connection, compromiso_id: str) -> dict[str, Any]:
        return dict(conn.execute(select(compromiso.c.datos).where(compromiso.c.compromiso_id == compromiso_id)).scalar_one())

    def _reunion(self, conn: Connection, e: Any, _: int) -> None:
        r = e.reunion
        self._origen(conn, e, "reunion", r["actividad_id"])
        conn.execute(reunion.insert().values(
            actividad_id=r["actividad_id"], tipo=r["tipo"], acompanante_id=r["acompanante_id"],
            fecha=date.fromisoformat(r["fecha"]), registro={"reunion": r, "actas": [], "adjuntos": []}))

    def _acta(self, conn: Connection, e: Any, _: int) -> None:
        acta = {**e.acta, "correccion": getattr(e, "correccion", 0), "motivo": getattr(e, "motivo", ""),
                "registrada_en": _cuando(e)}
        self._guardar(conn, "reunion", self._de(conn, e).clave, lambda r: r["actas"].append(acta))

    def _registro(self, conn: Connection, e: Any, _: int) -> None:
        datos = getattr(e, "sesion", None) or e.autoevaluacion
        tipo = "sesion" if isinstance(e, dm.SesionEjecucion.Registrada) else "autoevaluacion"
        conn.execute(registro.insert().values(
            registro_id=datos["sesion_id" if tipo == "sesion" else "autoevaluacion_id"], tipo=tipo,
            acompanante_id=datos["acompanante_id"], fecha=date.fromisoformat(datos["fecha"]), datos=datos))

    # --- queries ----------------------------------------------------------------------------

    def instrumentos(self, codigo: str | None = None) -> list[dict[str, Any]]:
        consulta = select(instrumento.c.contenido).order_by(instrumento.c.codigo, instrumento.c.version)
        if codigo:
            consulta = consulta.where(instrumento.c.codigo == codigo)
        return [f.contenido for f in self.filas(consulta)]

    def territorio(self, acompanante_id: str, anio: int, ie: tuple[str, int] | None = None) -> tuple[str, str] | None:
        """The DRE and UGEL where the acompañante holds docentes in ``anio`` (at that IE, if given)."""
        consulta = select(cartera.c.dre, cartera.c.ugel).where(
            cartera.c.acompanante_id == acompanante_id, cartera.c.anio == anio, cartera.c.activo.is_(True))
        if ie:
            consulta = consulta.where(cartera.c.codigo_modular == ie[0], cartera.c.anexo == ie[1])
        filas = self.filas(consulta.limit(1))
        return (filas[0].dre, filas[0].ugel) if filas else None

    def visita(self, visita_id: str) -> dict[str, Any] | None:
        filas = self.filas(select(visita.c.docente_id, visita.c.registro)
                           .where(visita.c.visita_id == visita_id))
        if not filas:
            return None
        sujeto = dm.sujeto_docente(filas[0].docente_id)
        registro = self._legible(filas[0].registro, sujeto)
        claro = textos.descifrar(self.cifrador, sujeto)
        return {**registro,
                "observaciones": {k: [textos.observacion(claro, o) for o in lista]
                                  for k, lista in registro["observaciones"].items()},
                "retroalimentacion": registro["retroalimentacion"] and textos.retroalimentacion(
                    claro, registro["retroalimentacion"])}

    def visitas_de(self, docente_id: str, acompanante_id: str) -> set[str]:
        """The visits to the docente that ``acompanante_id`` made."""
        return {f.visita_id for f in self.filas(select(visita.c.visita_id).where(
            visita.c.docente_id == docente_id, visita.c.acompanante_id == acompanante_id))}

    def reunion(self, actividad_id: str) -> dict[str, Any] | None:
        filas = self.filas(select(reunion.c.registro).where(reunion.c.actividad_id == actividad_id))
        return self._legible(filas[0].registro, dm.sujeto_reunion(actividad_id)) if filas else None

    def _legible(self, registro: dict[str, Any], sujeto: str) -> dict[str, Any]:
        """The record with its attachments' file names and descriptions decrypted (``MARCA`` once the key of
        ``sujeto`` is erased; a value stored before encryption existed reads as it is)."""
        if not registro["adjuntos"]:
            return registro
        return {**registro, "adjuntos": [self.cifrador.descifrar_campos(sujeto, a, dm.ConAdjuntos.personales)
                                         for a in registro["adjuntos"]]}

    def compromisos_de_visita(self, ids: list[str], hoy: date) -> list[dict[str, Any]]:
        if not ids:
            return []
        filas = {f.compromiso_id: f for f in self.filas(select(compromiso).where(compromiso.c.compromiso_id.in_(ids)))}
        return [self._compromiso_legible(filas[i], hoy) for i in ids]  # in the order they were taken or verified

    def _compromiso_legible(self, fila: Any, hoy: date) -> dict[str, Any]:
        return _compromiso(fila, hoy, textos.descifrar(self.cifrador, dm.sujeto_docente(fila.docente_id)))

    def valoraciones(self, docente_id: str, canonico: str | None = None) -> list[dict[str, Any]]:
        consulta = select(valoracion).where(valoracion.c.docente_id == docente_id).order_by(
            valoracion.c.canonico, valoracion.c.fecha, valoracion.c.observacion_id)
        if canonico:
            consulta = consulta.where(valoracion.c.canonico == canonico)
        claro = textos.descifrar(self.cifrador, dm.sujeto_docente(docente_id))
        return [claro(dict(f._mapping), textos.NIVEL) for f in self.filas(consulta)]

    def compromisos(self, *, hoy: date, docente_id: str | None = None, acompanante_id: str | None = None,
                    ie: tuple[str, int] | None = None, ugel: str | None = None, dre: str | None = None,
                    estado: str | None = None) -> list[dict[str, Any]]:
        """Commitments; ``estado`` ``abiertos`` (not verified, due date not passed), ``vencidos``
        (not verified, due date passed as of ``hoy``), ``pendientes`` (both) or ``verificados``."""
        c = compromiso.c
        consulta = select(compromiso).order_by(c.fecha_limite, c.compromiso_id)
        for columna, valor in ((c.docente_id, docente_id), (c.acompanante_id, acompanante_id), (c.ugel, ugel),
                               (c.dre, dre)):
            if valor:
                consulta = consulta.where(columna == valor)
        if ie:
            consulta = consulta.where(c.codigo_modular == ie[0], c.anexo == ie[1])
        if estado == "verificados":
            consulta = consulta.where(c.estado == "verificado")
        elif estado in ("abiertos", "vencidos", "pendientes"):
            consulta = consulta.where(c.estado == "abierto")
            if estado == "abiertos":
                consulta = consulta.where(c.fecha_limite >= hoy)
            elif estado == "vencidos":
                consulta = consulta.where(c.fecha_limite < hoy)
        return [self._compromiso_legible(f, hoy) for f in self.filas(consulta)]

    def por_vencer(self, hoy: date) -> list[str]:
        """Commitments whose due date passed unverified and that are not yet recorded as overdue."""
        c = compromiso.c
        return [f.compromiso_id for f in self.filas(select(c.compromiso_id).where(
            c.estado == "abierto", c.fecha_limite < hoy, c.vencido_el.is_(None)))]

    def necesidades(self, docente_id: str) -> list[dict[str, Any]]:
        claro = textos.descifrar(self.cifrador, dm.sujeto_docente(docente_id))
        return [textos.necesidad(claro, f.datos) for f in self.filas(
            select(necesidad.c.datos).where(necesidad.c.docente_id == docente_id)
            .order_by(necesidad.c.anio, necesidad.c.necesidad_id))]

    def registros(self, tipo: str, acompanante_id: str) -> list[dict[str, Any]]:
        return [f.datos for f in self.filas(select(registro.c.datos).where(
            registro.c.tipo == tipo, registro.c.acompanante_id == acompanante_id).order_by(registro.c.fecha))]

    def adjuntos_por_purgar(self) -> list[tuple[str, bool]]:
        """The contents of cancelled docentes' attachments not purged yet, each with whether it may leave the
        bucket: not when the same content is attached elsewhere (another docente's visit, a GIA or RTC)."""
        en_uso = select(adjunto.c.sha256).where(adjunto.c.sha256 == adjunto_por_purgar.c.sha256).exists()
        return [(f.sha256, not f.en_uso) for f in self.filas(select(adjunto_por_purgar.c.sha256,
                                                                    en_uso.label("en_uso")))]

    def purgado(self, sha256: str) -> None:
        """The content left the bucket, or is kept because it is attached elsewhere: nothing more to do."""
        with self.store.engine.begin() as conn:
            conn.execute(delete(adjunto_por_purgar).where(adjunto_por_purgar.c.sha256 == sha256))


def _suprimido(a: dict[str, Any]) -> dict[str, Any]:
    """An attachment of a cancelled docente: ``MARCA`` for its file name and description (what decrypting
    them gives once his key is erased, whether it was a name or an empty text)."""
    return {**a, **{k: MARCA for k in dm.ConAdjuntos.personales if a.get(k) is not None}}


def _objetos(docente: str, hashes: Any) -> list[str]:
    """What leaves the bucket for a docente's contents: each encrypted object of his (``objeto_de``) and, for
    contents stored before encryption existed, the bare hash (kept if attached elsewhere)."""
    return [n for h in hashes for n in (h, objeto_de(h, dm.sujeto_docente(docente)))]


def _compromiso(fila: Any, hoy: date, claro: textos.Campos) -> dict[str, Any]:
    d = textos.compromiso(claro, fila.datos)
    if fila.estado == "verificado":
        estado = "verificado"
    elif fila.vencido_el is not None or fila.fecha_limite < hoy:
        estado = "vencido"
    else:
        estado = "abierto"
    return {**d, "estado": estado, "acompanante_actual_id": fila.acompanante_id,
            "vencido_el": fila.vencido_el.isoformat() if fila.vencido_el else None}


def _cuando(e: Any) -> str:
    return e.timestamp.isoformat()
