"""The JetStream streams, declared by exactly one owner.

Services never declare streams (faststream's ``JStream`` would overwrite the server's config
with its own); they bind with ``declare=False``. The owner is this module: the embedded
launcher runs it before the services, and in Kubernetes a Job does
(``python -m shared.streams --nats-url ...``).
"""

from __future__ import annotations

import argparse
import asyncio

import nats
from nats.js import JetStreamContext
from nats.js.api import (
    DiscardPolicy,
    KeyValueConfig,
    ObjectStoreConfig,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import BucketNotFoundError, NotFoundError

from shared.settings import ServiceSettings

STREAM = "ACOMPANA"
DLQ_STREAM = "ACOMPANA_DLQ"
DLQ_ROOT = "acompana-dlq"
ADJUNTOS_BUCKET = "ACOMPANA_ADJUNTOS"  # evidencias's attachments (object store), never exported
LEADERS_BUCKET = "acompana_lideres"  # which replica of each service runs its outbox relay (shared.liderazgo)
RITMO_BUCKET = "acompana_ritmo"  # each user's requests per minute, shared by the replicas (shared.ritmo)

EVENTS = StreamConfig(
    name=STREAM,
    description="Hechos publicados por los servicios de Acompaña (contratos versionados).",
    subjects=["acompana.>"],
    retention=RetentionPolicy.LIMITS,
    storage=StorageType.FILE,
    discard=DiscardPolicy.OLD,
    max_age=0,  # no age limit: other systems replay from the beginning
    duplicate_window=15 * 60,
    num_replicas=1,
)

DEAD_LETTERS = StreamConfig(
    name=DLQ_STREAM,
    description="Mensajes que un consumidor no pudo procesar, con su motivo; re-enviables.",
    subjects=[f"{DLQ_ROOT}.>"],
    retention=RetentionPolicy.LIMITS,
    storage=StorageType.FILE,
    max_age=0,
    duplicate_window=15 * 60,
    num_replicas=1,
)


def dlq_subject(durable: str) -> str:
    return f"{DLQ_ROOT}.{durable}"


def leaders_bucket(lease_seconds: float, replicas: int = 1) -> KeyValueConfig:
    """The leaders bucket: its TTL is how long a lease lasts without renewal."""
    return KeyValueConfig(
        bucket=LEADERS_BUCKET,
        description="Concesiones de liderazgo: qué réplica de cada servicio publica su outbox.",
        history=1, ttl=lease_seconds, storage=StorageType.FILE, replicas=replicas)


async def ensure_streams(js: JetStreamContext, replicas: int = 1) -> None:
    """Create or update both streams, the attachments bucket, the leaders and the rate buckets (idempotent)."""
    for config in (EVENTS, DEAD_LETTERS):
        config.num_replicas = replicas
        try:
            await js.stream_info(config.name)
        except NotFoundError:
            await js.add_stream(config)
        else:
            await js.update_stream(config)
    try:
        await js.object_store(ADJUNTOS_BUCKET)
    except BucketNotFoundError:
        await js.create_object_store(ADJUNTOS_BUCKET, ObjectStoreConfig(
            description="Adjuntos de evidencias (fotos, actas, documentos) por su SHA-256; no son públicos.",
            storage=StorageType.FILE, replicas=replicas))
    try:
        await js.key_value(LEADERS_BUCKET)
    except BucketNotFoundError:
        # the TTL is the services' default lease (``<S>_RELAY_LEASE_SECONDS``), declared in one place
        lease_seconds = ServiceSettings.model_fields["relay_lease_seconds"].default
        await js.create_key_value(leaders_bucket(lease_seconds, replicas=replicas))
    try:
        await js.key_value(RITMO_BUCKET)
    except BucketNotFoundError:
        await js.create_key_value(KeyValueConfig(
            bucket=RITMO_BUCKET, description="Solicitudes de cada usuario por minuto, entre todas las réplicas.",
            history=1, ttl=120, storage=StorageType.MEMORY, replicas=replicas))


async def _main(url: str, replicas: int) -> None:
    nc = await nats.connect(url)
    try:
        await ensure_streams(nc.jetstream(), replicas)
        info = await nc.jetstream().stream_info(STREAM)
        print(f"stream {STREAM}: {info.state.messages} mensajes, réplicas {replicas}")
    finally:
        await nc.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Declara los streams de Acompaña en JetStream.")
    parser.add_argument("--nats-url", default="nats://127.0.0.1:4222")
    parser.add_argument("--replicas", type=int, default=1)
    args = parser.parse_args()
    asyncio.run(_main(args.nats_url, args.replicas))
