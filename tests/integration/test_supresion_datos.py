"""Ley 29733, cancellation of a docente's personal data (crypto-shredding, docs/datos-personales.md).

focalizacion, agenda and evidencias run as services on a real nats-server, on SQLite and on
PostgreSQL. A docente is imported with the padrón, assigned, visited and his visit gets an
attachment whose name and description name him; then an administrator cancels his data. After
that, neither the event stores (raw bytes / raw rows), nor the stream, nor a projection rebuilt
from zero hold anything readable of him, while the other docentes, new commands and the
verification of the chain of published facts work as before.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from uuid import uuid5

import psycopg
from nats.js.errors import ObjectNotFoundError
from psycopg import sql

from services.agenda.config import AgendaSettings
from services.agenda.main import create_app as agenda_app
from services.evidencias.config import EvidenciasSettings
from services.evidencias.main import create_app as evidencias_app
from services.focalizacion import domainmodel as dm
from services.focalizacion.config import FocalizacionSettings
from services.focalizacion.main import create_app as focalizacion_app
from services.evidencias.adjuntos import objeto_de
from shared.cifrado import MARCA
from shared.settings import ServiceSettings
from shared.streams import ADJUNTOS_BUCKET
from tests.conftest import eventually, serving
from tests.support.padron import CSV, Padron, escuela, focalizar
from tests.support.stream import stream_messages
from tests.support.visitas import visita_observada

ADMIN = {"X-Usuario": "admin-01", "X-Rol": "administrador"}
AUDITOR = {"X-Usuario": "auditor-01", "X-Rol": "auditor"}
PEPPER = "pepper-de-la-prueba"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
# The docente who cancels (his data are unique in the world) and one who does not.
TITULAR = {"DNI": "47110001", "APELLIDOS": "Huamanchumo Ccorimanya", "NOMBRES": "Eustaquia Filomena",
           "COD_PLAZA": "PLZ7711001X"}
OTRA = {"DNI": "47110002", "APELLIDOS": "Tintaya Pacori", "NOMBRES": "Rosalinda", "COD_PLAZA": "PLZ7711002X"}
SUYOS = [b"47110001", b"Huamanchumo", b"Ccorimanya", b"Eustaquia", b"Filomena", b"PLZ7711001X"]


def padron() -> Padron:
    """UGEL-S: two urban polidocente primaria schools (the second without registered docentes) and a coach."""
    p = Padron()
    for i in range(2):
        p.ies.append(escuela(f"{3000000 + i:07d}", nombre=f"IE S {i}", nivel="primaria", caracteristica="completo",
                             dre="DRE-S", ugel="UGEL-S", area="urbana", alumnos=300, docentes=10))
    for i, persona in enumerate((TITULAR, OTRA, {"DNI": "47110003", "APELLIDOS": "Quispe", "NOMBRES": "Ana",
                                                 "COD_PLAZA": ""})):
        p.docentes.append({"COD_MOD": "3000000", "ANEXO": "0", "NIVEL": "primaria", "CONDICION": "Nombrado", **persona})
    p.acompanantes.append({"DNI": "47119999", "APELLIDOS": "Mamani", "NOMBRES": "Luis", "COD_DRE": "DRE-S",
                           "CODOOII": "UGEL-S", "TIPO": "polidocente_primaria"})
    return p


def sin_datos_del_titular(contenido: bytes, donde: str) -> None:
    for dato in SUYOS:
        assert dato not in contenido, f"{dato!r} legible en {donde}"


def almacen_crudo(settings: ServiceSettings) -> list[tuple[str, bytes]]:
    """Every byte of the service's event store: its SQLite file (and journal), or every row of its schema."""
    if not settings.is_postgres:
        base = settings.sqlite_path()
        return [(str(f), f.read_bytes()) for f in (base, Path(f"{base}-wal"), Path(f"{base}-journal")) if f.exists()]
    filas = []
    with psycopg.connect(host=settings.postgres_host, port=settings.postgres_port, user=settings.postgres_user,
                         dbname=settings.postgres_dbname) as conn:
        tablas = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                              (settings.postgres_schema,)).fetchall()
        for (tabla,) in tablas:
            for fila in conn.execute(sql.SQL("SELECT * FROM {}.{}").format(
                    sql.Identifier(settings.postgres_schema), sql.Identifier(tabla))):
                crudo = b"|".join(bytes(v) if isinstance(v, (bytes, memoryview)) else str(v).encode() for v in fila)
                filas.append((f"{settings.postgres_schema}.{tabla}", crudo))
    return filas


async def test_tras_la_cancelacion_nada_legible_del_docente_y_lo_demas_funciona(make_settings, nats_server, js):
    ajustes_f = make_settings(FocalizacionSettings, pepper=PEPPER)
    ajustes_e = make_settings(EvidenciasSettings, purga_adjuntos_cada=0.2)
    focalizacion_http = focalizacion_app(ajustes_f)
    evidencias_http = evidencias_app(ajustes_e)
    focalizacion = focalizacion_http.state.runtime.app
    evidencias = evidencias_http.state.evidencias
    async with (serving(focalizacion_http) as foco, serving(agenda_app(make_settings(AgendaSettings))) as agenda,
                serving(evidencias_http) as evid):
        # Given the padrón imported, targeted and every docente assigned to the coach
        p = padron()
        assert await focalizar(foco, p) == (2, 3)  # schools targeted, docentes assigned
        titular, otra = (str(focalizacion.docente_id(x["DNI"])) for x in (TITULAR, OTRA))
        # (his id is a keyed hash of his DNI: neither the old plain hash nor the development pepper give it)
        assert titular == str(dm.docente_id(TITULAR["DNI"], PEPPER))
        assert titular not in {str(uuid5(dm.NS, f"docente:{TITULAR['DNI']}")),
                               str(dm.docente_id(TITULAR["DNI"], dm.PEPPER_DESARROLLO))}
        acompanante = (await foco.get(f"/v1/docentes/{titular}/asignacion")).json()["asignaciones"][0]["acompanante_id"]
        coach = {"X-Usuario": acompanante, "X-Rol": "acompanante"}

        # and, once agenda holds their plans, a visit to each with an observation and a photo naming them
        visitas = {}
        FOTOS = {True: PNG + b"\x07", False: PNG}  # his photo, and hers
        for dia, docente, persona in ((10, titular, TITULAR), (15, otra, OTRA)):
            visita = {"visita_id": str(uuid.uuid4()), "docente_id": docente, "acompanante_id": acompanante,
                      "fecha_inicio": f"2020-06-{dia}", "fecha_fin": f"2020-06-{dia + 1}",
                      "acciones": ["observacion", "asesoria"]}
            visitas[docente] = visita["visita_id"]
            await visita_observada(agenda, evid, visita)
            nombre = persona["NOMBRES"].split()[0]
            r = await evid.post(f"/v1/visitas/{visita['visita_id']}/adjuntos", data={
                "acompanante_id": acompanante, "descripcion": f"{nombre} {persona['APELLIDOS']} en su aula"},
                files={"archivo": (f"clase-de-{nombre.lower()}.png", FOTOS[docente == titular], "image/png")})
            assert r.status_code == 201, r.text
        registro = (await evid.get(f"/v1/visitas/{visitas[titular]}", headers=coach)).json()
        assert registro["adjuntos"][0]["descripcion"] == "Eustaquia Huamanchumo Ccorimanya en su aula"

        # When someone other than an administrator asks for the cancellation, it is refused
        cuerpo = {"referencia": "EXP-2024-000123", "motivo": "solicitud_titular"}
        r = await foco.post(f"/v1/docentes/{titular}/cancelacion-datos", json=cuerpo, headers=coach)
        assert r.status_code == 403, r.text
        # and when the administrator asks, it is recorded (once) and the key erased
        r = await foco.post(f"/v1/docentes/{titular}/cancelacion-datos", json=cuerpo, headers=ADMIN)
        assert r.status_code == 201, r.text
        assert r.json()["llave_suprimida"]["motivo"].startswith("DatosPersonalesCancelados")
        assert (await foco.post(f"/v1/docentes/{titular}/cancelacion-datos", json=cuerpo, headers=ADMIN)
                ).status_code == 200
        assert (await foco.post(f"/v1/docentes/{uuid.uuid4()}/cancelacion-datos", json=cuerpo, headers=ADMIN)
                ).status_code == 404
        # and evidencias, told by the stream, erases its own key of him
        await eventually(lambda: evidencias.cifrador.llavero.suprimida(f"docente:{titular}") is not None)

        # Then the stream carries nothing of him, and the cancellation only his id and territory
        def publicado_todo() -> bool:
            return all(rt.relay and rt.relay.stored_position() == rt.app.recorder.max_notification_id()
                       for rt in (focalizacion_http.state.runtime, evidencias_http.state.runtime))
        await eventually(publicado_todo)
        mensajes = await stream_messages(js)
        for m in mensajes:
            sin_datos_del_titular(m.data + repr(m.headers).encode(), f"el mensaje {m.subject}")
        [aviso] = [m for m in mensajes if ".DatosPersonalesCancelados.v1." in m.subject]
        assert aviso.subject == "acompana.focalizacion.DatosPersonalesCancelados.v1.DRE-S.UGEL-S"
        assert aviso.headers["ce-subject"] == f"docente/{titular}"
        assert b"EXP-2024" not in aviso.data

        # and the event stores, byte by byte, hold nothing of him in clear
        for ajustes in (ajustes_f, ajustes_e):
            for donde, contenido in almacen_crudo(ajustes):
                sin_datos_del_titular(contenido, donde)
        # and the key stores keep the erasure (when and why) without key material
        for app in (focalizacion, evidencias):
            assert app.cifrador.llavero.llaves([f"docente:{titular}"], crear=True) == {f"docente:{titular}": None}

        # and read models rebuilt from zero show the mark where his data were, the others' data intact
        focalizacion.proyecciones.reconstruir()
        evidencias.proyecciones.reconstruir()
        from services.focalizacion import projections as vistas
        suyo = focalizacion.proyecciones.registro(vistas.docente, titular)
        assert {k: suyo[k] for k in ("dni", "apellidos", "nombres", "plaza")} == dict.fromkeys(
            ("dni", "apellidos", "nombres", "plaza"), MARCA)
        assert suyo["datos_cancelados"] and suyo["ugel"] == "UGEL-S"
        assert focalizacion.proyecciones.registro(vistas.docente, otra)["apellidos"] == OTRA["APELLIDOS"]
        adjunto = (await evid.get(f"/v1/visitas/{visitas[titular]}", headers=coach)).json()["adjuntos"][0]
        assert (adjunto["nombre"], adjunto["descripcion"], adjunto["sha256"]) == (MARCA, MARCA, registro["adjuntos"][0]["sha256"])
        ajeno = (await evid.get(f"/v1/visitas/{visitas[otra]}", headers=coach)).json()["adjuntos"][0]
        assert ajeno["descripcion"] == "Rosalinda Tintaya Pacori en su aula"
        # the content of his attachments (a photo of him in his classroom) is no longer handed out; the other's is
        r = await evid.get(f"/v1/visitas/{visitas[titular]}/adjuntos/{adjunto['sha256']}", headers=coach)
        assert (r.status_code, r.json()["codigo"]) == (410, "suprimido"), r.text
        r = await evid.get(f"/v1/visitas/{visitas[otra]}/adjuntos/{ajeno['sha256']}", headers=coach)
        assert r.status_code == 200 and r.content.startswith(b"\x89PNG"), r.text[:200]
        # and the content itself leaves the bucket; hers stays, encrypted with her key
        bucket = await js.object_store(ADJUNTOS_BUCKET)
        suyo, de_ella = objeto_de(adjunto["sha256"], f"docente:{titular}"), objeto_de(ajeno["sha256"], f"docente:{otra}")

        async def purgado() -> bool:
            try:
                info = await bucket.get_info(suyo)
            except ObjectNotFoundError:
                return True
            return bool(getattr(info, "deleted", False))
        await eventually(purgado)
        assert (await bucket.get(de_ella)).data != PNG
        # and no object of the bucket, nor any message of the stream, holds either photo's bytes
        objetos = [i for i in await bucket.list() if not getattr(i, "deleted", False)]
        assert objetos
        for info in objetos:
            guardado = (await bucket.get(info.name)).data
            assert PNG[16:40] not in guardado, f"una foto legible en el objeto {info.name}"
        for m in mensajes:
            assert PNG[16:40] not in m.data
        for vista in (focalizacion.proyecciones, evidencias.proyecciones):
            with vista.store.engine.connect() as conn:
                for tabla in vista.tablas:
                    for fila in conn.execute(tabla.select()):
                        sin_datos_del_titular(repr(tuple(fila)).encode(), f"la vista {tabla.name}")

        # and the rest works: his visit keeps its observation, new records are accepted for the others and
        # refused for him, a re-import registers nobody again, and the published chain still verifies
        assert (await evid.get(f"/v1/docentes/{titular}/observaciones", headers=coach)).json()["D1"]
        r = await evid.post(f"/v1/visitas/{visitas[otra]}/adjuntos", data={"acompanante_id": acompanante},
                            files={"archivo": ("otra.png", PNG + b"\x00", "image/png")})
        assert r.status_code == 201, r.text
        r = await evid.post(f"/v1/visitas/{visitas[titular]}/adjuntos", data={"acompanante_id": acompanante},
                            files={"archivo": ("otra.png", PNG + b"\x01", "image/png")})
        assert r.status_code == 422 and "Ley 29733" in r.json()["mensaje"], r.text
        informe = (await foco.post("/v1/padron/docentes", content=p.csv("docentes"), headers=CSV)).json()
        assert (informe["nuevas"], informe["actualizadas"], informe["sin_cambios"]) == (0, 0, 2)
        assert [(x["linea"], x["errores"][0]["campo"]) for x in informe["rechazadas"]] == [(2, "DNI")]
        await eventually(publicado_todo)
        for servicio in (foco, evid):
            verificacion = (await servicio.post("/v1/cadena/verificacion", json={"desde": 1}, headers=AUDITOR)).json()
            assert verificacion["integra"] and verificacion["hechos_revisados"] > 0, verificacion
