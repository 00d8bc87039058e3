"""CloudEvents 1.0 over NATS, binary mode: attributes in ``ce-`` headers, data in the payload.

The message id is ``<servicio>:<notification id>``: stable across re-publications, so it is
also the JetStream ``Nats-Msg-Id`` (deduplication) and the consumers' inbox key.

Extension attributes of Acompaña: ``ce-usuario`` and ``ce-rol`` (who caused the fact, from the
command's actor), ``ce-cadena`` (the SHA-256 chain of the service's published facts: the hash of
the previous one followed by this one's ``canonico()``) and ``ce-cadenaanterior`` (the position
of the previous fact in that chain, 0 for the first).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime

from pydantic import ValidationError

from shared.contracts.base import SPEC_VERSION, ContractError, IntegrationEvent, territory_token

CONTENT_TYPE = "application/json"
GENESIS = "0" * 64  # the chain's hash before a service's first fact


@dataclass(frozen=True)
class Envelope:
    id: str
    source: str
    subject: str
    time: datetime
    data: IntegrationEvent
    dre: str
    ugel: str
    traceparent: str = ""
    usuario: str = ""
    rol: str = ""
    cadena: str = ""
    cadena_anterior: int = 0
    sequence: int | None = None  # the message's sequence in the stream, once it is there
    # the payload's bytes, once known: as read from the stream, or as hashed by ``encadenar`` (sent as is)
    crudo: bytes | None = field(default=None, repr=False, compare=False)

    @classmethod
    def wrap(
        cls,
        *,
        servicio: str,
        position: int,
        data: IntegrationEvent,
        subject: str,
        time: datetime,
        dre: str | None,
        ugel: str | None,
        traceparent: str = "",
        usuario: str = "",
        rol: str = "",
    ) -> Envelope:
        return cls(
            id=f"{servicio}:{position}",
            source=f"/acompana/{servicio}",
            subject=subject,
            time=time,
            data=data,
            dre=territory_token(dre),
            ugel=territory_token(ugel),
            traceparent=traceparent,
            usuario=usuario,
            rol=rol,
        )

    @property
    def type(self) -> str:
        return self.data.ce_type()

    @property
    def nats_subject(self) -> str:
        return self.data.subject(self.dre, self.ugel)

    @property
    def position(self) -> int:
        """The notification id in the publishing service's store."""
        return int(self.id.rsplit(":", 1)[1])

    def headers(self) -> dict[str, str]:
        headers = {
            "Nats-Msg-Id": self.id,
            "ce-specversion": SPEC_VERSION,
            "ce-id": self.id,
            "ce-source": self.source,
            "ce-type": self.type,
            "ce-subject": self.subject,
            "ce-time": self.time.isoformat(),
            "ce-datacontenttype": CONTENT_TYPE,
        }
        if self.traceparent:
            headers["traceparent"] = self.traceparent
        if self.usuario:
            headers["ce-usuario"] = self.usuario
            headers["ce-rol"] = self.rol
        if self.cadena:
            headers["ce-cadena"] = self.cadena
            headers["ce-cadenaanterior"] = str(self.cadena_anterior)
        return headers

    def canonico(self) -> bytes:
        """What the chain hashes of this fact: its identity, type, time, subject, author and content."""
        return "\n".join((self.id, self.type, self.time.isoformat(), self.subject, self.usuario, self.rol,
                          self.nats_subject)).encode() + b"\n" + self.payload()

    def encadenar(self, anterior: int, hash_anterior: str) -> Envelope:
        """This fact linked after the one at position ``anterior`` whose chain hash is ``hash_anterior``.

        The payload is serialized once: the bytes hashed are kept in ``crudo`` and are the bytes sent."""
        con_crudo = self if self.crudo is not None else replace(self, crudo=self.payload())
        return replace(con_crudo, cadena=self.enlace(hash_anterior, con_crudo.canonico()), cadena_anterior=anterior)

    @staticmethod
    def enlace(hash_anterior: str, canonico: bytes) -> str:
        """The chain hash of a fact: SHA-256 of the previous fact's hash (32 bytes) and its canonical bytes."""
        return hashlib.sha256(bytes.fromhex(hash_anterior) + canonico).hexdigest()

    def payload(self) -> bytes:
        return self.crudo if self.crudo is not None else self.data.model_dump_json().encode()

    @classmethod
    def parse(cls, nats_subject: str, headers: dict[str, str] | None, payload: bytes,
              sequence: int | None = None) -> Envelope:
        """Read a message back; raises ContractError with the reason when it is not valid."""
        headers = headers or {}
        missing = [h for h in ("ce-id", "ce-type", "ce-source", "ce-time") if h not in headers]
        if missing:
            raise ContractError(f"faltan cabeceras CloudEvents: {', '.join(missing)}")
        if headers.get("ce-specversion") != SPEC_VERSION:
            raise ContractError(f"ce-specversion no soportada: {headers.get('ce-specversion')!r}")
        contract = IntegrationEvent.lookup(headers["ce-type"])
        try:
            data = contract.model_validate_json(payload)
            time = datetime.fromisoformat(headers["ce-time"])
        except (ValidationError, ValueError) as exc:
            raise ContractError(f"contenido no válido para {contract.ce_type()}: {exc}") from None
        tokens = nats_subject.split(".")
        if len(tokens) != 6 or nats_subject != contract.subject(tokens[4], tokens[5]):
            raise ContractError(f"sujeto no corresponde al contrato: {nats_subject!r}")
        if ":" not in headers["ce-id"]:
            raise ContractError(f"ce-id no válido: {headers['ce-id']!r}")
        anterior = headers.get("ce-cadenaanterior", "0") or "0"
        if not anterior.isdigit():
            raise ContractError(f"ce-cadenaanterior no válido: {anterior!r}")
        return cls(
            id=headers["ce-id"],
            source=headers["ce-source"],
            subject=headers.get("ce-subject", ""),
            time=time,
            data=data,
            dre=tokens[4],
            ugel=tokens[5],
            traceparent=headers.get("traceparent", ""),
            usuario=headers.get("ce-usuario", ""),
            rol=headers.get("ce-rol", ""),
            cadena=headers.get("ce-cadena", ""),
            cadena_anterior=int(anterior),
            sequence=sequence,
            crudo=payload,
        )
