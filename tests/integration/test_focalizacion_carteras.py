"""Caseloads (NT-026 §5.4): every assignment within its ratio, schools kept together, UGELs
never mixed, and a coach's departure hands every docente over exactly once."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest

from services.focalizacion import comandos as cmd
from services.focalizacion.application import Focalizacion
from services.focalizacion.config import FocalizacionSettings
from shared.eventstore import DomainError
from shared.telemetry import Actor, current_actor
from tests.support.padron import Padron, escuela, primarias_urbanas

CONV = "2020-2022"
DIFICIL_ACCESO = cmd.ExcepcionRatio(limite=16, justificacion="IE de difícil acceso")


def mundo() -> Padron:
    """UGEL-A: six urban polidocente primaria schools (ratio 15) of 6, 9, 4, 12, 20 and 3
    docentes and three coaches; UGEL-B: two such schools (one without registered docentes; a UGEL needs more than one IE, §5.6.3 a) and one coach."""
    return primarias_urbanas({"UGEL-A": [6, 9, 4, 12, 20, 3], "UGEL-B": [10, 0]}, {"UGEL-A": 3, "UGEL-B": 1},
                             primer_codigo=2000000, primer_dni=41000000)


@pytest.fixture
def focalizacion(make_settings, closing) -> Focalizacion:
    app = closing(Focalizacion(make_settings(FocalizacionSettings)))
    app.publicar_reglas_incluidas()
    p = mundo()
    assert not app.importar_ies(p.csv("ies"))["rechazadas"]
    assert not app.importar_docentes(p.csv("docentes"))["rechazadas"]
    assert not app.importar_acompanantes(p.csv("acompanantes"))["rechazadas"]
    app.abrir_convocatoria(cmd.AbrirConvocatoria(CONV, 2020, 2022, "NT-026"))
    assert app.ejecutar_focalizacion(CONV)["focalizadas"] == 8
    return app


def carteras(app: Focalizacion, ugel: str | None = None) -> list[dict]:
    return app.proyecciones.carteras(CONV, ugel)


def test_asignacion_respeta_la_ratio_y_no_mezcla_ugel(focalizacion):
    # When the caseloads are assigned
    resumen = focalizacion.asignar_carteras(CONV)
    # Then 45 docentes of UGEL-A fit in 3 caseloads of 15, 9 are left (the least prioritised
    # school, reported), and UGEL-B's school goes to its own coach
    por_ugel = {c["ugel"]: [] for c in carteras(focalizacion)}
    for c in carteras(focalizacion):
        assert c["docentes"] <= c["limite"] == 15
        por_ugel[c["ugel"]].append(c)
    assert sum(c["docentes"] for c in por_ugel["UGEL-A"]) == 45
    assert resumen["docentes_sin_cubrir"] == 54 - 45
    assert {s["ugel"] for s in resumen["escuelas_sin_cubrir"]} == {"UGEL-A"}
    assert [c["docentes"] for c in por_ugel["UGEL-B"]] == [10]
    # and the school of 20 (more than one caseload) is split in two, while the school of 12,
    # next in priority, goes whole to the coach with room for it
    escuelas_de = Counter(e for c in por_ugel["UGEL-A"] for e in c["escuelas"])
    assert escuelas_de["2000004-0"] == 2
    assert escuelas_de["2000003-0"] == 1
    # and re-running assigns nothing twice
    assert focalizacion.asignar_carteras(CONV)["docentes_asignados"] == 0


def test_exceder_la_ratio_se_rechaza_salvo_excepcion_autorizada(focalizacion):
    focalizacion.asignar_carteras(CONV)
    llena = next(c for c in carteras(focalizacion, "UGEL-A") if c["docentes"] == 15)
    asignados = {a for c in carteras(focalizacion) for a in c["docente_ids"]}
    libre = next(str(focalizacion.docente_id(d["dni"])) for d in _docentes(focalizacion, "UGEL-A")
                 if str(focalizacion.docente_id(d["dni"])) not in asignados)
    antes = focalizacion.recorder.max_notification_id()
    # When a docente is assigned to a full caseload, it is refused with the reason, nothing recorded
    with pytest.raises(DomainError, match="La ratio no lo permite.*límite es 15"):
        focalizacion.asignar_docente(cmd.AsignarDocente(CONV, _uuid(libre), _uuid(llena["acompanante_id"])))
    # and no role but the acompañante's UGEL specialist records an exception (the DRE and the ministry neither)
    for rol in ("acompanante", "especialista_dre", "minedu", "administrador"):
        token = current_actor.set(Actor(f"u-{rol}", rol))
        try:
            with pytest.raises(DomainError, match="no puede autorizar"):
                focalizacion.asignar_docente(cmd.AsignarDocente(CONV, _uuid(libre), _uuid(llena["acompanante_id"]),
                                                              excepcion=DIFICIL_ACCESO))
        finally:
            current_actor.reset(token)
    assert focalizacion.recorder.max_notification_id() == antes
    # When a UGEL specialist records the exception with its justification, the assignment goes in
    token = current_actor.set(Actor("esp.ugel", "especialista_ugel"))
    try:
        focalizacion.asignar_docente(cmd.AsignarDocente(CONV, _uuid(libre), _uuid(llena["acompanante_id"]),
                                                      excepcion=DIFICIL_ACCESO))
    finally:
        current_actor.reset(token)
    cartera = next(c for c in carteras(focalizacion) if c["acompanante_id"] == llena["acompanante_id"])
    assert (cartera["docentes"], cartera["limite"]) == (16, 16)
    assert cartera["excepciones"][0]["autorizado_por"] == "esp.ugel"
    # and a coach of another UGEL is refused (UGELs never mix)
    otro = carteras(focalizacion, "UGEL-B")[0]["acompanante_id"]
    with pytest.raises(DomainError, match="no está incorporado en la UGEL-A"):
        focalizacion.reasignar_docente(cmd.ReasignarDocente(CONV, _uuid(libre), _uuid(otro), "prueba"))


def test_el_retiro_de_un_acompanante_traspasa_cada_docente_una_sola_vez(focalizacion):
    # Given UGEL-A with five coaches (room for 75) and its 54 docentes assigned
    _acompanante_nuevo(focalizacion, "UGEL-A", "49999998")
    _acompanante_nuevo(focalizacion, "UGEL-A", "49999999")
    focalizacion.asignar_carteras(CONV)
    antes = {c["acompanante_id"]: set(c["docente_ids"]) for c in carteras(focalizacion, "UGEL-A")}
    todos = set().union(*antes.values())
    assert len(todos) == 54
    saliente = max(antes, key=lambda a: (len(antes[a]), a))
    # When the fullest coach leaves, the caseload is spread over the others, one event per docente
    resultado = focalizacion.retirar_acompanante(cmd.RetirarAcompanante(CONV, _uuid(saliente), "renuncia"))
    assert set(resultado["destinos"]) == antes[saliente] and saliente not in resultado["destinos"].values()
    despues = carteras(focalizacion, "UGEL-A")
    # Then every docente is assigned exactly once, none to the coach who left, all within ratio
    asignados = Counter(d for c in despues for d in c["docente_ids"])
    assert set(asignados) == todos and set(asignados.values()) == {1}
    retirado = next(c for c in despues if c["acompanante_id"] == saliente)
    assert (retirado["activo"], retirado["docentes"], retirado["estado"]) == (False, 0, "retirado")
    assert all(c["docentes"] <= c["limite"] for c in despues if c["activo"] and c["docentes"])
    # and the docente's history keeps both steps
    uno = sorted(antes[saliente])[0]
    historia = focalizacion.proyecciones.asignacion_de(uno)
    assert [h["evento"] for h in historia["historial"]] == ["DocenteAsignado", "DocenteReasignado"]
    assert historia["historial"][0]["acompanante_id"] == saliente
    assert historia["asignaciones"][0]["acompanante_id"] == resultado["destinos"][uno]

    # When another full coach leaves and the rest have no room, it is refused and nothing recorded
    otro = max((c for c in despues if c["activo"]), key=lambda c: (c["docentes"], c["acompanante_id"]))
    posicion = focalizacion.recorder.max_notification_id()
    with pytest.raises(DomainError, match="No hay cupo para traspasar"):
        focalizacion.retirar_acompanante(cmd.RetirarAcompanante(CONV, _uuid(otro["acompanante_id"]), "renuncia"))
    assert focalizacion.recorder.max_notification_id() == posicion
    # but with a replacement who joins, the whole caseload goes to the replacement
    reemplazo = _acompanante_nuevo(focalizacion, "UGEL-A", "49999997")
    focalizacion.retirar_acompanante(cmd.RetirarAcompanante(CONV, _uuid(otro["acompanante_id"]), "renuncia",
                                                         reemplazo=reemplazo))
    final = {c["acompanante_id"]: c for c in carteras(focalizacion, "UGEL-A")}
    assert set(final[str(reemplazo)]["docente_ids"]) == set(otro["docente_ids"])
    assert Counter(d for c in final.values() for d in c["docente_ids"]) == Counter(todos)
    # and the projection rebuilt from zero gives the same caseloads
    focalizacion.proyecciones.reconstruir()
    assert {c["acompanante_id"]: c for c in carteras(focalizacion, "UGEL-A")} == final


def _docentes(app: Focalizacion, ugel: str) -> list[dict]:
    from services.focalizacion import projections as vistas
    return [d for d in app.proyecciones.datos_registro(vistas.docente).values() if d["ugel"] == ugel]


def _acompanante_nuevo(app: Focalizacion, ugel: str, dni: str):
    csv = f"DNI,APELLIDOS,NOMBRES,COD_DRE,CODOOII,TIPO\n{dni},Ccama,Rut,DRE-X,{ugel},polidocente_primaria\n"
    assert app.importar_acompanantes(csv.encode())["nuevas"] == 1
    nuevo = app.acompanante_id(dni)
    assert app.incorporar_acompanante(cmd.IncorporarAcompanante(CONV, nuevo))
    return nuevo


def _uuid(valor: str):
    from uuid import UUID
    return UUID(valor)


# --- NT-026 §5.6.2 b: "A mayor dispersión de II.EE. focalizadas, la cantidad de docentes a acompañar
# será menor (seis a ocho docentes). A menor dispersión de las II.EE., el número de docentes a acompañar
# será mayor (ocho a diez docentes)." -------------------------------------------------------------------

def mundo_multigrado() -> Padron:
    """Two UGELs with two multigrado schools each of 4 and 3 registered docentes and one coach:
    in UGEL-DISP the schools are 22 km apart (dispersed: 6 to 8), in UGEL-CONC 1 km (concentrated: 8 to 10)."""
    p = Padron()
    dni = 42000000
    for ugel, latitudes in (("UGEL-DISP", (-16.0, -16.2)), ("UGEL-CONC", (-16.0, -16.009))):
        for i, (lat, n) in enumerate(zip(latitudes, (4, 3), strict=True)):
            cod = f"{3000000 + len(p.ies):07d}"
            p.ies.append(escuela(cod, nombre=f"IE {ugel} {i}", nivel="primaria", caracteristica="multigrado",
                                 dre="DRE-X", ugel=ugel, ruralidad="1", docentes=4, lat=lat, lon=-69.6))
            for _ in range(n):
                dni += 1
                p.docentes.append({"DNI": str(dni), "APELLIDOS": "Quispe", "NOMBRES": "Ana", "COD_MOD": cod,
                                   "ANEXO": "0", "NIVEL": "primaria", "COD_PLAZA": "", "CONDICION": "Nombrado"})
        dni += 1
        p.acompanantes.append({"DNI": str(dni), "APELLIDOS": "Mamani", "NOMBRES": "Luis", "COD_DRE": "DRE-X",
                               "CODOOII": ugel, "TIPO": "multigrado"})
    return p


def test_una_cartera_bajo_el_minimo_de_su_banda_se_senala(make_settings, closing):
    # Given each UGEL's coach holding the 7 docentes of its two multigrado schools
    app = closing(Focalizacion(make_settings(FocalizacionSettings)))
    app.publicar_reglas_incluidas()
    p = mundo_multigrado()
    for que, importar in (("ies", app.importar_ies), ("docentes", app.importar_docentes),
                          ("acompanantes", app.importar_acompanantes)):
        assert not importar(p.csv(que))["rechazadas"]
    app.abrir_convocatoria(cmd.AbrirConvocatoria(CONV, 2020, 2022, "NT-026"))
    assert app.ejecutar_focalizacion(CONV)["focalizadas"] == 4
    app.asignar_carteras(CONV)
    # When the caseload report is read
    [dispersa] = carteras(app, "UGEL-DISP")
    [concentrada] = carteras(app, "UGEL-CONC")
    # Then 7 docentes fit the dispersed band (6 to 8) and are not flagged
    assert (dispersa["docentes"], dispersa["minimo"], dispersa["limite"]) == (7, 6, 8)
    assert dispersa["bajo_minimo"] is False and dispersa["aviso"] is None
    # and the same 7 are below the concentrated band (8 to 10): flagged, with the reason
    assert (concentrada["docentes"], concentrada["minimo"], concentrada["bajo_minimo"]) == (7, 8, True)
    assert concentrada["aviso"] == "Tiene 7 docentes, menos que el mínimo de su banda de ratio (8; NT-026 §5.6.2 b)."


def test_una_ratio_fija_no_tiene_minimo(focalizacion):
    # Given urban polidocente primaria schools (a fixed "quince docentes por acompañante")
    focalizacion.asignar_carteras(CONV)
    # Then no caseload has a minimum, and none is flagged however few docentes it holds
    assert all(c["minimo"] is None and c["bajo_minimo"] is False for c in carteras(focalizacion))


async def test_la_cartera_y_el_acompanante_de_un_docente_son_los_de_la_convocatoria_mas_reciente(make_settings):
    """The convocatoria in force (none is, in this test's years: the latest begun) is read from its years,
    not from the order of its code as text; a caseload lists only that convocatoria's docentes."""
    from services.focalizacion.main import create_app
    from tests.conftest import serving
    http_app = create_app(make_settings(FocalizacionSettings))
    app: Focalizacion = http_app.state.runtime.app
    async with serving(http_app) as http:
        # Given UGEL-B's ten docentes assigned to its coach in the 2020-2022 convocatoria,
        p = mundo()
        assert not app.importar_ies(p.csv("ies"))["rechazadas"]
        assert not app.importar_docentes(p.csv("docentes"))["rechazadas"]
        assert not app.importar_acompanantes(p.csv("acompanantes"))["rechazadas"]
        app.abrir_convocatoria(cmd.AbrirConvocatoria(CONV, 2020, 2022, "NT-026"))
        app.ejecutar_focalizacion(CONV)
        assert app.asignar_carteras(CONV, "UGEL-B")["docentes_asignados"] == 10
        [coach] = app.proyecciones.carteras(CONV, "UGEL-B")
        # and again in a later one whose code sorts before it as text ("0-2021" < "2020-2022"),
        app.abrir_convocatoria(cmd.AbrirConvocatoria("0-2021", 2021, 2022, "NT-026"))
        app.ejecutar_focalizacion("0-2021")
        assert app.asignar_carteras("0-2021", "UGEL-B")["docentes_asignados"] == 10
        # where one docente is handed to a new coach
        csv = "DNI,APELLIDOS,NOMBRES,COD_DRE,CODOOII,TIPO\n49000001,Ccama,Rut,DRE-X,UGEL-B,polidocente_primaria\n"
        assert app.importar_acompanantes(csv.encode())["nuevas"] == 1
        nuevo = app.acompanante_id("49000001")
        assert app.incorporar_acompanante(cmd.IncorporarAcompanante("0-2021", nuevo))
        un_docente = _asignados(app, "0-2021", coach["acompanante_id"])[0]
        app.reasignar_docente(cmd.ReasignarDocente("0-2021", _uuid(un_docente), nuevo, "Cambio de ruta"))

        # When the web asks for the first coach's caseload and that docente's acompañante
        r = await http.get(f"/v1/acompanantes/{coach['acompanante_id']}/cartera")
        assert r.status_code == 200, r.text
        cartera = r.json()
        persona = (await http.get(f"/v1/docentes/{un_docente}/persona")).json()

        # Then the caseload is the later convocatoria's nine docentes, once each, with their school's name
        assert len(cartera["docentes"]) == len({d["docente_id"] for d in cartera["docentes"]}) == 9
        assert un_docente not in {d["docente_id"] for d in cartera["docentes"]}
        assert [e["nombre"] for e in cartera["escuelas"]] == ["IE UGEL-B 0"]
        # and the docente's acompañante is his new coach, and his school is named
        assert persona["acompanante"]["acompanante_id"] == str(nuevo)
        assert persona["ie"]["nombre"] == "IE UGEL-B 0"
        # and a person the padrón does not hold is not found (404), on each of the three routes
        nadie = uuid.uuid4()
        for ruta, quien in ((f"/v1/docentes/{nadie}/persona", "docente"),
                            (f"/v1/acompanantes/{nadie}/persona", "acompañante"),
                            (f"/v1/acompanantes/{nadie}/cartera", "acompañante")):
            r = await http.get(ruta)
            assert r.status_code == 404 and f"No existe el {quien} {nadie}" in r.text, (ruta, r.text)


def _asignados(app: Focalizacion, convocatoria: str, acompanante_id: str) -> list[str]:
    from sqlalchemy import select

    from services.focalizacion.projections import asignacion
    return sorted(f.docente_id for f in app.proyecciones.filas(select(asignacion.c.docente_id).where(
        asignacion.c.convocatoria == convocatoria, asignacion.c.acompanante_id == acompanante_id)))
