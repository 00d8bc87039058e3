"""Ley 29733: the free text written about a docente and his photos are unreadable once he cancels his data.

focalizacion, agenda, evidencias and evaluacion run as services on a real nats-server, on SQLite and on
PostgreSQL. A coach records a visit with a sentence in its ``observaciones`` (agenda), an observation,
feedback, a commitment and a training need, each with a sentence of its own (evidencias), and a photo of
the docente's class. His authorised readers see all of it through the APIs; then an administrator cancels
his personal data. After that, no byte of any service's SQLite files or PostgreSQL schemas (event stores,
read models, key stores), of nats-server's storage (the stream and the object store), nor of any message
of the stream, holds a sentence or the photo; the APIs show the mark; evaluacion counted the observation
(from the v2 contract, which carries no free text).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg
from psycopg import sql

from services.agenda.config import AgendaSettings
from services.agenda.main import create_app as agenda_app
from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.main import create_app as evaluacion_app
from services.evidencias import domainmodel as dm
from services.evidencias.config import EvidenciasSettings
from services.evidencias.main import create_app as evidencias_app
from services.focalizacion.config import FocalizacionSettings
from services.focalizacion.main import create_app as focalizacion_app
from shared.cifrado import MARCA
from shared.settings import ServiceSettings
from tests.conftest import eventually, serving
from tests.integration.test_supresion_datos import ADMIN, PEPPER, TITULAR, padron
from tests.support.padron import focalizar
from tests.support.stream import stream_messages

# What the coach wrote of her: each sentence is unique in the world, so finding it anywhere is a leak.
FRASES = {
    "observaciones": "Eustaquia llora cuando el director la reprende delante de sus alumnos",
    "evidencia": "Eustaquia lee en voz baja y los niños del fondo no la escuchan nunca",
    "fortaleza": "Eustaquia conoce por su nombre a cada familia de la comunidad de Chucuito",
    "critico": "Eustaquia pierde la calma con los estudiantes que llegan tarde del campo",
    "dialogo": "Conversamos sobre su duelo reciente y cómo le afecta preparar las sesiones",
    "compromiso": "Eustaquia preparará preguntas abiertas para cada sesión de comprensión lectora",
    "verificacion": "Revisaré su cuaderno de planificación con las preguntas de la semana",
    "necesidad": "Eustaquia necesita formación en manejo de emociones en el aula multigrado",
}
# Her photo: a PNG whose pixel data is a marker found nowhere else.
FOTO = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
        + b"FOTO-DE-EUSTAQUIA-EN-SU-AULA-" * 8 + b"\x00\x00\x00\x00IEND\xaeB`\x82")
MARCADOR_FOTO = b"FOTO-DE-EUSTAQUIA-EN-SU-AULA-" * 2


def suyos() -> list[bytes]:
    """Her sentences as they may be written (UTF-8 text, or escaped in JSON) and her photo."""
    formas = {f.encode() for f in FRASES.values()}
    formas |= {f.encode("unicode_escape") for f in FRASES.values()}
    return [*formas, MARCADOR_FOTO]


def sin_lo_escrito(contenido: bytes, donde: str) -> None:
    for dato in suyos():
        assert dato not in contenido, f"{dato[:40]!r} legible en {donde}"


def bytes_en_disco(raiz: Path) -> list[tuple[str, bytes]]:
    """Every file under ``raiz``: the services' SQLite files, nats-server's stream and object store."""
    return [(str(f), f.read_bytes()) for f in raiz.rglob("*") if f.is_file()]


def filas_en_postgres(ajustes: list[ServiceSettings]) -> list[tuple[str, bytes]]:
    """Every row of every table of the services' PostgreSQL schemas (stores, read models, key stores)."""
    prefijos = tuple(a.postgres_schema for a in ajustes)
    a = ajustes[0]
    filas = []
    with psycopg.connect(host=a.postgres_host, port=a.postgres_port, user=a.postgres_user,
                         dbname=a.postgres_dbname) as conn:
        tablas = [(e, t) for e, t in conn.execute("SELECT table_schema, table_name FROM information_schema.tables")
                  if e.startswith(prefijos)]
        assert tablas
        for esquema, tabla in tablas:
            for fila in conn.execute(sql.SQL("SELECT * FROM {}.{}").format(sql.Identifier(esquema),
                                                                          sql.Identifier(tabla))):
                filas.append((f"{esquema}.{tabla}", b"|".join(
                    bytes(v) if isinstance(v, (bytes, memoryview)) else str(v).encode() for v in fila)))
    return filas


async def test_lo_escrito_del_docente_y_su_foto_ilegibles_tras_la_cancelacion(make_settings, nats_server, js,
                                                                             tmp_path, store_kind):
    ajustes = {"focalizacion": make_settings(FocalizacionSettings, pepper=PEPPER),
               "agenda": make_settings(AgendaSettings),
               "evidencias": make_settings(EvidenciasSettings, purga_adjuntos_cada=0.2),
               "evaluacion": make_settings(EvaluacionSettings)}
    apps = {"focalizacion": focalizacion_app(ajustes["focalizacion"]), "agenda": agenda_app(ajustes["agenda"]),
            "evidencias": evidencias_app(ajustes["evidencias"]), "evaluacion": evaluacion_app(ajustes["evaluacion"])}
    agenda_app_ = apps["agenda"].state.agenda
    evidencias = apps["evidencias"].state.evidencias
    async with (serving(apps["focalizacion"]) as foco, serving(apps["agenda"]) as agenda,
                serving(apps["evidencias"]) as evid, serving(apps["evaluacion"])):
        # Given the padrón imported, targeted and assigned, and her coach
        await focalizar(foco, padron())
        titular = str(apps["focalizacion"].state.runtime.app.docente_id(TITULAR["DNI"]))
        acompanante = (await foco.get(f"/v1/docentes/{titular}/asignacion")).json()["asignaciones"][0]["acompanante_id"]
        coach = {"X-Usuario": acompanante, "X-Rol": "acompanante"}

        # When her coach records two visits (the second verifies the commitment), with what he wrote of her
        visitas = [str(uuid.uuid4()), str(uuid.uuid4())]
        for visita_id, dia, dias in zip(visitas, (10, 24), (2, 1), strict=True):
            async def realizada(visita_id: str = visita_id, dia: int = dia, dias: int = dias) -> bool:
                r = await agenda.post("/v1/visitas-realizadas", json={
                    "visita_id": visita_id, "docente_id": titular, "acompanante_id": acompanante,
                    "fecha_inicio": f"2020-06-{dia}", "fecha_fin": f"2020-06-{dia + dias - 1}",
                    "acciones": ["observacion", "asesoria"], "observaciones": FRASES["observaciones"]})
                assert r.status_code in (200, 201), r.text
                return True
            await eventually(realizada)
        visita = visitas[0]
        # (a visit sent again from an offline device is the same record: its encrypted text compares equal)
        r = await agenda.post("/v1/visitas-realizadas", json={
            "visita_id": visita, "docente_id": titular, "acompanante_id": acompanante, "fecha_inicio": "2020-06-10",
            "fecha_fin": "2020-06-11", "acciones": ["observacion", "asesoria"], "observaciones": FRASES["observaciones"]})
        assert r.status_code == 200, r.text
        observacion = {"observacion_id": str(uuid.uuid4()), "acompanante_id": acompanante,
                       "niveles": {"D1": {"nivel": "II", "evidencia": FRASES["evidencia"]}},
                       "fortalezas": [FRASES["fortaleza"]], "aspectos_criticos": [FRASES["critico"]]}

        async def observada() -> bool:
            r = await evid.post(f"/v1/visitas/{visita}/observaciones", json=observacion)
            assert r.status_code == 201, r.text
            return True
        await eventually(observada)
        # (sent again from an offline device: the same record, nothing new)
        r = await evid.post(f"/v1/visitas/{visita}/observaciones", json=observacion)
        assert r.status_code == 200, r.text
        r = await evid.post(f"/v1/visitas/{visita}/retroalimentacion", json={
            "acompanante_id": acompanante, "dialogo_reflexivo": FRASES["dialogo"], "aspectos_priorizados": ["D1"],
            "modelamiento": [{"tipo": "ejemplo", "descripcion": FRASES["dialogo"]}]})
        assert r.status_code == 201, r.text
        compromiso = {"compromiso_id": str(uuid.uuid4()), "acompanante_id": acompanante, "item": "D1",
                      "descripcion": FRASES["compromiso"], "fecha_limite": "2020-07-30",
                      "verificacion": FRASES["verificacion"]}
        r = await evid.post(f"/v1/visitas/{visita}/compromisos", json=compromiso)
        assert r.status_code == 201, r.text
        assert (await evid.post(f"/v1/visitas/{visita}/compromisos", json=compromiso)).status_code == 200

        await eventually(lambda: evidencias.existe(dm.visita_id(visitas[1])))
        r = await evid.post(f"/v1/compromisos/{compromiso['compromiso_id']}/verificacion", json={
            "visita_id": visitas[1], "acompanante_id": acompanante, "resultado": "parcialmente",
            "evidencia": FRASES["verificacion"] + " y la mitad estaban"})
        assert r.status_code == 201, r.text
        r = await evid.post(f"/v1/docentes/{titular}/necesidades", json={
            "necesidad_id": str(uuid.uuid4()), "acompanante_id": acompanante, "descripcion": FRASES["necesidad"],
            "competencia": "C3", "visita_id": visita})
        assert r.status_code == 201, r.text
        r = await evid.post(f"/v1/visitas/{visita}/adjuntos", data={"acompanante_id": acompanante},
                            files={"archivo": ("clase.png", FOTO, "image/png")})
        assert r.status_code == 201, r.text
        sha256 = r.json()["sha256"]

        # Then her authorised readers see it through the APIs
        actividad = (await agenda.get(f"/v1/actividades/{visita}", headers=coach)).json()
        assert actividad["datos"]["observaciones"] == FRASES["observaciones"], actividad
        registro = (await evid.get(f"/v1/visitas/{visita}", headers=coach)).json()
        [o] = registro["observaciones"][observacion["observacion_id"]]
        assert (o["niveles"]["D1"]["evidencia"], o["fortalezas"], o["aspectos_criticos"]) == (
            FRASES["evidencia"], [FRASES["fortaleza"]], [FRASES["critico"]])
        assert registro["retroalimentacion"]["dialogo_reflexivo"] == FRASES["dialogo"]
        assert registro["retroalimentacion"]["modelamiento"][0]["descripcion"] == FRASES["dialogo"]
        [k] = (await evid.get(f"/v1/docentes/{titular}/compromisos", headers=coach)).json()
        assert (k["descripcion"], k["verificacion"]) == (FRASES["compromiso"], FRASES["verificacion"])
        assert k["verificado"]["evidencia"].startswith(FRASES["verificacion"])
        valoradas = (await evid.get(f"/v1/docentes/{titular}/observaciones", headers=coach)).json()
        assert valoradas["D1"][0]["evidencia"] == FRASES["evidencia"], valoradas
        preparacion = (await evid.get(f"/v1/docentes/{titular}/preparacion", headers=coach)).json()
        assert preparacion["necesidades_formativas"][0]["descripcion"] == FRASES["necesidad"]
        r = await evid.get(f"/v1/visitas/{visita}/adjuntos/{sha256}", headers=coach)
        assert r.status_code == 200 and r.content == FOTO

        # and evaluacion counted the observation (its v2 has no free text)
        async def contada() -> bool:
            return bool(apps["evaluacion"].state.proyecciones.leer("practica", lambda conn, t: conn.execute(
                t.observaciones.select().where(t.observaciones.c.docente_id == titular)).all()))
        await eventually(contada)

        # When an administrator cancels her personal data and every service has heard it
        r = await foco.post(f"/v1/docentes/{titular}/cancelacion-datos", headers=ADMIN,
                            json={"referencia": "EXP-2024-000777", "motivo": "solicitud_titular"})
        assert r.status_code == 201, r.text
        for servicio in (agenda_app_, evidencias):
            await eventually(lambda s=servicio: s.cifrador.llavero.suprimida(f"docente:{titular}") is not None)

        async def todo_publicado_y_purgado() -> bool:
            return (all(rt.relay and rt.relay.stored_position() == rt.app.recorder.max_notification_id()
                        for rt in (apps[s].state.runtime for s in ("focalizacion", "agenda", "evidencias")))
                    and not evidencias.proyecciones.adjuntos_por_purgar())
        await eventually(todo_publicado_y_purgado)

        # Then no message of the stream holds what was written of her or her photo
        mensajes = await stream_messages(js)
        assert any(".ObservacionRegistrada.v2." in m.subject for m in mensajes)
        assert not any(".ObservacionRegistrada.v1." in m.subject for m in mensajes)
        for m in mensajes:
            sin_lo_escrito(m.data + repr(m.headers).encode(), f"el mensaje {m.subject}")
        # and no byte on disk: the services' SQLite files, nats-server's stream and object store
        for donde, contenido in bytes_en_disco(tmp_path):
            sin_lo_escrito(contenido, donde)
        # and no row of the services' PostgreSQL schemas
        if store_kind == "postgres":
            for donde, contenido in filas_en_postgres(list(ajustes.values())):
                sin_lo_escrito(contenido, donde)

        # and the APIs show the mark where the text was; the facts themselves remain
        actividad = (await agenda.get(f"/v1/actividades/{visita}", headers=coach)).json()
        assert actividad["estado"] == "realizada" and actividad["datos"]["observaciones"] == MARCA
        registro = (await evid.get(f"/v1/visitas/{visita}", headers=coach)).json()
        [o] = registro["observaciones"][observacion["observacion_id"]]
        assert (o["niveles"]["D1"], o["fortalezas"], o["aspectos_criticos"]) == (
            {"nivel": "II", "evidencia": MARCA, "competencia": o["niveles"]["D1"]["competencia"]}, [MARCA], [MARCA])
        assert registro["retroalimentacion"]["dialogo_reflexivo"] == MARCA
        [k] = (await evid.get(f"/v1/docentes/{titular}/compromisos", headers=coach)).json()
        assert (k["descripcion"], k["verificacion"], k["verificado"]["evidencia"], k["estado"]) == (
            MARCA, MARCA, MARCA, "verificado")
        preparacion = (await evid.get(f"/v1/docentes/{titular}/preparacion", headers=coach)).json()
        assert preparacion["necesidades_formativas"][0]["descripcion"] == MARCA
        # and nothing new is written of her
        r = await agenda.post("/v1/visitas-realizadas", json={
            "visita_id": str(uuid.uuid4()), "docente_id": titular, "acompanante_id": acompanante,
            "fecha_inicio": "2020-07-06", "fecha_fin": "2020-07-06", "acciones": ["observacion"],
            "observaciones": "Otra frase sobre ella"})
        assert r.status_code == 422 and "Ley 29733" in r.text, r.text
        # while what her coach's offline device sends again was already recorded: 200, not refused
        r = await agenda.post("/v1/visitas-realizadas", json={
            "visita_id": visita, "docente_id": titular, "acompanante_id": acompanante, "fecha_inicio": "2020-06-10",
            "fecha_fin": "2020-06-11", "acciones": ["observacion", "asesoria"], "observaciones": FRASES["observaciones"]})
        assert r.status_code == 200, r.text
        for ruta, cuerpo in ((f"/v1/visitas/{visita}/observaciones", observacion),
                             (f"/v1/visitas/{visita}/compromisos", compromiso)):
            r = await evid.post(ruta, json=cuerpo)
            assert r.status_code == 200, r.text
        # while the published chain still verifies
        for servicio in (agenda, evid):
            verificacion = (await servicio.post("/v1/cadena/verificacion", json={"desde": 1},
                                                headers={"X-Usuario": "auditor-01", "X-Rol": "auditor"})).json()
            assert verificacion["integra"] and verificacion["hechos_revisados"] > 0, verificacion
