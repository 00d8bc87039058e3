"""A docente's commitments (NT-026 §5.2.6 b): taken in a visit and bound to a desempeño observed there, verified
in a later visit to him, due when their date passes unverified. A commitment outlives the etapa."""

from __future__ import annotations

from datetime import date

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from services.evidencias import comandos as c
from services.evidencias import domainmodel as dm
from services.evidencias import textos
from services.evidencias.escritura.base import Base
from services.evidencias.valores import CompromisoAsumido, Verificacion
from shared.eventstore import EnEspera

_COMPROMETIDO = ("item", "descripcion", "fecha_limite", "verificacion")  # what a re-sent commitment repeats


class Compromisos(Base):
    def asumir_compromiso(self, cmd: c.AsumirCompromiso) -> bool:
        if self._ya_asumido(cmd):
            return False
        visita = self._visita_de(cmd.visita_id, cmd.acompanante_id)
        claro = visita.compromiso(cmd.compromiso_id, cmd.acompanante_id, cmd.datos())
        compromiso = CompromisoAsumido.de(textos.compromiso(self._cifrar(visita.sujeto()), claro.como_dict()))
        return self.crear_una_vez(dm.Compromiso(id=dm.compromiso_id(cmd.compromiso_id), compromiso=compromiso),
                                  lambda previo: previo.compromiso == compromiso,
                                  f"El compromiso {cmd.compromiso_id} ya se registró con otro contenido.")

    def _ya_asumido(self, cmd: c.AsumirCompromiso) -> bool:
        """The same commitment sent again (a device that was offline): recognised before anything else is
        checked, so that a coach who has since lost the docente still gets "already recorded"."""
        try:
            previo = self.repository.get(dm.compromiso_id(cmd.compromiso_id)).compromiso
        except AggregateNotFoundError:
            return False
        if (previo.visita_id, previo.acompanante_id) != (cmd.visita_id, cmd.acompanante_id):
            return False
        registrado = {k: v for k, v in previo.como_dict().items() if k in _COMPROMETIDO}
        nuevo = self._texto_cifrado(dm.sujeto_docente(previo.docente_id), textos.compromiso, cmd.datos(),
                                    (registrado,))
        return nuevo is None or nuevo == registrado

    def verificar_compromiso(self, cmd: c.VerificarCompromiso) -> bool:
        def cambio(compromiso: dm.Compromiso) -> bool:
            previa = compromiso.verificacion
            misma = previa is not None and (previa.visita_id, previa.acompanante_id, previa.resultado) == (
                cmd.visita_id, cmd.acompanante_id, cmd.resultado)
            registrada = ({"evidencia": previa.evidencia},) if previa is not None and misma else ()
            cifrada = self._texto_cifrado(dm.sujeto_docente(compromiso.compromiso.docente_id),
                                          textos.verificacion, {"evidencia": cmd.evidencia}, registrada)
            if cifrada is None or cifrada in registrada:
                return False  # sent again (offline device): already recorded, whoever holds the docente now
            visita = self._visita_de(cmd.visita_id, cmd.acompanante_id)
            return compromiso.verificar(Verificacion(visita_id=cmd.visita_id, acompanante_id=cmd.acompanante_id,
                                                     fecha=visita.inicio, resultado=cmd.resultado,
                                                     evidencia=cifrada["evidencia"]), visita)
        return self.modificar(lambda: self.compromiso(cmd.compromiso_id), cambio)

    def vencer_compromisos(self, hoy: date | None = None) -> int:
        """Record ``CompromisoVencido`` for every commitment whose due date passed unverified."""
        hoy = hoy or self.reloj()
        vencidos = 0
        for cid in self.proyecciones.por_vencer(hoy):
            compromiso = self.repository.get(dm.compromiso_id(cid))
            try:
                if compromiso.vencer(hoy):
                    self.save(compromiso)
                    vencidos += 1
            except IntegrityError:
                continue  # verified (or marked) at the same moment: the next round sees it
        return vencidos

    def compromiso(self, compromiso_id: str) -> dm.Compromiso:
        return self.obtener(dm.compromiso_id(compromiso_id), EnEspera(
            f"El compromiso {compromiso_id} aún no consta: la verificación se registrará cuando llegue."))
