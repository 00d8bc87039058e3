# syntax=docker/dockerfile:1
# Image of the web application (build from the repository root):
#   docker build -f deploy/docker/web.Dockerfile -t acompana/web:dev .
# Two stages: the first installs the pinned wheels (deploy/requirements.txt) into a virtualenv;
# the second copies only that virtualenv and the application's code (its templates, catalogs and static
# files included; it imports nothing of shared/ nor of the four services) onto the slim base, without pip,
# compilers or package caches, and runs as an unprivileged user.

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
COPY deploy/requirements.txt /tmp/requirements.txt
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-deps --only-binary=:all: -r /tmp/requirements.txt \
 && /opt/venv/bin/pip check \
 && /opt/venv/bin/pip uninstall -y pip setuptools
COPY services/__init__.py /app/services/__init__.py
COPY services/web /app/services/web
RUN /opt/venv/bin/python -m compileall -q /app

FROM python:3.11-slim-bookworm
# The base image's own pip and setuptools are not needed at run time.
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
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=6 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4)"]
CMD ["uvicorn", "--factory", "services.web.main:create_app", "--host", "0.0.0.0", "--port", "8000"]
