"""Attachments of a visit, against a real nats-server and both stores.

evidencias is built by its composition root and talked to over HTTP; agenda's facts (a docente
held by an acompañante, a realized visit) are given to it directly. What is stored is checked in
the JetStream object store with plain nats-py, and what is published on the stream is read the
way any outside subscriber would.
"""

from __future__ import annotations

import asyncio

import base64
import hashlib
import json
import random
import struct
import uuid
import zlib
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy
from nats.js.errors import NotFoundError, ObjectNotFoundError

from services.evidencias.application import Evidencias
from services.evidencias.config import EvidenciasSettings
from services.evidencias.main import create_app
from services.evidencias.adjuntos import objeto_de
from shared.streams import ADJUNTOS_BUCKET, STREAM
from tests.conftest import eventually, serving

MAX_BYTES = 200_000
HOY = date(2021, 6, 1)
DRE, UGEL, IE = "DRE-PUNO", "UGEL-EL-COLLAO", "0236885"
EVIDENCIA_ADJUNTADA = "acompana.evidencias.EvidenciaAdjuntada.v1.>"


# --- content -------------------------------------------------------------------------------------------


def png(ancho: int = 48, alto: int = 48, semilla: int = 1) -> bytes:
    """A valid RGB PNG of noise (it does not compress: a few kilobytes)."""
    rng = random.Random(semilla)

    def trozo(tipo: bytes, datos: bytes) -> bytes:
        return struct.pack(">I", len(datos)) + tipo + datos + struct.pack(">I", zlib.crc32(tipo + datos) & 0xFFFFFFFF)

    filas = b"".join(b"\x00" + rng.randbytes(ancho * 3) for _ in range(alto))
    return (b"\x89PNG\r\n\x1a\n" + trozo(b"IHDR", struct.pack(">IIBBBBB", ancho, alto, 8, 2, 0, 0, 0))
            + trozo(b"IDAT", zlib.compress(filas)) + trozo(b"IEND", b""))


JPEG = (b"\xff\xd8\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        + bytes(random.Random(2).randbytes(3000)) + b"\xff\xd9")
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" + b"%" + b"x" * 500 + b"\n%%EOF\n"
EXE = b"MZ\x90\x00" + b"\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 2000
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 2000
AZAR = random.Random(7).randbytes(4096)


# --- the world ------------------------------------------------------------------------------------------


@dataclass
class Mundo:
    http: httpx.AsyncClient
    app: Evidencias
    js: JetStreamContext
    docente: str
    acompanante: str
    visita: str

    def ultima_notificacion(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    async def subir(self, contenido: bytes, *, nombre: str = "foto.jpg", tipo: str = "image/jpeg",
                    acompanante: str | None = None, visita: str | None = None,
                    descripcion: str = "Pizarra al final de la sesión") -> httpx.Response:
        return await self.http.post(
            f"/v1/visitas/{visita or self.visita}/adjuntos", files={"archivo": (nombre, contenido, tipo)},
            data={"acompanante_id": acompanante or self.acompanante, "descripcion": descripcion})

    async def leer(self, sha: str, headers: dict[str, str] | None = None, visita: str | None = None) -> httpx.Response:
        return await self.http.get(f"/v1/visitas/{visita or self.visita}/adjuntos/{sha}", headers=headers or {})

    async def objetos(self) -> list[str]:
        obs = await self.js.object_store(ADJUNTOS_BUCKET)
        try:
            return sorted(o.name for o in await obs.list(ignore_deletes=True))
        except NotFoundError:
            return []

    def objeto(self, sha: str) -> str:
        """Where a content of this visit's docente is kept: encrypted with his key (docs/datos-personales.md)."""
        return objeto_de(sha, f"docente:{self.docente}")

    async def guardado(self, sha: str) -> bool:
        obs = await self.js.object_store(ADJUNTOS_BUCKET)
        try:
            await obs.get_info(self.objeto(sha))
            return True
        except ObjectNotFoundError:
            return False


def _plan(docente: str, acompanante: str) -> dict[str, Any]:
    return {"plan_id": str(uuid.uuid4()), "docente_id": docente, "acompanante_id": acompanante, "anio": 2021,
            "etapa": 2, "modalidad": "externa", "codigo_modular": IE, "anexo": 0, "tipo_ie": "polidocente_primaria",
            "nivel": "primaria", "dre": DRE, "ugel": UGEL}


def _visita(visita: str, docente: str, acompanante: str) -> dict[str, Any]:
    return {"visita_id": visita, "docente_id": docente, "acompanante_id": acompanante, "codigo_modular": IE,
            "anexo": 0, "dre": DRE, "ugel": UGEL, "anio": 2021, "fecha_inicio": "2021-05-10",
            "fecha_fin": "2021-05-11", "acciones": ["observacion", "asesoria"]}


@pytest.fixture
async def mundo(make_settings, js):
    """evidencias serving, knowing one docente held by one acompañante and one realized visit."""
    app_http = create_app(make_settings(EvidenciasSettings, adjunto_max_bytes=MAX_BYTES), reloj=lambda: HOY)
    app: Evidencias = app_http.state.evidencias
    try:
        async with serving(app_http) as http:
            docente, acompanante, visita = (str(uuid.uuid4()) for _ in range(3))
            assert app.conocer_plan(_plan(docente, acompanante))
            assert app.conocer_visita(_visita(visita, docente, acompanante))
            yield Mundo(http, app, js, docente, acompanante, visita)
    finally:
        app.close()


def _acompanante(m: Mundo) -> dict[str, str]:
    return {"X-Usuario": m.acompanante, "X-Rol": "acompanante"}


# --- uploads --------------------------------------------------------------------------------------------


async def test_una_foto_se_guarda_por_su_huella_una_sola_vez(mundo: Mundo):
    foto = png()
    sha = hashlib.sha256(foto).hexdigest()
    antes = mundo.ultima_notificacion()

    r = await mundo.subir(foto, nombre="pizarra.png", tipo="image/png")
    assert r.status_code == 201, r.text
    assert r.json() == {"id": sha, "registrado": True, "estado": "registrado", "sha256": sha, "tipo_contenido": "image/png",
                        "bytes": len(foto)}
    assert mundo.ultima_notificacion() == antes + 1

    obs = await mundo.js.object_store(ADJUNTOS_BUCKET)
    info = await obs.get_info(mundo.objeto(sha))
    assert info.name == mundo.objeto(sha) and info.size > len(foto)
    guardado = (await obs.get(mundo.objeto(sha))).data
    assert foto[20:200] not in guardado, "el contenido está en claro en el almacén de objetos"  # encrypted at rest
    assert (await mundo.leer(sha, headers=_acompanante(mundo))).content == foto  # and read back decrypted
    assert await mundo.objetos() == [mundo.objeto(sha)]

    # the same content again (another name, another claimed type): recognised, stored once
    r = await mundo.subir(foto, nombre="otra-vez.jpg", tipo="image/jpeg")
    assert r.status_code == 200, r.text
    assert r.json() == {"id": sha, "registrado": False, "estado": "ya_registrado", "sha256": sha, "tipo_contenido": "image/png",
                        "bytes": len(foto)}
    assert await mundo.objetos() == [mundo.objeto(sha)]
    assert mundo.ultima_notificacion() == antes + 1

    registro = (await mundo.http.get(f"/v1/visitas/{mundo.visita}", headers=_acompanante(mundo))).json()
    assert [a["sha256"] for a in registro["adjuntos"]] == [sha]


async def test_jpeg_y_pdf_se_admiten_por_su_contenido(mundo: Mundo):
    r = await mundo.subir(JPEG, nombre="foto.jpg", tipo="image/jpeg")
    assert r.status_code == 201, r.text
    assert r.json()["tipo_contenido"] == "image/jpeg" and r.json()["sha256"] == hashlib.sha256(JPEG).hexdigest()

    # the type comes from the content, not from what the client claims
    r = await mundo.subir(PDF, nombre="acta escaneada.bin", tipo="application/octet-stream",
                          descripcion="Acta de compromisos")
    assert r.status_code == 201, r.text
    assert r.json()["tipo_contenido"] == "application/pdf" and r.json()["bytes"] == len(PDF)
    assert await mundo.objetos() == sorted(mundo.objeto(hashlib.sha256(x).hexdigest()) for x in (JPEG, PDF))


@pytest.mark.parametrize(("contenido", "nombre", "tipo", "visto"), [
    (EXE, "foto.jpg", "image/jpeg", "application/x-msdownload"),
    (ELF, "foto.png", "image/png", "application/x-executable"),
    (AZAR, "foto.jpg", "image/jpeg", "no es de un tipo reconocible"),
    (b"", "foto.jpg", "image/jpeg", "vacío"),
], ids=["exe-renombrado", "elf-renombrado", "bytes-al-azar", "vacio"])
async def test_contenido_no_admitido_no_registra_ni_guarda_nada(mundo: Mundo, contenido, nombre, tipo, visto):
    antes = mundo.ultima_notificacion()
    r = await mundo.subir(contenido, nombre=nombre, tipo=tipo)
    assert r.status_code == 422, r.text
    assert visto in r.json()["mensaje"]
    assert mundo.ultima_notificacion() == antes
    assert await mundo.objetos() == []
    if contenido:
        assert not await mundo.guardado(hashlib.sha256(contenido).hexdigest())


async def test_mas_grande_que_el_limite_413_y_nada_guardado(mundo: Mundo):
    grande = png(ancho=300, alto=300)  # noise: ~270 kB, over the 200 000-byte limit
    assert len(grande) > MAX_BYTES
    antes = mundo.ultima_notificacion()
    r = await mundo.subir(grande, nombre="foto.png", tipo="image/png")
    assert r.status_code == 413, r.text
    assert r.json()["codigo"] == "demasiado_grande"
    assert mundo.ultima_notificacion() == antes
    assert await mundo.objetos() == []

    # one byte over it, read and refused by the content check with the same answer
    r = await mundo.subir(JPEG + b"\x00" * (MAX_BYTES + 1 - len(JPEG)))
    assert r.status_code == 413 and r.json()["codigo"] == "demasiado_grande", r.text
    assert mundo.ultima_notificacion() == antes and await mundo.objetos() == []

    # exactly at the limit is admitted
    justo = JPEG + b"\x00" * (MAX_BYTES - len(JPEG))
    r = await mundo.subir(justo)
    assert r.status_code == 201, r.text
    assert r.json()["bytes"] == MAX_BYTES


async def test_una_subida_sin_largo_declarado_se_corta_al_pasar_el_limite(mundo: Mundo):
    """An upload sent in chunks, without Content-Length, is cut off by the attachments' routes' own body limit
    as it arrives (the limit main.py gives their router), not read whole and refused afterwards."""
    limite = 64 * 1024  # what the form around the file may add (api/adjuntos.py, HOLGURA)

    async def trozos():  # a multipart form whose file alone is ten times the limit
        yield (f"--b\r\nContent-Disposition: form-data; name=\"acompanante_id\"\r\n\r\n{mundo.acompanante}\r\n"
               "--b\r\nContent-Disposition: form-data; name=\"archivo\"; filename=\"f.jpg\"\r\n"
               "Content-Type: image/jpeg\r\n\r\n").encode()
        for _ in range(10 * (MAX_BYTES + limite) // 65536):
            yield b"\x00" * 65536
        yield b"\r\n--b--\r\n"

    antes = mundo.ultima_notificacion()
    r = await mundo.http.post(f"/v1/visitas/{mundo.visita}/adjuntos", content=trozos(),
                              headers={"content-type": "multipart/form-data; boundary=b"})
    assert "content-length" not in r.request.headers
    assert (r.status_code, r.json()["codigo"]) == (413, "cuerpo_demasiado_grande"), r.text
    assert mundo.ultima_notificacion() == antes and await mundo.objetos() == []


async def test_solo_el_autor_de_una_visita_realizada_adjunta(mundo: Mundo):
    foto = png(semilla=3)
    sha = hashlib.sha256(foto).hexdigest()
    antes = mundo.ultima_notificacion()

    r = await mundo.subir(foto, acompanante=str(uuid.uuid4()))  # not the visit's author
    assert r.status_code == 422, r.text
    assert r.json()["codigo"] == "regla_incumplida"
    assert not await mundo.guardado(sha)

    r = await mundo.subir(foto, visita=str(uuid.uuid4()))  # agenda has not reported it: it waits, nothing stored
    assert (r.status_code, r.json()["codigo"]) == (409, "en_espera"), r.text
    assert "aún no consta como realizada" in r.json()["mensaje"]
    assert not await mundo.guardado(sha)

    assert mundo.ultima_notificacion() == antes
    assert await mundo.objetos() == []


# --- reading back ---------------------------------------------------------------------------------------


async def test_solo_quien_puede_ver_al_docente_lee_el_adjunto(mundo: Mundo):
    foto = png(semilla=4)
    sha = hashlib.sha256(foto).hexdigest()
    assert (await mundo.subir(foto, nombre="aula.png", tipo="image/png")).status_code == 201

    permitidos = {
        "el acompañante": _acompanante(mundo),
        "el docente": {"X-Usuario": mundo.docente, "X-Rol": "docente"},
        "la especialista de la UGEL": {"X-Usuario": "especialista-1", "X-Rol": "especialista_ugel", "X-Ugel": UGEL},
    }
    for quien, headers in permitidos.items():
        r = await mundo.leer(sha, headers)
        assert r.status_code == 200, (quien, r.text)
        assert r.content == foto, quien
        assert "no-store" in r.headers["cache-control"], quien
        assert r.headers["content-type"] == "image/png"

    # outside their territory: answered as if it did not exist
    ajenos = {
        "otro acompañante": {"X-Usuario": str(uuid.uuid4()), "X-Rol": "acompanante"},
        "otro docente": {"X-Usuario": str(uuid.uuid4()), "X-Rol": "docente"},
        "el docente con otro rol": {"X-Usuario": mundo.docente, "X-Rol": "acompanante"},
        "la especialista de otra UGEL": {"X-Usuario": "especialista-2", "X-Rol": "especialista_ugel",
                                         "X-Ugel": "UGEL-CANCHIS"},
    }
    for quien, headers in ajenos.items():
        r = await mundo.leer(sha, headers)
        assert (r.status_code, r.json()["codigo"]) == (404, "no_encontrado"), (quien, r.text)
        assert foto not in r.content
    # roles that may not read coaching evidence at all
    prohibidos = {
        "el directivo de su IE (evalúa su carrera)": {"X-Usuario": "director-1", "X-Rol": "directivo",
                                                      "X-Ie": f"{IE}-0"},
        "la cuenta de servicio": {},
    }
    for quien, headers in prohibidos.items():
        r = await mundo.leer(sha, headers)
        assert (r.status_code, r.json()["codigo"]) == (403, "prohibido"), (quien, r.text)
        assert foto not in r.content

    r = await mundo.leer(hashlib.sha256(b"nunca subido").hexdigest(), _acompanante(mundo))
    assert r.status_code == 404, r.text
    r = await mundo.leer(sha, _acompanante(mundo), visita=str(uuid.uuid4()))  # another visit
    assert r.status_code == 404, r.text


async def test_contenido_alterado_en_el_almacen_no_se_sirve(mundo: Mundo):
    foto = png(semilla=5)
    sha = hashlib.sha256(foto).hexdigest()
    assert (await mundo.subir(foto, nombre="aula.png", tipo="image/png")).status_code == 201
    assert (await mundo.leer(sha, _acompanante(mundo))).content == foto

    obs = await mundo.js.object_store(ADJUNTOS_BUCKET)
    await obs.put(mundo.objeto(sha), b"otro")  # same name, different bytes (not even encrypted)
    r = await mundo.leer(sha, _acompanante(mundo))
    assert r.status_code == 500, r.text
    assert r.json()["codigo"] == "adjunto_alterado"
    assert b"otro" not in r.content
    # and another docente's ciphertext put in its place does not decrypt with this docente's key
    ajeno = await asyncio.to_thread(mundo.app.cifrador.cifrar_bytes, "docente:otro", foto, sha)
    await obs.put(mundo.objeto(sha), ajeno)
    r = await mundo.leer(sha, _acompanante(mundo))
    assert (r.status_code, r.json()["codigo"]) == (500, "adjunto_alterado"), r.text


# --- what is published ----------------------------------------------------------------------------------


async def test_el_evento_publicado_lleva_la_referencia_y_no_el_contenido(mundo: Mundo):
    foto = png(semilla=6)
    sha = hashlib.sha256(foto).hexdigest()
    nombre = "alumnos-de-segundo-grado.png"
    assert (await mundo.subir(foto, nombre=nombre, tipo="image/png", descripcion="Trabajo en grupos")).status_code == 201
    assert (await mundo.subir(foto, nombre=nombre, tipo="image/png")).status_code == 200  # recognised: no new event

    sub = await mundo.js.subscribe(EVIDENCIA_ADJUNTADA, stream=STREAM, ordered_consumer=True,
                                   deliver_policy=DeliverPolicy.ALL)
    try:
        mensaje = await sub.next_msg(timeout=20)
        with pytest.raises(NatsTimeout):
            await sub.next_msg(timeout=2)
    finally:
        await sub.unsubscribe()

    assert mensaje.subject == f"acompana.evidencias.EvidenciaAdjuntada.v1.{DRE}.{UGEL}"
    assert mensaje.headers["ce-type"].endswith(".evidencias.EvidenciaAdjuntada.v1")
    assert mensaje.headers["ce-subject"] == f"docente/{mundo.docente}"
    datos = json.loads(mensaje.data)
    assert datos["sha256"] == sha
    assert datos["tipo_contenido"] == "image/png"
    assert datos["bytes"] == len(foto)
    assert datos["propietario"] == "visita" and datos["propietario_id"] == mundo.visita
    assert datos["docente_ids"] == [mundo.docente] and datos["acompanante_id"] == mundo.acompanante
    # the description may name people: encrypted in the store, never published (docs/datos-personales.md)
    assert datos["descripcion"] == ""
    assert not {"nombre", "contenido", "datos", "archivo"} & set(datos)

    assert len(mensaje.data) < 1000 < len(foto)
    assert foto not in mensaje.data and foto[100:164] not in mensaje.data
    assert base64.b64encode(foto)[:64] not in mensaje.data
    assert nombre.encode() not in mensaje.data and b"alumnos-de-segundo-grado" not in mensaje.data
    assert all(nombre not in v for v in mensaje.headers.values())

    # and it is what was recorded, in order, after the instruments
    await eventually(lambda: any(a["sha256"] == sha for a in mundo.app.proyecciones.visita(mundo.visita)["adjuntos"]))
