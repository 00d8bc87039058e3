"""agenda's, evidencias' and focalizacion's read models rebuilt from zero equal the live ones, row for row.

The three services run on a real nats-server, on SQLite and on PostgreSQL. A padrón is imported, targeted and
assigned; a docente is reassigned and another withdrawn; visits are scheduled, rescheduled, cancelled,
realized and observed, an observation corrected, a commitment, a training need and photos recorded, a GIA
completed and its acta corrected; then a docente's personal data are cancelled (his keys erased, his photo purged
from the bucket). Each read model is caught up after every step as a query would, and its ``checksum()``
(``shared.views.OwnLogProjection.checksum``) is then the same after ``reconstruir()`` and after the rebuild of a
new projection object over the same store; a row deleted behind the projection's back changes it.
"""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select

from services.agenda.config import AgendaSettings
from services.agenda.main import create_app as agenda_app
from services.evidencias.config import EvidenciasSettings
from services.evidencias.main import create_app as evidencias_app
from services.evidencias.tablas import cartera
from services.focalizacion.config import FocalizacionSettings
from services.focalizacion.main import create_app as focalizacion_app
from shared.views import OwnLogProjection
from tests.conftest import eventually, serving
from tests.support.padron import Padron, escuela, focalizar
from tests.support.tablas_copiadas import proyectada_en_copias
from tests.support.visitas import visita_observada

ADMIN = {"X-Usuario": "admin-01", "X-Rol": "administrador"}
CONV = "2020-2022"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
DNIS = ["48220001", "48220002", "48220003", "48220004"]


def padron() -> Padron:
    """UGEL-R: two urban polidocente primaria schools, four docentes in the first, two coaches."""
    p = Padron()
    for i in range(2):
        p.ies.append(escuela(f"{3100000 + i:07d}", nombre=f"IE R {i}", nivel="primaria", caracteristica="completo",
                             dre="DRE-R", ugel="UGEL-R", area="urbana", alumnos=300, docentes=10))
    for i, dni in enumerate(DNIS):
        p.docentes.append({"DNI": dni, "APELLIDOS": f"Ccallo Paucar {i}", "NOMBRES": f"Vilma {i}", "COD_MOD": "3100000",
                           "ANEXO": "0", "NIVEL": "primaria", "COD_PLAZA": f"PLZ822000{i}X", "CONDICION": "Nombrado"})
    for dni in ("48229998", "48229999"):
        p.acompanantes.append({"DNI": dni, "APELLIDOS": "Mamani", "NOMBRES": "Luis", "COD_DRE": "DRE-R",
                               "CODOOII": "UGEL-R", "TIPO": "polidocente_primaria"})
    return p


def tablas_con_filas(vista: OwnLogProjection) -> int:
    with vista.store.engine.connect() as conn:
        return sum(1 for t in vista.tablas if conn.execute(select(t).limit(1)).first() is not None)


async def test_cada_modelo_de_lectura_reconstruido_es_igual_al_vivo(make_settings, closing):
    ajustes = {"focalizacion": make_settings(FocalizacionSettings, pepper="pepper-de-la-prueba"),
               "agenda": make_settings(AgendaSettings),
               "evidencias": make_settings(EvidenciasSettings, purga_adjuntos_cada=0.2)}
    http = {"focalizacion": focalizacion_app(ajustes["focalizacion"]), "agenda": agenda_app(ajustes["agenda"]),
            "evidencias": evidencias_app(ajustes["evidencias"])}
    apps = {"focalizacion": http["focalizacion"].state.focalizacion, "agenda": http["agenda"].state.agenda,
            "evidencias": http["evidencias"].state.evidencias}
    vistas: dict[str, OwnLogProjection] = {n: a.proyecciones for n, a in apps.items()}

    def al_dia() -> None:  # as every query does first
        for vista in vistas.values():
            vista.ponerse_al_dia()

    async with (serving(http["focalizacion"]) as foco, serving(http["agenda"]) as agenda,
                serving(http["evidencias"]) as evid):
        # Given the padrón imported, targeted and its docentes assigned to the two coaches
        assert await focalizar(foco, padron()) == (2, 4)
        al_dia()
        titular, otra, _, retirada = (str(apps["focalizacion"].docente_id(d)) for d in DNIS)
        carteras = (await foco.get(f"/v1/convocatorias/{CONV}/carteras")).json()
        coaches = sorted(c["acompanante_id"] for c in carteras)

        async def coach_de(docente: str) -> str:
            r = await foco.get(f"/v1/docentes/{docente}/asignacion")
            assert r.status_code == 200, r.text
            return r.json()["asignaciones"][0]["acompanante_id"]

        # and one docente reassigned to the other coach, another withdrawn
        suyo = await coach_de(otra)
        de_otra = next(c for c in coaches if c != suyo)
        r = await foco.post(f"/v1/convocatorias/{CONV}/reasignaciones", json={
            "docente_id": otra, "acompanante_id": de_otra, "motivo": "Reparto de la carga."})
        assert r.status_code == 200, r.text
        al_dia()
        r = await foco.post(f"/v1/convocatorias/{CONV}/docentes/{retirada}/retiro", json={"motivo": "Traslado."})
        assert r.status_code == 200, r.text
        al_dia()

        # and in agenda, once it holds the plans: a visit scheduled then rescheduled, another scheduled then cancelled
        coach = await coach_de(titular)
        visita_t, cancelada = str(uuid.uuid4()), str(uuid.uuid4())
        for visita, dia in ((visita_t, "2020-06-08"), (cancelada, "2020-06-09")):
            async def programada(visita: str = visita, dia: str = dia) -> bool:
                r = await agenda.post(f"/v1/acompanantes/{coach}/visitas", json={
                    "visita_id": visita, "docente_id": titular, "fecha_inicio": dia, "fecha_fin": dia})
                assert r.status_code in (200, 201), r.text
                return True
            await eventually(programada)
            al_dia()
        r = await agenda.post(f"/v1/actividades/{visita_t}/reprogramacion", json={
            "fecha_inicio": "2020-06-10", "fecha_fin": "2020-06-11", "motivo": "Paro de transportistas."})
        assert r.status_code == 200, r.text
        al_dia()
        r = await agenda.post(f"/v1/actividades/{cancelada}/cancelacion", json={"motivo": "Duplicada."})
        assert r.status_code == 200, r.text
        al_dia()

        # and the rescheduled visit realized (with a note naming her) and observed, one to the reassigned docente too
        observacion = await visita_observada(agenda, evid, {
            "visita_id": visita_t, "docente_id": titular, "acompanante_id": coach, "fecha_inicio": "2020-06-10",
            "fecha_fin": "2020-06-11", "acciones": ["observacion", "asesoria"],
            "observaciones": "Vilma 0 Ccallo Paucar 0 llegó tarde."})
        al_dia()
        visita_o = str(uuid.uuid4())
        await visita_observada(agenda, evid, {
            "visita_id": visita_o, "docente_id": otra, "acompanante_id": de_otra, "fecha_inicio": "2020-06-15",
            "fecha_fin": "2020-06-15", "acciones": ["observacion", "asesoria"]})
        al_dia()
        # and in evidencias: the observation corrected, a commitment, a photo whose description names her
        r = await evid.post(f"/v1/visitas/{visita_t}/observaciones/{observacion}/correcciones", json={
            "acompanante_id": coach, "motivo": "Error de digitación.",
            "niveles": {"D1": {"nivel": "III", "evidencia": "Doce de veinte estudiantes participan."}}})
        assert r.status_code == 201, r.text
        al_dia()
        r = await evid.post(f"/v1/visitas/{visita_t}/compromisos", json={
            "compromiso_id": str(uuid.uuid4()), "acompanante_id": coach, "item": "D1",
            "descripcion": "Preguntas abiertas en cada sesión.", "fecha_limite": "2020-07-30",
            "verificacion": "Registro de preguntas."})
        assert r.status_code == 201, r.text
        r = await evid.post(f"/v1/visitas/{visita_t}/adjuntos", data={
            "acompanante_id": coach, "descripcion": "Vilma 0 Ccallo Paucar 0 en su aula"},
            files={"archivo": ("clase-de-vilma.png", PNG, "image/png")})
        assert r.status_code == 201, r.text
        al_dia()
        r = await evid.post(f"/v1/visitas/{visita_o}/adjuntos", data={"acompanante_id": de_otra},
                            files={"archivo": ("pizarra.png", PNG + b"\x00", "image/png")})
        assert r.status_code == 201, r.text
        r = await evid.post(f"/v1/docentes/{otra}/necesidades", json={
            "necesidad_id": str(uuid.uuid4()), "acompanante_id": de_otra, "competencia": "C2",
            "descripcion": "Planificar por competencias.", "visita_id": visita_o})
        assert r.status_code == 201, r.text
        al_dia()
        # and a GIA completed in agenda, its acta recorded in evidencias, then corrected
        gia = str(uuid.uuid4())
        r = await agenda.post("/v1/gia-completados", json={
            "actividad_id": gia, "acompanante_id": coach, "codigo_modular": "3100000", "anexo": 0,
            "fecha": "2020-06-20", "hora_inicio": "14:00", "hora_fin": "17:00", "participantes": [titular],
            "tema": "Preguntas de alta demanda"})
        assert r.status_code == 201, r.text
        al_dia()
        acta = {"autor_id": coach, "asistencia": {titular: "presente"}, "acuerdos": ["Probar preguntas"],
                "nudos_criticos": ["Poco tiempo"], "lista_cotejo": {f"GIA{i}": "si" for i in range(1, 8)}}

        async def con_acta() -> bool:
            r = await evid.post(f"/v1/reuniones/{gia}/acta", json=acta)
            assert r.status_code == 201, r.text
            return True
        await eventually(con_acta)
        al_dia()
        r = await evid.post(f"/v1/reuniones/{gia}/acta/correcciones", json={
            **acta, "acuerdos": ["Probar preguntas abiertas"], "motivo": "Faltaba precisar el acuerdo."})
        assert r.status_code == 201, r.text
        al_dia()
        # and agenda has heard of the reassignment and the withdrawal, and evidencias of agenda's changes of plan
        def cambios_oidos() -> bool:
            [de_ella], [retirado] = (vistas["agenda"].planes(docente_id=d) for d in (otra, retirada))
            carteras = {f.docente_id: (f.acompanante_id, f.activo) for f in vistas["evidencias"].filas(
                select(cartera.c.docente_id, cartera.c.acompanante_id, cartera.c.activo))}
            return (de_ella["acompanante_id"] == de_otra and not retirado["activo"]
                    and carteras[otra] == (de_otra, True) and not carteras[retirada][1])
        await eventually(cambios_oidos)
        al_dia()
        antes_de_cancelar = {n: v.checksum() for n, v in vistas.items()}

        # When the administrator cancels the titular's personal data, and every service has erased his key
        r = await foco.post(f"/v1/docentes/{titular}/cancelacion-datos", headers=ADMIN, json={
            "referencia": "EXP-2024-000777", "motivo": "solicitud_titular"})
        assert r.status_code == 201, r.text
        for n in ("agenda", "evidencias"):
            await eventually(lambda n=n: apps[n].cifrador.llavero.suprimida(f"docente:{titular}") is not None)
        # and the periodic purge has taken his photo out of the attachments' bucket
        await eventually(lambda: apps["evidencias"].proyecciones.ponerse_al_dia() == 0
                         and apps["evidencias"].proyecciones.adjuntos_por_purgar() == [])
        al_dia()
        vivas = {n: v.checksum() for n, v in vistas.items()}
        # (the cancellation shows in focalizacion's and evidencias' rows; agenda keeps its note encrypted as it was)
        assert vivas["focalizacion"] != antes_de_cancelar["focalizacion"]
        assert vivas["evidencias"] != antes_de_cancelar["evidencias"]

        for nombre, vista in vistas.items():
            assert tablas_con_filas(vista) >= 3, nombre
            # Then projected into copies of its tables (as into a new generation), it leaves the live ones as they
            # were and the copies hold their rows
            assert proyectada_en_copias(vista) == vivas[nombre], f"{nombre}: en otras tablas"
            # Then the read model rebuilt in place is the live one
            vista.reconstruir()
            assert vista.checksum() == vivas[nombre], f"{nombre}: reconstruido en su lugar"
            if nombre == "evidencias":  # (and what the purge took out is not left for it again)
                assert vista.adjuntos_por_purgar() == []
            # and so is a new projection object's rebuild over the same store
            nueva = closing(type(vista)(ajustes[nombre], apps[nombre], apps[nombre].cifrador))
            nueva.reconstruir()
            assert nueva.checksum() == vivas[nombre] == vista.checksum(), f"{nombre}: reconstruido por otra"
            # and a row changed behind the projection's back changes the checksum, until rebuilt again
            with vista.store.engine.begin() as conn:
                tabla = next(t for t in vista.tablas if conn.execute(select(t).limit(1)).first() is not None)
                fila = conn.execute(select(tabla).limit(1)).one()
                conn.execute(delete(tabla).where(*(c == fila._mapping[c.name] for c in tabla.primary_key)))
            assert vista.checksum() != vivas[nombre], f"{nombre}: la fila cambiada no se nota"
            vista.reconstruir()
            assert vista.checksum() == vivas[nombre]
