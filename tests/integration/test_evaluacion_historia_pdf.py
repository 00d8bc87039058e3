"""A docente's history in PDF with the names the reader may see: the caller (the web, which asked
focalizacion for them) hands them in the body; the read is recorded like any other, and the names are
printed, never stored."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, date, datetime

from pypdf import PdfReader

from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.main import create_app
from shared.contracts import Envelope, VisitaRealizadaV1
from tests.conftest import eventually, serving
from tests.support.stream import encadenados

AUDITOR = {"X-Usuario": "auditor-01", "X-Rol": "auditor"}


async def test_la_historia_en_pdf_con_los_nombres_que_trae_quien_la_pide(make_settings, js):
    # Given a visit to a docente, published by agenda and projected by evaluacion
    app = create_app(make_settings(EvaluacionSettings))
    docente, acompanante = uuid.uuid4(), uuid.uuid4()
    datos = VisitaRealizadaV1(visita_id=uuid.uuid4(), docente_id=docente, acompanante_id=acompanante,
                              codigo_modular="0236885", anexo=0, dre="DRE-PUNO", ugel="UGEL-EL-COLLAO", anio=2025,
                              fecha_inicio=date(2025, 6, 2), fecha_fin=date(2025, 6, 2), dias=1,
                              acciones=["observacion"])
    [env] = encadenados([Envelope.wrap(servicio="agenda", position=1, data=datos, subject="docente/x",
                                       time=datetime(2025, 6, 2, 15, tzinfo=UTC), dre="DRE-PUNO",
                                       ugel="UGEL-EL-COLLAO")])
    async with serving(app) as http:
        await js.publish(env.nats_subject, env.payload(), headers=env.headers())
        await eventually(lambda: app.state.runtime.al_dia(0.0), timeout=60.0)
        # When the auditor asks for the PDF, with the names he may see and his reason
        nombres = {"personas": {str(docente): "María Quispe", str(acompanante): "Rosa Mamani"},
                   "escuelas": {"0236885-0": "IEI N°246"}}
        pdf = await http.post(f"/v1/docentes/{docente}/historia.pdf", json=nombres, headers=AUDITOR,
                              params={"motivo": "Control posterior de la etapa"})
        # and without a reason, or with a school that is not a «código modular-anexo»
        sin_motivo = await http.post(f"/v1/docentes/{docente}/historia.pdf", json=nombres, headers=AUDITOR)
        mal = await http.post(f"/v1/docentes/{docente}/historia.pdf", headers=AUDITOR,
                              params={"motivo": "Control posterior"}, json={"escuelas": {"IEI 246": "IEI N°246"}})
        accesos = app.state.evaluacion.accesos(str(docente))  # what the docente reads in /accesos
    # Then the PDF tells the visit in a sentence, with the names
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    texto = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Historia de María Quispe" in texto
    assert "Rosa Mamani lo visitó en IEI N°246 el 02/06/2025." in texto, texto
    assert str(docente) not in texto and str(acompanante) not in texto
    # and a read without its reason, or a bad body, is refused with the field and the reason
    assert sin_motivo.status_code == 422 and "motivo" in sin_motivo.text
    assert mal.status_code == 422 and "escuelas" in mal.text
    # and the read is recorded with its reason, as any other (the names are not stored)
    assert [(a["usuario"], a["motivo"], a["consulta"]["formato"]) for a in accesos] == [
        ("auditor-01", "Control posterior de la etapa", "pdf")]
    assert "Rosa Mamani" not in str(accesos)
