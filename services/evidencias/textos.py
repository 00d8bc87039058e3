"""The free text of a docente's record, stored encrypted with his key (Ley 29733; docs/datos-personales.md).

What a visit leaves behind describes, and often names, the docente observed: each level's evidence,
strengths and critical aspects, a correction's reason, the reflective dialogue and the modelling,
a commitment and how it will be checked, its verification's evidence, a training need. Each is
stored encrypted with the docente's key (``docente:<id>``) the moment it is recorded, deterministically
(``Cifrador.cifrar_campos(..., determinista=True)``), so that the aggregates still recognise a record
sent again by an offline device as the same one. Read models keep the ciphertext as the events have it
and decrypt on the way out: once his key is erased they read ``MARCA``. None of it is published
(``messaging``: the v2 contracts carry no free text).

Each function takes ``f(datos, campos)``, the cipher's one operation (encrypt or decrypt those fields of
one dict), and applies it to where a kind of record keeps its text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.evidencias.valores import Observacion
from shared.cifrado import MARCA, Cifrador, LlaveSuprimida

Campos = Callable[[dict[str, Any], tuple[str, ...]], dict[str, Any]]

OBSERVACION = ("fortalezas", "aspectos_criticos", "motivo")
NIVEL = ("evidencia",)
RETROALIMENTACION = ("dialogo_reflexivo",)
MODELAMIENTO = ("descripcion",)
COMPROMISO = ("descripcion", "verificacion")
VERIFICACION = ("evidencia",)
NECESIDAD = ("descripcion",)
LISTAS = ("fortalezas", "aspectos_criticos")  # read back as a list, ``[MARCA]`` once erased


def observacion(f: Campos, o: dict[str, Any]) -> dict[str, Any]:
    return f({**o, "niveles": {k: f(n, NIVEL) for k, n in o["niveles"].items()}}, OBSERVACION)


def retroalimentacion(f: Campos, r: dict[str, Any]) -> dict[str, Any]:
    return f({**r, "modelamiento": [f(m, MODELAMIENTO) for m in r.get("modelamiento") or []]}, RETROALIMENTACION)


def compromiso(f: Campos, k: dict[str, Any]) -> dict[str, Any]:
    k = f(k, COMPROMISO)
    return {**k, "verificado": f(k["verificado"], VERIFICACION)} if k.get("verificado") else k


def verificacion(f: Campos, v: dict[str, Any]) -> dict[str, Any]:
    return f(v, VERIFICACION)


def necesidad(f: Campos, n: dict[str, Any]) -> dict[str, Any]:
    return f(n, NECESIDAD)


def cifrar(cifrador: Cifrador, sujeto: str) -> Campos:
    """Encrypt with the subject's key (made if he has none); raises ``LlaveSuprimida`` once it was erased."""
    llave = cifrador.llavero.llaves([sujeto], crear=True)[sujeto]
    if llave is None:
        raise LlaveSuprimida(sujeto)
    return lambda datos, campos: cifrador.cifrar_campos(sujeto, datos, campos, llave, determinista=True)


def descifrar(cifrador: Cifrador, sujeto: str) -> Campos:
    """Decrypt (``MARCA`` once the key is erased; text stored before encryption existed reads as it is)."""
    def f(datos: dict[str, Any], campos: tuple[str, ...]) -> dict[str, Any]:
        claros = cifrador.descifrar_campos(sujeto, datos, campos)
        return {**claros, **{c: [MARCA] for c in campos if c in LISTAS and claros.get(c) == MARCA}}
    return f


def cifrado(o: Observacion) -> bool:
    """Whether a stored observation keeps its text encrypted (recorded since free text is encrypted)."""
    return any(Cifrador.cifrado(n.evidencia) for n in o.niveles.values())
