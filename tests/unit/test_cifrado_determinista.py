"""Free text about a docente, encrypted deterministically with his key (shared/cifrado.py, AES-SIV).

The write model compares records (a re-sent observation is the same one), so the same text of the same
docente in the same field must give the same ciphertext; nothing else may be shared, and erasing his key
must leave it unreadable."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.cifrado import MARCA, PREFIJO_DETERMINISTA, Cifrador, LlaveroSQL, LlaveSuprimida

TEXTO = "Eustaquia llora cuando el director la reprende"


@pytest.fixture
def cifrador(tmp_path: Path):
    llavero = LlaveroSQL(f"sqlite:///{tmp_path / 'claves.sqlite'}")
    yield Cifrador(llavero)
    llavero.close()


def test_el_mismo_texto_del_mismo_docente_da_el_mismo_cifrado_y_se_lee(cifrador: Cifrador) -> None:
    # Given a text about docente 1, encrypted twice
    uno = cifrador.cifrar_campos("docente:1", {"evidencia": TEXTO, "nivel": "II"}, ("evidencia",), determinista=True)
    otra_vez = cifrador.cifrar_campos("docente:1", {"evidencia": TEXTO}, ("evidencia",), determinista=True)
    # Then both ciphertexts are equal (a re-send is recognised), the rest stays as it was, and it reads back
    assert uno["evidencia"] == otra_vez["evidencia"] and uno["evidencia"].startswith(PREFIJO_DETERMINISTA)
    assert TEXTO not in uno["evidencia"] and uno["nivel"] == "II"
    assert cifrador.descifrar_campos("docente:1", uno, ("evidencia",))["evidencia"] == TEXTO
    # and a list (strengths) reads back as the list
    lista = cifrador.cifrar_campos("docente:1", {"fortalezas": [TEXTO, "otra"]}, ("fortalezas",), determinista=True)
    assert cifrador.descifrar_campos("docente:1", lista, ("fortalezas",))["fortalezas"] == [TEXTO, "otra"]


def test_otro_docente_u_otro_campo_dan_otro_cifrado_y_no_se_leen_cruzados(cifrador: Cifrador) -> None:
    a = cifrador.cifrar_campos("docente:1", {"evidencia": TEXTO}, ("evidencia",), determinista=True)["evidencia"]
    b = cifrador.cifrar_campos("docente:2", {"evidencia": TEXTO}, ("evidencia",), determinista=True)["evidencia"]
    c = cifrador.cifrar_campos("docente:1", {"descripcion": TEXTO}, ("descripcion",), determinista=True)["descripcion"]
    assert len({a, b, c}) == 3
    # a value copied into another docente's record, or into another field, does not decrypt
    assert cifrador.descifrar_campos("docente:2", {"evidencia": a}, ("evidencia",))["evidencia"] == MARCA
    assert cifrador.descifrar_campos("docente:1", {"descripcion": a}, ("descripcion",))["descripcion"] == MARCA


def test_borrada_la_llave_se_lee_la_marca_y_no_se_cifra_nada_nuevo(cifrador: Cifrador) -> None:
    # Given a text about docente 1, then his key erased (his personal data cancelled)
    guardado = cifrador.cifrar_campos("docente:1", {"evidencia": TEXTO}, ("evidencia",), determinista=True)
    assert cifrador.llavero.suprimir("docente:1", "DatosPersonalesCancelados (prueba)")
    # Then it reads as the mark, and nothing new is encrypted for him
    assert cifrador.descifrar_campos("docente:1", guardado, ("evidencia",))["evidencia"] == MARCA
    with pytest.raises(LlaveSuprimida):
        cifrador.cifrar_campos("docente:1", {"evidencia": "otra"}, ("evidencia",), determinista=True)
