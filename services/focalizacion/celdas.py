"""Reading one cell of a padrón file: blank is "no data" (None); a value that cannot be read is a
``ValorInvalido`` with its reason. The columns that use each reader are in ``padron``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

NIVELES = ("inicial", "primaria", "secundaria")
TIPOS_ACOMPANANTE = ("eib", "multigrado", "polidocente_inicial", "polidocente_primaria", "polidocente_secundaria")


class ValorInvalido(ValueError):
    pass


# --- cell readers: blank is "no data" (None); a value that cannot be read is an error --------

def plano(valor: str) -> str:
    sin_tildes = unicodedata.normalize("NFKD", valor).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", sin_tildes.lower()).strip()


def texto(valor: str) -> str:
    return " ".join(valor.split())


def codigo_modular(valor: str) -> str:
    v = valor.strip()
    if re.fullmatch(r"\d{1,7}", v):
        return v.zfill(7)  # spreadsheets drop the leading zeros
    raise ValorInvalido("debe tener 7 dígitos")


def anexo(valor: str) -> int:
    if re.fullmatch(r"\d", valor.strip()):
        return int(valor)
    raise ValorInvalido("debe ser un dígito (0: sede principal)")


def dni(valor: str) -> str:
    v = valor.strip()
    if not re.fullmatch(r"\d{8}", v):
        raise ValorInvalido("el DNI debe tener exactamente 8 dígitos")
    if v == "00000000":
        raise ValorInvalido("el DNI 00000000 no es válido")
    return v


def territorio(valor: str) -> str:
    v = valor.strip()
    if re.fullmatch(r"[A-Za-z0-9_-]{1,32}", v):
        return v
    raise ValorInvalido("código no válido (letras, dígitos, '-' o '_', hasta 32)")


def entero(valor: str) -> int:
    try:
        n = int(float(valor.replace(",", ".")))
    except ValueError:
        raise ValorInvalido("no es un número entero") from None
    if n < 0:
        raise ValorInvalido("no puede ser negativo")
    return n


def porcentaje(valor: str) -> float:
    try:
        n = float(valor.replace(",", ".").rstrip("%"))
    except ValueError:
        raise ValorInvalido("no es un porcentaje") from None
    if not 0 <= n <= 100:
        raise ValorInvalido("debe estar entre 0 y 100")
    return n


def coordenada(limite: float) -> Callable[[str], float]:
    def leer(valor: str) -> float:
        try:
            n = float(valor.replace(",", "."))
        except ValueError:
            raise ValorInvalido("no es una coordenada") from None
        if not -limite <= n <= limite:
            raise ValorInvalido(f"fuera de rango (±{limite:g})")
        return n
    return leer


def si_no(valor: str) -> bool:
    v = plano(valor)
    if v in ("s", "si", "1", "true", "x", "verdadero"):
        return True
    if v in ("n", "no", "0", "false", "falso"):
        return False
    raise ValorInvalido("se espera S o N")


def opcion(opciones: dict[str, str], nombre: str) -> Callable[[str], str]:
    """Maps the padrón's descriptions (with or without accents, any case) to canonical values."""
    def leer(valor: str) -> str:
        v = plano(valor)
        for prefijo, canonico in opciones.items():
            if v.startswith(prefijo):
                return canonico
        raise ValorInvalido(f"{nombre} desconocido: {valor.strip()!r}")
    return leer


nivel = opcion({"inicial": "inicial", "primaria": "primaria", "secundaria": "secundaria"}, "nivel")
gestion = opcion({"publica de gestion directa": "publica_directa", "publica de gestion privada": "publica_privada",
                  "privada": "privada", "publica directa": "publica_directa"}, "tipo de gestión")
area = opcion({"urban": "urbana", "rural": "rural"}, "área")
caracteristica = opcion({"unidocente": "unidocente", "polidocente multigrado": "multigrado", "multigrado": "multigrado",
                         "polidocente completo": "completo", "completo": "completo"}, "característica")
forma = opcion({"escolarizad": "escolarizada", "no escolarizad": "no_escolarizada"}, "forma")
estado = opcion({"activ": "activa", "inactiv": "inactiva"}, "estado")
dependencia = opcion({"sector educacion": "educacion", "educacion": "educacion", "": "otro_sector"}, "dependencia")
eib_forma = opcion({"fortalecimiento": "fortalecimiento", "revitalizacion": "revitalizacion", "urbano": "urbano",
                    "eib urbano": "urbano", "no": "ninguna", "ninguna": "ninguna"}, "forma de atención EIB")
ece_nivel = opcion({"previo": "previo", "inicio": "inicio", "en proceso": "proceso", "proceso": "proceso",
                    "satisfactorio": "satisfactorio"}, "nivel de la ECE")
tipo_acompanante = opcion({t.replace("_", " "): t for t in TIPOS_ACOMPANANTE}, "tipo de acompañante")
condicion = opcion({"nombrad": "nombrado", "contratad": "contratado"}, "condición de la plaza")


def ruralidad(valor: str) -> int:
    if valor.strip() in ("1", "2", "3"):
        return int(valor)
    raise ValorInvalido("la ruralidad es 1, 2 o 3")


def plaza(valor: str) -> str:
    v = valor.strip().upper()
    if re.fullmatch(r"[A-Z0-9]{4,20}", v):
        return v
    raise ValorInvalido("código de plaza no válido")
