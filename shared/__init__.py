"""Acompaña's shared package: published event contracts and the messaging chassis
(outbox relay, idempotent consumer, telemetry, settings) that every service uses the same way."""
