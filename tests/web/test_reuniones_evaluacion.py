"""The coach's GIA, RTC and talleres (programar, registrar, acta) and the formative evaluation of a docente
(situación inicial, valoración, cierre de etapa), from the phone through the outbox (issue 17)."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page

from tests.web.conftest import Sistema, capturar, ingresar
from tests.web.offline_apoyo import dia_libre, esperar
from tests.web.test_accesibilidad import revisar

UGEL = {"dre": "DRE-PUNO", "ugel": "UGEL-EL-COLLAO"}
ENVIADOS = ("registrado", "ya_registrado")


def enviado(page: Page, form: str, timeout: float = 90.0) -> str:
    """Wait until the last item the form queued is sent; a refusal fails with the service's reason."""
    fila = page.locator(f"{form} .cola-estados li").last
    fila.wait_for(state="attached", timeout=30_000)

    def estado() -> str | None:
        valor = fila.get_attribute("data-estado")
        if valor == "rechazado":
            raise AssertionError(f"{form} rechazado: {fila.inner_text()}")
        return valor if valor in ENVIADOS else None

    return esperar(estado, timeout, 0.5, f"{form} enviado", page)


def recargada(page: Page, comprobar: Any) -> Any:
    page.reload()
    return comprobar()


def marcar_todos(page: Page, form: str) -> list[str]:
    casillas = page.locator(f"{form} input[name=participantes]")
    for i in range(casillas.count()):
        casillas.nth(i).check()
    return [casillas.nth(i).get_attribute("value") for i in range(casillas.count())]


def test_el_acompanante_programa_y_registra_gia_rtc_y_talleres_con_sus_actas(sistema: Sistema, telefono: Any) -> None:
    # Given a coach whose school has no directivo registered: agenda refuses his RTC and he reads why
    page = telefono.new_page()
    ingresar(page, sistema, "acompanante")
    page.goto(sistema.web + "/reuniones")
    assert page.title() == "GIA, RTC y talleres · Acompaña"
    for titulo in ("Programar un GIA", "Programar una RTC", "Programar un taller", "Registrar un GIA realizado",
                   "Registrar una RTC realizada", "Registrar un taller realizado"):
        assert page.get_by_role("heading", name=titulo, exact=True).count() == 1, titulo
    assert page.locator("#pr-directivo option").first.get_attribute("value") == ""
    page.fill("#pr-fecha", dia_libre())
    page.get_by_role("button", name="Programar la RTC").click()
    rechazo = page.locator("form[data-cola=programar_rtc] .cola-estados li[data-estado=rechazado]")
    rechazo.wait_for(timeout=60_000)
    assert "no tiene directivo registrado" in rechazo.inner_text(), rechazo.inner_text()
    problemas = revisar(page, "reuniones-con-rechazo")  # axe (WCAG 2.2 AA) and 320 px, as every page

    # Given the coach of the IEI N°246, whose directivo agenda knows (she approved the school's own plan)
    page = coach_con_directivo(sistema, telefono)
    directivo = page.locator("#pr-directivo option").first
    escuela = directivo.inner_text().removeprefix("Directivo de la ")
    dias = {que: dia_libre() for que in ("gia", "pg", "rtc", "pr", "taller", "pt")}

    # When he schedules a GIA, an RTC and a taller
    page.select_option("#pg-ie", label=escuela)
    page.fill("#pg-fecha", dias["pg"])
    page.fill("#pg-tema", "Planificación de unidades")
    page.get_by_role("button", name="Programar el GIA").click()
    enviado(page, "form[data-cola=programar_gia]")
    page.select_option("#pr-ie", label=escuela)
    page.fill("#pr-fecha", dias["pr"])
    page.fill("#pr-tema", "Uso del tiempo en aula")
    page.get_by_role("button", name="Programar la RTC").click()
    enviado(page, "form[data-cola=programar_rtc]")
    page.fill("#pt-inicio", dias["pt"])
    page.fill("#pt-fin", dias["pt"])
    page.fill("#pt-sede", "Auditorio de la UGEL El Collao")
    page.get_by_role("button", name="Programar el taller").click()
    enviado(page, "form[data-cola=programar_taller]")

    # And records a GIA, an RTC and a taller held, with the docentes who took part
    page.select_option("#gia-ie", label=escuela)
    page.fill("#gia-fecha", dias["gia"])
    de_la_escuela = marcar_escuela(page, "form[data-cola=gia_completado]", escuela)
    page.fill("#gia-tema", "Retroalimentación formativa")
    page.get_by_role("button", name="Registrar el GIA").click()
    enviado(page, "form[data-cola=gia_completado]")
    page.select_option("#rtc-ie", label=escuela)
    page.fill("#rtc-fecha", dias["rtc"])
    marcar_escuela(page, "form[data-cola=rtc_realizada]", escuela)
    page.get_by_role("button", name="Registrar la RTC").click()
    enviado(page, "form[data-cola=rtc_realizada]")
    page.fill("#tr-inicio", dias["taller"])
    page.fill("#tr-fin", dias["taller"])
    page.fill("#tr-sede", "Auditorio de la UGEL El Collao")
    marcar_todos(page, "form[data-cola=taller_realizado]")
    page.get_by_role("button", name="Registrar el taller").click()
    enviado(page, "form[data-cola=taller_realizado]")

    # Then his list tells each one in a sentence with the school and the date
    page.goto(sistema.web + "/reuniones")
    lista = page.locator("#registradas + ul").inner_text()
    fecha = lambda iso: "/".join(reversed(iso.split("-")))  # noqa: E731
    for frase in (f"GIA programado en la {escuela}, el {fecha(dias['pg'])}",
                  f"RTC programada en la {escuela}, el {fecha(dias['pr'])}",
                  f"Taller programado en Auditorio de la UGEL El Collao, el {fecha(dias['pt'])}",
                  f"GIA realizado en la {escuela}, el {fecha(dias['gia'])}",
                  f"RTC realizada en la {escuela}, el {fecha(dias['rtc'])}",
                  f"Taller realizado en Auditorio de la UGEL El Collao, el {fecha(dias['taller'])}"):
        assert frase in lista, (frase, lista)
    capturar(page, "acompanante-reuniones-registradas")

    # When he writes the acta of the GIA and of the RTC
    for tipo, realizada, dia in (("GIA", "realizado", dias["gia"]), ("RTC", "realizada", dias["rtc"])):
        page.goto(sistema.web + "/reuniones")
        page.locator("#registradas + ul li").filter(has_text=f"{tipo} {realizada} en la {escuela}, el {fecha(dia)}") \
            .get_by_role("link", name="El acta").click()
        page.wait_for_url(re.compile(r"/reuniones/[0-9a-f-]{36}/acta$"))
        assert page.locator("select[name^=asistencia_]").count() == len(de_la_escuela)
        problemas += revisar(page, f"acta-{tipo.lower()}")
        page.fill("#acta-acuerdos", f"Acuerdo del {tipo}: compartir una sesión por semana")
        page.fill("#acta-nudos", "Poco tiempo para planificar")
        page.get_by_role("button", name="Registrar el acta").click()
        enviado(page, "form[data-cola=acta]")
        # Then the page reads the acta back from evidencias
        esperar(lambda: recargada(page, page.get_by_text("Acta registrada el").count), 60, 0.25,
                f"el acta del {tipo} registrada", page)
        acta = page.locator("main").inner_text()
        assert f"Acuerdo del {tipo}: compartir una sesión por semana" in acta and "Poco tiempo para planificar" in acta
        assert ": presente" in acta
        capturar(page, f"acompanante-acta-{tipo.lower()}")
        problemas += revisar(page, f"acta-{tipo.lower()}-registrada")
    assert problemas == []


def coach_con_directivo(sistema: Sistema, telefono: Any) -> Page:
    """Log in as each demo coach until one whose meetings page knows a school's directivo."""
    for indice in range(4):
        telefono.clear_cookies()
        page = telefono.new_page()
        ingresar(page, sistema, "acompanante", indice)
        page.goto(sistema.web + "/reuniones")
        if page.locator("#pr-directivo option").first.get_attribute("value"):
            return page
        page.close()
    raise AssertionError("ningún acompañante de la demostración tiene una IE con directivo registrado")


def marcar_escuela(page: Page, form: str, escuela: str) -> list[str]:
    """Tick the docentes of the coach's caseload who teach in ``escuela`` (the others belong elsewhere)."""
    de_ella = page.evaluate("""escuela => fetch('/cartera').then(r => r.text()).then(html => {
        const doc = new DOMParser().parseFromString(html, 'text/html');
        const seccion = [...doc.querySelectorAll('main section')]
            .find(s => (s.querySelector('h2') || {}).textContent === escuela);
        const enlaces = seccion ? [...seccion.querySelectorAll("a[href^='/docentes/']")] : [];
        return [...new Set(enlaces.map(a => a.getAttribute('href').split('/')[2]))];
    })""", escuela)
    assert de_ella, f"la cartera no muestra docentes de la {escuela}"
    for valor in de_ella:
        page.locator(f"{form} input[name=participantes][value='{valor}']").check()
    return de_ella


def test_situacion_inicial_valoracion_y_cierre_de_un_docente(sistema: Sistema, telefono: Any) -> None:
    # Given a docente of the coach's caseload with no evaluation yet, observed in a visit recorded now
    page = telefono.new_page()
    ingresar(page, sistema, "acompanante")
    page.goto(sistema.web + "/cartera")
    enlaces = page.locator("table th a[href^='/docentes/']").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    docente = next(d for d in (e.rsplit("/", 1)[1] for e in enlaces) if sin_evaluacion(page, sistema, d))
    dia = dia_libre()
    page.goto(f"{sistema.web}/docentes/{docente}/visita")
    page.fill("#fecha_inicio", dia)
    page.fill("#fecha_fin", dia)
    page.get_by_role("button", name="Registrar la realización").click()
    enviado(page, "form[data-cola=visita_realizada]")
    page.select_option("#nivel_D1", "III")
    page.fill("#evidencia_D1", "Todos los estudiantes participan en la asamblea de inicio.")
    page.get_by_role("button", name="Registrar la observación").click()
    enviado(page, "form[data-cola=observacion]")
    page.goto(f"{sistema.web}/docentes/{docente}/evaluacion")
    esperar(lambda: recargada(page, page.locator("input[name=evidencias]").count), 60, 0.25,
            "la observación aparece en la evaluación", page)

    # When he records the initial situation, a valuation and the closing of the stage
    page.fill("#si-fecha", dia)
    niveles = page.locator("form[data-cola=situacion_inicial] select[name^=nivel_]")
    for i in range(niveles.count()):
        niveles.nth(i).select_option("II")
    page.fill("#si-sustento", "Visita diagnóstica: planifica sola y sin criterios de evaluación.")
    page.get_by_role("button", name="Registrar la situación inicial").click()
    enviado(page, "form[data-cola=situacion_inicial]")
    page.select_option("#va-competencia", "C4")
    page.select_option("#va-nivel", "III")
    page.fill("#va-fecha", "2020-12-01")
    page.fill("#va-sustento", "Conduce la sesión con preguntas que hacen pensar.")
    page.get_by_role("button", name="Registrar la valoración").click()
    enviado(page, "form[data-cola=valoracion]")
    page.fill("#ci-fecha", "2020-12-10")
    niveles = page.locator("form[data-cola=cierre_etapa] select[name^=nivel_]")
    for i in range(niveles.count()):
        niveles.nth(i).select_option("III")
    page.get_by_role("button", name="Registrar el cierre de la etapa").click()
    enviado(page, "form[data-cola=cierre_etapa]")

    # Then his evaluation page shows the initial level, the valuation and the level reached
    fila = page.get_by_role("row", name=re.compile("C4: Conduce el proceso de enseñanza"))
    esperar(lambda: recargada(page, lambda: "III" in fila.locator("td").nth(1).inner_text()), 60, 0.25,
            "la valoración en la tabla", page)
    celdas = fila.locator("td").all_inner_texts()
    assert celdas == ["II", "III el 01/12/2020", "III"], celdas
    capturar(page, "acompanante-evaluacion-registrada")
    # And evaluacion holds them, read through its API as the UGEL's especialista
    token = sistema.token("esp-ugel-el-collao", "especialista_ugel", **UGEL)
    progreso = sistema.api("evaluacion", f"/docentes/{docente}/progreso", token)
    c4 = next(c for c in progreso["competencias"] if c["competencia"] == "C4")  # type: ignore[index]
    assert c4["inicial"]["nivel"] == "II" and [v["nivel"] for v in c4["valoraciones"]] == ["III"], c4
    assert c4["etapas"][-1]["logrado"] == "III", c4


def sin_evaluacion(page: Page, sistema: Sistema, docente: str) -> bool:
    """The docente's evaluation page shows no initial level and no observation yet."""
    page.goto(f"{sistema.web}/docentes/{docente}/evaluacion")
    iniciales = page.locator("table tbody td:nth-child(2)").all_inner_texts()
    return not any(t.strip() for t in iniciales) and page.locator("input[name=evidencias]").count() == 0
