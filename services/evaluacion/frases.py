"""A docente's history told as an auditor reads it: each fact a Spanish sentence with who, where and when.

The facts carry ids, never names (names live in focalizacion's padrón, personal data under Ley 29733).
Whoever asks for the printed history may hand the names he may see (``personas``: id → name; ``escuelas``:
``codigo_modular-anexo`` → name); a person without one is named by his part in the story ("su
acompañante", "un especialista de la UGEL") and a school by its código modular, never by an id or a dict.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

LIMA = ZoneInfo("America/Lima")
SERVICIOS = {"focalizacion": "Focalización", "agenda": "Agenda", "evidencias": "Evidencias",
             "evaluacion": "Evaluación"}
ROLES = {"acompanante": "un acompañante", "directivo": "el directivo de su IE", "docente": "un docente",
         "especialista_ugel": "un especialista de la UGEL", "especialista_dre": "un especialista de la DRE",
         "minedu": "un especialista del MINEDU", "auditor": "un auditor", "administrador": "un administrador",
         "sistema": "el sistema, por sí solo"}
COMPETENCIAS = {"C2": "C2 (planifica la enseñanza)", "C3": "C3 (clima para el aprendizaje)",
                "C4": "C4 (conduce la enseñanza)", "C5": "C5 (evalúa el aprendizaje)",
                "C6": "C6 (gestión de la escuela)", "C7": "C7 (familias y comunidad)"}
RESULTADOS = {"cumplido": "cumplido", "parcialmente": "cumplido en parte", "no_cumplido": "no cumplido"}
PERIODOS = {"anual": "anual", "semestre_1": "del primer semestre", "semestre_2": "del segundo semestre"}
# an activity of the agenda: its words, and the ending of its participles (una visita programada, un GIA …)
ACTIVIDADES = {"Visita": ("una visita", "a"), "GIA": ("un GIA", "o"), "RTC": ("una RTC", "a"),
               "Taller": ("un taller", "o")}
ACCIONES = {"Programad": "programó", "Reprogramad": "reprogramó", "Cancelad": "canceló"}


def fecha(valor: Any) -> str:
    """A date (or the date of a moment, in Lima) as ``dd/mm/aaaa``; empty when there is none."""
    if not valor:
        return ""
    if isinstance(valor, str):
        try:
            valor = datetime.fromisoformat(valor) if "T" in valor else date.fromisoformat(valor[:10])
        except ValueError:
            return valor
    if isinstance(valor, datetime):
        valor = valor.astimezone(LIMA) if valor.tzinfo else valor
        return f"{valor:%d/%m/%Y %H:%M}"
    return f"{valor:%d/%m/%Y}"


class Relato:
    """The sentences of one docente's history, with the names the reader may see."""

    def __init__(self, docente_id: str, personas: Mapping[str, str] | None = None,
                 escuelas: Mapping[str, str] | None = None) -> None:
        self.docente_id = docente_id
        self.personas = dict(personas or {})
        self.escuelas = dict(escuelas or {})

    def persona(self, id_: Any, si_no: str) -> str:
        return self.personas.get(str(id_), si_no) if id_ else si_no

    def escuela(self, c: Mapping[str, Any]) -> str:
        if not c.get("codigo_modular"):
            return "su IE"
        clave = f"{c['codigo_modular']}-{c.get('anexo') or 0}"
        return self.escuelas.get(clave) or f"la IE de código modular {clave}"

    def autor(self, h: Mapping[str, Any]) -> str:
        """Who recorded the fact: his name, himself, or his role."""
        usuario, rol = str(h.get("usuario") or ""), str(h.get("rol") or "sistema")
        if usuario and usuario == self.docente_id:
            return "el propio docente"
        return self.personas.get(usuario) or ROLES.get(rol, "otra persona")

    def frase(self, h: Mapping[str, Any], c: Mapping[str, Any]) -> str:
        """One fact as a sentence; a fact without its own sentence is told without its technical name."""
        evento = str(h.get("evento", ""))
        acompanante = self.persona(c.get("acompanante_id"), "su acompañante")
        cuando = _cuando(c)
        for tipo, (palabras, fin) in ACTIVIDADES.items():
            for raiz, verbo in ACCIONES.items():
                if evento == f"{tipo}{raiz}{fin}":
                    motivo = f" Motivo: {c['motivo']}." if c.get("motivo") else ""
                    return f"Se {verbo} {palabras} en {self.escuela(c)}{cuando}, a cargo de {acompanante}.{motivo}"
        servicio = SERVICIOS.get(str(h.get("servicio", "")), "el sistema")
        return self._propia(evento, c, acompanante, cuando) or f"Se registró un hecho de su acompañamiento en {servicio}."

    def _propia(self, evento: str, c: Mapping[str, Any], acompanante: str, cuando: str) -> str | None:
        """The sentence of a fact of its own kind (``FRASES``: a small function per kind of fact), or None."""
        decir = FRASES.get(evento)
        return decir(Hecho(self, evento, c, acompanante, cuando)) if decir else None


@dataclass(frozen=True)
class Hecho:
    """One fact as its sentence needs it: the story it is told in, its content, who coached and when."""

    relato: Relato
    evento: str
    c: Mapping[str, Any]
    acompanante: str
    cuando: str

    @property
    def escuela(self) -> str:
        return self.relato.escuela(self.c)

    @property
    def motivo(self) -> str:
        return f" Motivo: {self.c['motivo']}." if self.c.get("motivo") else ""


def _asignado(h: Hecho) -> str:
    return (f"Se le asignó como acompañante a {h.acompanante} ({h.escuela}, convocatoria "
            f"{h.c.get('convocatoria')}).")


def _reasignado(h: Hecho) -> str:
    de = h.relato.persona(h.c.get("de_acompanante_id"), "su acompañante anterior")
    a = h.relato.persona(h.c.get("a_acompanante_id"), "otro acompañante")
    que = f"Su plan anual {h.c['anio']}" if h.evento == "PlanAnualReasignado" else "Su acompañamiento"
    return f"{que} pasó de {de} a {a}.{h.motivo}"


def _plan_generado(h: Hecho) -> str:
    return (f"Se generó su plan anual {h.c.get('anio')} (etapa {h.c.get('etapa')}, modalidad "
            f"{h.c.get('modalidad')}) en {h.escuela}, con {h.acompanante}.")


def _acta(h: Hecho) -> str:
    que = "un GIA" if h.evento == "ActaGIARegistrada" else "una RTC"
    return f"Se registró el acta de {que} en {h.escuela}{h.cuando}, a cargo de {h.acompanante}.{h.motivo}"


def _observacion_corregida(h: Hecho) -> str:
    autor = h.relato.persona(h.c.get("autor_id"), ROLES.get(str(h.c.get("autor_rol")), h.acompanante))
    return f"Se corrigió la observación de su clase{h.cuando}, por {autor}.{h.motivo}"


def _compromiso(h: Hecho) -> str:
    que = f": «{h.c['descripcion']}»" if h.c.get("descripcion") else ""
    return (f"Asumió un compromiso{h.cuando} (desempeño {h.c.get('item')}){que}; fecha límite: "
            f"{fecha(h.c.get('fecha_limite'))}.")


def _compromiso_verificado(h: Hecho) -> str:
    return (f"{_m(h.acompanante)} verificó un compromiso{h.cuando}: "
            f"{RESULTADOS.get(str(h.c.get('resultado')), 'sin resultado')}.")


def _necesidad(h: Hecho) -> str:
    return (f"{_m(h.acompanante)} registró una necesidad formativa en "
            f"{COMPETENCIAS.get(str(h.c.get('competencia')), 'una competencia')}.")


def _adjunto(h: Hecho) -> str:
    que = f" ({h.c['descripcion']})" if h.c.get("descripcion") else ""
    return f"Se adjuntó una foto o documento{que} a su acompañamiento."


def _valorado(h: Hecho) -> str:
    competencia = COMPETENCIAS.get(str(h.c.get("competencia")), h.c.get("competencia"))
    nivel = h.c.get("nivel")
    return f"{_m(h.acompanante)} valoró su competencia {competencia} en el nivel {nivel}{h.cuando}."


def _etapa_cerrada(h: Hecho) -> str:
    correccion = " (corrección)" if h.c.get("correccion") else ""
    return (f"Se cerró la etapa {h.c.get('etapa')} ({h.c.get('anio')}){correccion}{h.cuando}, con los "
            f"niveles logrados {_niveles(h.c.get('niveles'))}.{h.motivo}")


def _entre_pares(h: Hecho) -> str:
    colega = "un colega de su IE"
    visitante, visitado = str(h.c.get("docente_visitante_id")), str(h.c.get("docente_visitado_id"))
    donde = f"Visita entre pares en {h.escuela}{h.cuando}"
    if h.relato.docente_id == visitante:
        return f"{donde}: observó la clase de {h.relato.persona(visitado, colega)}."
    return f"{donde}: {h.relato.persona(visitante, colega)} observó su clase."


FRASES: dict[str, Callable[[Hecho], str]] = {
    "DocenteAsignado": _asignado,
    "DocenteReasignado": _reasignado,
    "PlanAnualReasignado": _reasignado,
    "DocenteRetirado": lambda h: f"Se le retiró del acompañamiento de {h.acompanante}.{h.motivo}",
    "DocenteRegistradoEnIE": lambda h: (f"El padrón lo registró como docente de {h.escuela} (nivel "
                                        f"{h.c.get('nivel')})."),
    "PlanAnualGenerado": _plan_generado,
    "PlanAnualCerrado": lambda h: f"Se cerró su plan anual {h.c.get('anio')}.{h.motivo}",
    "VisitaRealizada": lambda h: f"{_m(h.acompanante)} lo visitó en {h.escuela}{h.cuando}.",
    "ActaGIARegistrada": _acta,
    "ActaRTCRegistrada": _acta,
    "CursoVirtualCompletado": lambda h: (f"Completó el curso virtual «{h.c.get('curso')}» "
                                         f"({h.c.get('horas')} horas){h.cuando}."),
    "ObservacionRegistrada": lambda h: (f"{_m(h.acompanante)} registró la observación de su clase{h.cuando} "
                                        f"en {h.escuela}."),
    "ObservacionCorregida": _observacion_corregida,
    "RetroalimentacionBrindada": lambda h: f"Recibió retroalimentación de {h.acompanante}{h.cuando}.",
    "CompromisoAsumido": _compromiso,
    "CompromisoVerificado": _compromiso_verificado,
    "CompromisoVencido": lambda h: (f"Un compromiso con fecha límite el {fecha(h.c.get('fecha_limite'))} "
                                    "venció sin verificarse."),
    "NecesidadFormativaRegistrada": _necesidad,
    "EvidenciaAdjuntada": _adjunto,
    "SituacionInicialRegistrada": lambda h: (f"Se registró su situación inicial{h.cuando}: "
                                             f"{_niveles(h.c.get('niveles'))}."),
    "NivelCompetenciaValorado": _valorado,
    "EtapaCerrada": _etapa_cerrada,
    "EncuestaSatisfaccionRespondida": lambda h: ("Respondió la encuesta de satisfacción "
                                                 f"{PERIODOS.get(str(h.c.get('periodo')), '')} "
                                                 f"{h.c.get('anio')}."),
    "DatosPersonalesCancelados": lambda h: "Sus datos personales se cancelaron a su pedido.",
    "LecturaAuditada": lambda h: f"{_m(ROLES.get(str(h.c.get('rol')), 'alguien'))} consultó su información.",
    "VisitaEntreParesRealizada": _entre_pares,
}


def _m(texto: str) -> str:
    """The sentence's first word with its capital."""
    return texto[:1].upper() + texto[1:]


def _cuando(c: Mapping[str, Any]) -> str:
    inicio = c.get("fecha_inicio") or c.get("fecha")
    fin = c.get("fecha_fin")
    if not inicio:
        return ""
    if fin and fin != inicio:
        return f" del {fecha(inicio)} al {fecha(fin)}"
    return f" el {fecha(inicio)}"


def _niveles(niveles: Any) -> str:
    """``{"C2": "II"}`` or ``{"C2": {"nivel": "II", …}}`` as «C2 (…): nivel II; …»."""
    if not isinstance(niveles, Mapping) or not niveles:
        return "sin niveles"
    partes = []
    for comp, n in niveles.items():
        nivel = n.get("nivel") if isinstance(n, Mapping) else n
        partes.append(f"{COMPETENCIAS.get(str(comp), comp)}: nivel {nivel}")
    return "; ".join(partes)
