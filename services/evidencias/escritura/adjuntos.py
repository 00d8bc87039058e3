"""Attachments of a visit or a GIA/RTC: who may attach (the record's author) and the record of one, its file
name and description encrypted with its owner's key (the content itself is stored by the route, encrypted)."""

from __future__ import annotations

from services.evidencias import comandos as c
from services.evidencias import domainmodel as dm
from services.evidencias.escritura.base import CANCELADOS, Base, Invalida
from services.evidencias.valores import Adjunto
from shared.cifrado import LlaveSuprimida


class Adjuntos(Base):
    def propietario(self, tipo: str, propietario_id: str, autor_id: str) -> dm.ConAdjuntos:
        """The visit or GIA/RTC an attachment goes to, checked for its author (and that the docente's
        personal data were not cancelled) before anything is stored."""
        if tipo != "visita":
            return self._reunion_de(propietario_id, autor_id)  # a GIA/RTC's key is never erased
        visita = self._visita_de(propietario_id, autor_id)
        if self.cifrador.llavero.suprimida(visita.sujeto()):
            raise Invalida(CANCELADOS)
        return visita

    def adjuntar(self, cmd: c.Adjuntar) -> bool:
        """Record an attachment; its file name and description encrypted with the owner's key."""
        def cambio(propietario: dm.ConAdjuntos) -> bool:
            try:
                cifrado = self.cifrador.cifrar_campos(propietario.sujeto(),
                                                      {**cmd.datos(), "acompanante_id": cmd.autor_id},
                                                      propietario.personales)
            except LlaveSuprimida:
                raise Invalida(CANCELADOS) from None
            return propietario.adjuntar(Adjunto.de(cifrado))
        return self.modificar(lambda: self.propietario(cmd.tipo, cmd.propietario_id, cmd.autor_id), cambio)
