# syntax=docker/dockerfile:1
# Image of the one-shot job that declares the JetStream streams (`python -m shared.streams`), the
# streams' only owner: docker-compose's `streams` service and the Kubernetes Job `acompana-streams`.
#   docker build -f deploy/docker/streams.Dockerfile -t acompana/streams:dev .
# Same build as the services' images (deploy/docker/<servicio>.Dockerfile), with shared/ only.

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
COPY deploy/requirements.txt /tmp/requirements.txt
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-deps --only-binary=:all: -r /tmp/requirements.txt \
 && /opt/venv/bin/pip check \
 && /opt/venv/bin/pip uninstall -y pip setuptools
COPY shared /app/shared
RUN /opt/venv/bin/python -m compileall -q /app

FROM python:3.11-slim-bookworm
RUN python -m pip uninstall -y pip setuptools wheel \
 && groupadd --system --gid 10001 acompana \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin acompana
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
WORKDIR /app
USER 10001:10001
# A job that runs once and exits: there is no server whose health to check.
HEALTHCHECK NONE
CMD ["python", "-m", "shared.streams", "--nats-url", "nats://nats:4222", "--replicas", "1"]
