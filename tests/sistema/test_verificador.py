"""The checker can fail: a history and a state with one lost, one duplicated and one half-applied visit
are reported, each as what it is; the same history with a sound state reports nothing."""

from __future__ import annotations

from tests.sistema.verificador import Estado, Hecho, informe, verificar

DOCENTE = "0b8f3c1e-8a44-5d0e-9f6a-2c7d9e1f3a55"


def visita(n: int, resultado: str) -> dict:
    """An operation of the history: the visit ``v<n>`` sent to agenda, with its outcome."""
    return {"id": f"op-{n}", "tipo": "visita", "servicio": "agenda", "resultado": resultado,
            "efectos": [{"hecho": "VisitaRealizada", "campo": "visita_id", "valor": f"v{n}", "docente_id": DOCENTE}]}


def hecho(posicion: int, n: int) -> Hecho:
    return Hecho(f"agenda:{posicion}", "VisitaRealizada", {"visita_id": f"v{n}", "docente_id": DOCENTE})


HISTORIA = [visita(1, "ok"), visita(2, "ok"), visita(3, "ok"), visita(4, "unknown"), visita(5, "fail")]


def test_una_perdida_una_duplicada_y_una_a_medias_se_informan():
    # Given visit 1 acknowledged and in its place, visit 2 acknowledged and never published (lost),
    # visit 3 published twice under two positions (duplicated), visit 4 of unknown outcome published but
    # never reaching evidencias (half-applied), visit 5 rejected and absent
    estado = Estado(
        hechos=[hecho(1, 1), hecho(2, 3), hecho(3, 3), hecho(4, 4)],
        visitas_en_evidencias={"v1", "v3"},
        visitas_por_docente={DOCENTE: 4},
    )

    hallazgos = verificar(HISTORIA, estado)

    assert informe(hallazgos) == {"perdida": 1, "duplicada": 1, "a_medias": 1, "rechazada_con_efecto": 0,
                                  "hueco_de_version": 0, "desorden": 0, "cadena": 0, "proyeccion": 0}
    detalle = {h.tipo: h.detalle for h in hallazgos}
    assert "v2" in detalle["perdida"] and "v3" in detalle["duplicada"] and "v4" in detalle["a_medias"]


def test_un_estado_sano_no_informa_nada():
    estado = Estado(hechos=[hecho(1, 1), hecho(2, 2), hecho(3, 3)], visitas_en_evidencias={"v1", "v2", "v3"},
                    visitas_por_docente={DOCENTE: 3}, versiones={"agenda:a": [1, 2, 3]},
                    cadenas={"agenda": True}, proyecciones={"progreso": ("x", "x")})

    assert verificar(HISTORIA, estado) == []


def test_desorden_huecos_cadena_y_proyeccion_distinta_se_informan():
    estado = Estado(hechos=[hecho(2, 2), hecho(1, 1), hecho(3, 3)], visitas_en_evidencias={"v1", "v2", "v3"},
                    visitas_por_docente={DOCENTE: 3}, versiones={"agenda:a": [1, 3]},
                    cadenas={"agenda": False}, proyecciones={"progreso": ("x", "y")})

    assert informe(verificar(HISTORIA, estado)) == {
        "perdida": 0, "duplicada": 0, "a_medias": 0, "rechazada_con_efecto": 0,
        "hueco_de_version": 1, "desorden": 1, "cadena": 1, "proyeccion": 1}


def test_un_lote_confirmado_con_un_elemento_rechazado_no_exige_ese_elemento():
    lote = {"id": "op-9", "tipo": "lote", "servicio": "agenda", "resultado": "ok", "codigos": [201, 409],
            "efectos": [{"hecho": "VisitaRealizada", "campo": "visita_id", "valor": f"v{n}", "docente_id": DOCENTE}
                        for n in (7, 8)]}
    estado = Estado(hechos=[hecho(1, 7)], visitas_en_evidencias={"v7"}, visitas_por_docente={DOCENTE: 1})

    assert verificar([lote], estado) == []
