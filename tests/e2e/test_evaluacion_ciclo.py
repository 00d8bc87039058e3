"""A three-year cycle for real: the four services on a real nats-server, 45 to 70 docentes in two or three
UGELs and every school type, everything through their public APIs; evaluacion's per-etapa results
checked against a computation of the test's own from the raw generated data; a report as of the end
of each etapa that later events do not change; a re-delivered event that changes nothing; and the
projections rebuilt from the stream into the same content.
"""

from __future__ import annotations

import io
import uuid
from datetime import UTC, date, datetime

import openpyxl
import pypdf
import pytest
from nats.js import JetStreamContext

from services.agenda.config import AgendaSettings
from services.agenda.main import create_app as agenda_app
from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.main import create_app as evaluacion_app
from services.evaluacion.rebuild import reconstruir
from services.evidencias.config import EvidenciasSettings
from services.evidencias.main import create_app as evidencias_app
from services.focalizacion.config import FocalizacionSettings
from services.focalizacion.main import create_app as focalizacion_app
from tests.conftest import serving
from tests.support.ciclo import AGRUPACIONES, Ciclo, esperar, resultados_independientes
from tests.support.padron import focalizar, generar
from tests.support.stream import consumido, stream_messages
POR = ("ie", "ugel", "dre", "tipo_ie", "nacional")
# The size of the world per store: every school type, several UGELs, no larger (the cycle's work grows with its
# docentes: 69 on SQLite in three UGELs, 45 on PostgreSQL in two; same code paths); scale is measured by bench/.
MUNDO = {"sqlite": {"escuelas": 30, "ugeles": 3, "minimo": 60}, "postgres": {"escuelas": 20, "ugeles": 2, "minimo": 40}}


async def resultados(evaluacion, etapa: int, por: str, al: datetime | None = None) -> list[dict]:
    params = {"convocatoria": "2020-2022", "etapa": etapa, "por": por}
    if al is not None:
        params["al"] = al.isoformat()
    r = await evaluacion.get("/v1/resultados-etapa", params=params)
    assert r.status_code == 200, r.text
    assert r.json()["etapa"] == etapa and "registrado hasta" in r.json()["nota"]
    return r.json()["resultados"]


def comparar(filas: list[dict], esperado: dict[tuple, dict], por: str) -> None:
    obtenido = {(*(f[k] for k in AGRUPACIONES[por]), f["competencia"]): f for f in filas}
    assert set(obtenido) == set(esperado), por
    for clave, e in esperado.items():
        f = obtenido[clave]
        assert {k: f[k] for k in e} == e, (por, clave)
        assert f["sin_cierre"] == 0 and f["sin_meta"] == 0


@pytest.mark.timeout(600)
async def test_un_ciclo_de_tres_etapas(make_settings, store_kind, nats_server, js):
    mundo = MUNDO[store_kind]
    padron = generar(mundo["escuelas"], ugeles=mundo["ugeles"], seed=11, docentes_por_escuela=6,
                     acompanantes_por_ugel=16)
    evaluacion_settings = make_settings(EvaluacionSettings)
    async with serving(focalizacion_app(make_settings(FocalizacionSettings))) as focalizacion, \
            serving(agenda_app(make_settings(AgendaSettings))) as agenda, \
            serving(evidencias_app(make_settings(EvidenciasSettings))) as evidencias, \
            serving(evaluacion_app(evaluacion_settings)) as evaluacion:
        # Given the padrón of the UGELs, targeted and assigned in focalizacion
        _, asignados = await focalizar(focalizacion, padron)
        assert asignados >= mundo["minimo"]

        # and, through the stream, their plans in agenda
        ciclo = Ciclo(agenda, evidencias, evaluacion)
        ciclo.conocer(await ciclo.planes(2020, asignados))
        ciclo.decidir_niveles()
        docentes = list(ciclo.docentes.values())
        assert len({d.tipo_ie for d in docentes}) == 5 and len({d.ugel for d in docentes}) == mundo["ugeles"]

        cortes: dict[int, datetime] = {}
        al_corte: dict[tuple[int, str], list[dict]] = {}
        logrado_al_corte: dict[int, dict[str, dict[str, str]]] = {}
        corregidos = docentes[:5]
        for anio in (2020, 2021, 2022):
            etapa = anio - 2019
            if anio > 2020:
                r = await agenda.post("/v1/planes/generacion", json={"anio": anio})
                assert r.status_code == 200, r.text
                await ciclo.planes(anio, asignados)
            # When each acompañante records his visits, their observations and his valuations and closes
            primeras = await ciclo.visitar(anio, (date(anio, 4, 6), date(anio, 9, 1)) if anio == 2021 else None)
            await ciclo.observar(anio, primeras)
            await ciclo.valorar_y_cerrar(anio, primeras)
            if anio == 2021:  # a late correction of five etapa-1 closes
                for d in corregidos:
                    await ciclo.corregir_cierre(d, 2020, date(2021, 3, 20))

            visto: list = []

            async def cerrada() -> bool:
                visto[:] = filas = await resultados(evaluacion, etapa, "nacional")
                cierres = {f["competencia"]: f["con_cierre"] for f in filas}
                completa = all(cierres.get(c) == len(docentes) for c in ("C2", "C3", "C4", "C5")) and \
                    cierres.get("C6", 0) + cierres.get("C7", 0) == len(docentes)
                return completa and (
                    anio != 2021 or await _corregidos(evaluacion, corregidos))
            try:
                await esperar(cerrada)
            except AssertionError:
                raise AssertionError(f"etapa {etapa}: {len(docentes)} docentes; {visto}") from None
            cortes[etapa] = datetime.now(UTC)
            logrado_al_corte[etapa] = {d.id: dict(d.logrado[etapa]) for d in docentes}
            for por in POR:
                al_corte[(etapa, por)] = await resultados(evaluacion, etapa, por, cortes[etapa])

        # Then the results of each etapa equal the test's own computation, by every grouping
        for etapa in (1, 2, 3):
            logrado = {d.id: d.logrado[etapa] for d in docentes}
            for por in POR:
                comparar(await resultados(evaluacion, etapa, por), resultados_independientes(
                    docentes, logrado, etapa, por), por)
        # and each report as of the end of its etapa is what it was then, with what was known then
        for (etapa, por), filas in al_corte.items():
            assert await resultados(evaluacion, etapa, por, cortes[etapa]) == filas
            comparar(filas, resultados_independientes(docentes, logrado_al_corte[etapa], etapa, por), por)
        assert await resultados(evaluacion, 1, "ie", cortes[1]) != await resultados(evaluacion, 1, "ie")

        # and the seguimiento matrix counts each year's visits (two per docente in 2021, one otherwise)
        for anio in (2020, 2021, 2022):
            r = (await evaluacion.get("/v1/seguimiento", params={"anio": anio, "por": "nacional"})).json()
            assert r["cumplimiento"][0]["docentes"] == len(docentes)
            assert r["cumplimiento"][0]["visitas_realizado"] == (2 if anio == 2021 else 1) * len(docentes)

        # and a UGEL's quarterly report counts what happened in each quarter
        ugel = docentes[0].ugel
        de_la_ugel = sum(d.ugel == ugel for d in docentes)
        for trimestre, visitas, valoraciones in ((2, de_la_ugel, 0), (4, 2 * de_la_ugel, de_la_ugel)):
            r = (await evaluacion.get(f"/v1/informes-trimestrales/{ugel}",
                                      params={"anio": 2021, "trimestre": trimestre})).json()
            assert {k: r["resumen"][0][k] for k in ("docentes", "visitas_realizadas", "valoraciones")} == {
                "docentes": de_la_ugel, "visitas_realizadas": visitas, "valoraciones": valoraciones}
        r = await evaluacion.get(f"/v1/informes-trimestrales/{ugel}",
                                 params={"anio": 2021, "trimestre": 4, "formato": "xlsx"})
        assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
        hojas = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True).sheetnames
        assert hojas == ["portada", "resumen", "valoraciones", "cumplimiento", "satisfacción", "calidad", "envío",
                         "medidas"]  # the cover first; envío, medidas: the report's course to the DRE

        # and a re-delivered close (same event id, published again) changes nothing
        proyecciones = evaluacion._transport.app.state.proyecciones
        await esperar(lambda: consumido(js, "evaluacion-hechos"))
        antes = proyecciones.checksums()
        await _republicar_un_cierre(js)
        await esperar(lambda: consumido(js, "evaluacion-hechos"))
        assert proyecciones.checksums() == antes

        # and rebuilding every projection from the stream gives the same content, while the service answers
        rebuild = await reconstruir(evaluacion_settings, nats_server.url, [], quiet=True)
        assert {n: s.split()[1] for n, s in rebuild.items()} == antes
        assert proyecciones.checksums() == antes
        for etapa in (1, 2, 3):
            comparar(await resultados(evaluacion, etapa, "ugel"), resultados_independientes(
                docentes, {d.id: d.logrado[etapa] for d in docentes}, etapa, "ugel"), "ugel")

        # and a docente's history holds every fact about him, from the four services, in order
        d = corregidos[0]
        auditor = {"X-Usuario": "auditor-01", "X-Rol": "auditor", "X-Motivo": "Control posterior"}
        r = await evaluacion.get(f"/v1/docentes/{d.id}/historia", headers=auditor,
                                 params={"por_pagina": 500, "motivo": "Revisión de la etapa 1"})
        assert r.status_code == 200, r.text
        historia = r.json()
        cuantos: dict[tuple[str, str], int] = {}
        for h in historia["hechos"]:
            cuantos[(h["servicio"], h["evento"])] = cuantos.get((h["servicio"], h["evento"]), 0) + 1
        assert cuantos == {
            ("focalizacion", "DocenteRegistradoEnIE"): 1, ("focalizacion", "DocenteAsignado"): 1,
            ("agenda", "PlanAnualGenerado"): 3,
            ("agenda", "VisitaRealizada"): 4, ("evidencias", "ObservacionRegistrada"): 3,
            ("evaluacion", "SituacionInicialRegistrada"): 1, ("evaluacion", "NivelCompetenciaValorado"): 3,
            ("evaluacion", "EtapaCerrada"): 4}
        assert historia["total"] == 20
        orden = [(h["registrado_en"], h["secuencia"]) for h in historia["hechos"]]
        assert orden == sorted(orden)
        cierre = next(h for h in historia["hechos"] if h["evento"] == "EtapaCerrada")
        assert (cierre["usuario"], cierre["rol"]) == ("sistema", "sistema") and len(cierre["traza"]) == 32
        assert {h["contenido"]["anio"] for h in (await evaluacion.get(
            f"/v1/docentes/{d.id}/historia", params={"etapa": 2}, headers=auditor)).json()["hechos"]} == {2021}
        al_corte = (await evaluacion.get(f"/v1/docentes/{d.id}/historia",
                                         params={"al": cortes[1].isoformat()}, headers=auditor)).json()
        # registered in his school, assigned, plan, visit, observation, initial, C4, close
        assert al_corte["total"] == 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1
        assert al_corte["estado_al"]["competencias"][0]["etapas"][0]["logrado"] == logrado_al_corte[1][d.id]["C2"]
        pdf = await evaluacion.get(f"/v1/docentes/{d.id}/historia", params={"formato": "pdf"}, headers=auditor)
        texto = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
        assert pdf.headers["content-type"] == "application/pdf" and "20 hechos" in texto
        # told in sentences (who, where, when), never by the facts' technical names nor by ids
        assert "lo visitó en la IE de código modular" in texto and "Se cerró la etapa 1" in texto, texto[:800]
        assert "VisitaRealizada" not in texto and d.id not in texto and d.acompanante not in texto, texto[:800]
        # and the docente reads his own history without a reason, and sees who else read it and why
        propio = {"X-Usuario": d.id, "X-Rol": "docente"}
        assert (await evaluacion.get(f"/v1/docentes/{d.id}/historia", headers=propio)).json()["total"] == 20
        accesos = (await evaluacion.get(f"/v1/docentes/{d.id}/accesos", headers=propio)).json()
        assert [(a["usuario"], a["motivo"]) for a in accesos] == [("auditor-01", "Revisión de la etapa 1")] + [
            ("auditor-01", "Control posterior")] * 3
        assert (await evaluacion.get(f"/v1/docentes/{d.id}/historia", headers={"X-Rol": "auditor"})).status_code == 422
        assert (await evaluacion.get(f"/v1/docentes/{d.id}/historia",
                                     headers={"X-Rol": "acompanante", "X-Usuario": d.acompanante})).status_code == 403
        # and every service's chain holds in the audit ledger, and its seals match it
        cadenas = (await evaluacion.get("/v1/auditoria/cadenas", headers={"X-Rol": "auditor"})).json()
        assert {s["servicio"] for s in cadenas["servicios"]} == {"focalizacion", "agenda", "evidencias", "evaluacion"}
        assert cadenas["problemas"] == [] and all(s["pendiente"] == s["roto"] == 0 for s in cadenas["servicios"])
        assert all(s["coincide"] is True for s in cadenas["sellos"])


async def _corregidos(evaluacion, corregidos) -> bool:
    for d in corregidos:
        # read by the minedu: an auditor's reads are facts of their own (shared.lecturas), not what is awaited here
        r = (await evaluacion.get(f"/v1/docentes/{d.id}/progreso", headers={"X-Rol": "minedu"})).json()
        c3 = next(c for c in r["competencias"] if c["competencia"] == "C3")
        if c3["etapas"][0]["logrado"] != d.logrado[1]["C3"]:
            return False
    return True


async def _republicar_un_cierre(js: JetStreamContext) -> None:
    [msg, *_] = await stream_messages(js, "acompana.evaluacion.EtapaCerrada.v1.>")
    headers = dict(msg.headers)
    headers["Nats-Msg-Id"] = f"republicado-{uuid.uuid4()}"  # past the dedupe: the same ce-id again
    ack = await js.publish(msg.subject, msg.data, headers=headers)
    assert not ack.duplicate
