"""A realized visit's record (NT-026 §5.2.6 a): the observation with an instrument, its corrections (new events
with their reason and author: the original stays), the feedback, and the docente's training needs."""

from __future__ import annotations

from typing import Any

from services.evidencias import comandos as c
from services.evidencias import domainmodel as dm
from services.evidencias import textos
from services.evidencias.escritura.base import Invalida
from services.evidencias.escritura.instrumentos import Instrumentos
from services.evidencias.instrumentos import Instrumento
from services.evidencias.valores import Necesidad, Observacion, Retroalimentacion
from shared.telemetry import current_actor

# Specialists may correct a record they did not make (the correction names them): a rule of the record
CORRIGEN = frozenset({"especialista_ugel", "especialista_dre", "minedu"})


class Visitas(Instrumentos):
    def registrar_observacion(self, cmd: c.RegistrarObservacion) -> bool:
        def cambio(visita: dm.Visita) -> bool:
            previa = visita.historial.get(cmd.observacion_id)
            version = cmd.version
            if version is None and previa and previa[0].instrumento == cmd.instrumento:
                version = previa[0].version  # a re-send: the version it was recorded with
            inst = self.instrumento_para(cmd.instrumento, version, visita.inicio, "visita")
            nueva = self._texto_cifrado(visita.sujeto(), textos.observacion, observacion(inst, cmd.datos()),
                                        previa[:1] if previa else ())
            return nueva is not None and visita.registrar_observacion(cmd.observacion_id, Observacion.de(nueva))
        return self.modificar(lambda: self._visita_de(cmd.visita_id, cmd.acompanante_id), cambio)

    def corregir_observacion(self, cmd: c.CorregirObservacion) -> bool:
        """The acompañante who observed (while he holds the docente) or a specialist corrects;
        the correction is a new event with the reason and its author, the original stays."""
        actor = current_actor.get()
        if actor.rol in CORRIGEN:
            leer, autor, rol = (lambda: self._visita(cmd.visita_id)), actor.usuario, actor.rol
        elif cmd.acompanante_id:
            leer, autor, rol = (lambda: self._visita_de(cmd.visita_id, cmd.acompanante_id)), cmd.acompanante_id, \
                "acompanante"
        else:
            raise Invalida("Indique el acompañante que corrige (acompanante_id), o corrija con un rol de especialista.")

        def cambio(visita: dm.Visita) -> bool:
            actual = visita.observacion(cmd.observacion_id)
            inst = self.instrumento(actual.instrumento, actual.version)
            nueva = self._texto_cifrado(visita.sujeto(), textos.observacion,
                                        observacion(inst, {**cmd.datos(), "instrumento": inst.codigo}),
                                        (actual, *visita.historial[cmd.observacion_id][1:]))
            if nueva is None:
                return False  # his key is gone, and this correction was already recorded (or changes nothing)
            motivo = self._cifrar(visita.sujeto())({"motivo": cmd.motivo}, ("motivo",))["motivo"]
            return visita.corregir_observacion(cmd.observacion_id, Observacion.de(nueva), motivo, autor, rol)
        return self.modificar(leer, cambio)

    def brindar_retroalimentacion(self, cmd: c.BrindarRetroalimentacion) -> bool:
        def cambio(visita: dm.Visita) -> bool:
            previa = () if visita.retroalimentacion is None else (visita.retroalimentacion,)
            nueva = self._texto_cifrado(visita.sujeto(), textos.retroalimentacion, cmd.datos(), previa)
            return nueva is not None and visita.brindar_retroalimentacion(Retroalimentacion.de(nueva))
        return self.modificar(lambda: self._visita_de(cmd.visita_id, cmd.acompanante_id), cambio)

    def registrar_necesidad(self, cmd: c.RegistrarNecesidad) -> bool:
        anio, dia = cmd.anio or self.reloj().year, None
        if cmd.visita_id:
            visita = self._visita_de(cmd.visita_id, cmd.acompanante_id)
            if visita.visita.docente_id != cmd.docente_id:
                raise Invalida("La visita indicada es de otro docente.")
            anio, dia = visita.visita.anio, visita.inicio
        clara = {**cmd.datos(), "anio": anio, "acompanante_id": cmd.acompanante_id}

        def cambio(docente: dm.DocenteAcompanado) -> bool:
            previa = docente.necesidades.get(cmd.necesidad_id)
            necesidad = self._texto_cifrado(dm.sujeto_docente(cmd.docente_id), textos.necesidad, clara,
                                            () if previa is None else (previa,))
            return necesidad is not None and docente.registrar_necesidad(cmd.necesidad_id, Necesidad.de(necesidad))
        return self.modificar(lambda: self._a_cargo(cmd.acompanante_id, cmd.docente_id, anio, dia), cambio)


def observacion(inst: Instrumento, entrada: dict[str, Any]) -> dict[str, Any]:
    """The observation as recorded: each rated item checked against the instrument."""
    niveles: dict[str, Any] = {}
    if not entrada["niveles"]:
        raise Invalida("La observación no valora ningún desempeño.")
    for clave, valor in entrada["niveles"].items():
        item = inst.item(clave)
        if item is None:
            raise Invalida(f"{clave} no es un desempeño de {inst.clave} ({', '.join(i.clave for i in inst.items)}).")
        codigos = [n.codigo for n in item.niveles]
        if valor["nivel"] not in codigos:
            raise Invalida(f"El nivel {valor['nivel']!r} de {clave} no existe en {inst.clave} (niveles: {', '.join(codigos)}).")
        evidencia = " ".join(str(valor.get("evidencia") or "").split())
        if not evidencia:
            raise Invalida(f"El nivel de {clave} necesita la evidencia que lo sustenta (lo que se vio y escuchó).")
        niveles[clave] = {"nivel": valor["nivel"], "evidencia": evidencia, "competencia": item.competencia}
    return {"instrumento": inst.codigo, "version": inst.version, "niveles": niveles,
            "fortalezas": list(entrada.get("fortalezas", [])),
            "aspectos_criticos": list(entrada.get("aspectos_criticos", []))}
