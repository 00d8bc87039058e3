"""The offline batch executor (``shared.lote``): every item answered as its single route would be,
with the route policy of ``shared.autorizacion`` and the error mapping of ``shared.http``."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict

from shared.autorizacion import Politica, Regla, Territorio
from shared.eventstore import Conflict, EnEspera, Forbidden, NotFound
from shared.lote import Lote, Operacion
from shared.telemetry import Actor

COACH = frozenset({"acompanante", "sistema"})
YO, OTRO = str(uuid.uuid4()), str(uuid.uuid4())
MIO, AJENO, NUEVO = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())


class NotaIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nota_id: uuid.UUID
    acompanante_id: uuid.UUID
    texto: str


class Item(BaseModel):
    operacion: str
    docente_id: uuid.UUID | None = None
    datos: dict[str, Any]


def politica() -> Politica:
    duenos = {MIO: YO, AJENO: OTRO}

    def resolver(tipo: str, id_: str) -> Territorio | None:
        if tipo == "acompanante":
            return Territorio(acompanantes=frozenset({id_}))
        return Territorio(acompanantes=frozenset({duenos[id_]})) if id_ in duenos else None

    return Politica({
        "POST /v1/docentes/{docente_id}/notas": Regla(COACH, {"docente_id": "docente",
                                                              "acompanante_id": "acompanante"}),
        "POST /v1/docentes/{docente_id}/cierres": Regla(frozenset({"especialista_ugel"}), {"docente_id": "docente"}),
    }, resolver)


def lote(registradas: dict[str, str]) -> Lote:
    def anotar(e: NotaIn, docente_id: uuid.UUID) -> tuple[str, bool]:
        if e.texto == "prohibido":
            raise Forbidden("Solo su especialista puede anotar eso.")
        if e.texto == "espera":
            raise EnEspera("El plan del docente aún no llega.")
        if str(docente_id) == NUEVO:
            raise NotFound(f"No existe el docente {docente_id}.")
        previa = registradas.get(str(e.nota_id))
        if previa is not None and previa != e.texto:
            raise Conflict("La nota ya se registró con otro texto.")
        registradas[str(e.nota_id)] = e.texto
        return str(e.nota_id), previa is None

    return Lote({"nota": Operacion("POST /v1/docentes/{docente_id}/notas", NotaIn, anotar),
                 "cierre": Operacion("POST /v1/docentes/{docente_id}/cierres", NotaIn, anotar)})


def nota(docente: str, texto: str, nota_id: str | None = None, **extra: Any) -> Item:
    return Item(operacion="nota", docente_id=uuid.UUID(docente),
                datos={"nota_id": nota_id or str(uuid.uuid4()), "texto": texto, **extra})


def test_cada_elemento_con_el_codigo_y_el_motivo_de_su_ruta():
    # Given an acompañante who holds one docente (MIO), not another (AJENO)
    registradas: dict[str, str] = {}
    yo = Actor(usuario=YO, rol="acompanante")
    repetida = str(uuid.uuid4())
    items = [
        nota(MIO, "Llegó puntual", repetida),
        nota(MIO, "Llegó puntual", repetida),  # the same item sent again
        nota(MIO, "Otro texto", repetida),  # the same id with other content
        nota(AJENO, "No es suyo"),  # outside his caseload
        Item(operacion="cierre", docente_id=uuid.UUID(MIO), datos={"nota_id": str(uuid.uuid4()), "texto": "x"}),
        nota(MIO, "prohibido"),  # the domain refuses who he is
        nota(MIO, "espera"),  # depends on what has not arrived
        nota(NUEVO, "Docente desconocido"),
        nota(MIO, "De otro", acompanante_id=OTRO),
        Item(operacion="nota", docente_id=uuid.UUID(MIO), datos={"nota_id": "no-es-uuid", "texto": "x"}),
        Item(operacion="nota", datos={"nota_id": str(uuid.uuid4()), "texto": "x"}),
    ]
    # When his device sends them as one queue
    r = lote(registradas).ejecutar(politica(), yo, YO, items)
    # Then each is answered as its single route answers, in order
    assert [(x.codigo, x.estado, x.error) for x in r] == [
        (201, "registrado", None), (200, "ya_registrado", None), (409, "rechazado", "conflicto"),
        (404, "rechazado", "no_encontrado"), (403, "rechazado", "prohibido"), (403, "rechazado", "prohibido"),
        (409, "en_espera", "en_espera"), (404, "rechazado", "no_encontrado"), (404, "rechazado", "no_encontrado"),
        (422, "rechazado", "solicitud_invalida"), (422, "rechazado", "solicitud_invalida")]
    assert r[0].id == repetida and r[1].id == repetida
    assert r[4].motivo == "El rol 'acompanante' no puede usar esta ruta."  # the policy's reason
    assert r[5].motivo == "Solo su especialista puede anotar eso."  # a domain 403 is not turned into 422
    assert r[6].motivo == "El plan del docente aún no llega."
    assert r[9].errores and [e.campo for e in r[9].errores] == ["datos.nota_id"]
    assert r[10].errores and [e.campo for e in r[10].errores] == ["docente_id"]
    assert registradas == {repetida: "Llegó puntual"}


def test_una_cuenta_nacional_no_pasa_por_el_territorio_pero_si_por_el_rol():
    sistema = Actor(usuario="sistema", rol="sistema")
    r = lote({}).ejecutar(politica(), sistema, YO, [nota(AJENO, "Carga"), nota(MIO, "x").model_copy(
        update={"operacion": "cierre"})])
    assert [(x.codigo, x.error) for x in r] == [(201, None), (403, "prohibido")]
