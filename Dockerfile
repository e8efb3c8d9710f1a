# syntax=docker/dockerfile:1
#
# gestaltd in a slim Debian Python image, running as a non-root user.
#
#   docker build -t gestaltd .
#   docker run -p 8080:8080 -v "$PWD/deploy:/etc/gestalt:ro" -e GESTALT_ENCRYPTION_KEY=... gestaltd
#
# Mount the deployment (gestalt.yaml, providers.d/, bindings.d/) at /etc/gestalt. Everything the
# server writes goes under /var/lib/gestalt (a volume): caches, and a SQLite datastore if the
# config points there (datastore.config.path: /var/lib/gestalt/gestalt.db). Only PyPI packages
# and the Debian base image are used; nothing is compiled.

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY schemas ./schemas
COPY engine ./engine
# engine/schemas is a symlink to ../schemas in the repository: the copy above keeps it resolvable.
RUN python -m venv /opt/gestalt \
    && /opt/gestalt/bin/pip install --no-compile . \
    && /opt/gestalt/bin/python -m compileall -q /opt/gestalt/lib

FROM python:3.11-slim-bookworm
RUN groupadd --system --gid 10001 gestalt \
    && useradd --system --uid 10001 --gid gestalt --home-dir /var/lib/gestalt --create-home gestalt
COPY --from=build /opt/gestalt /opt/gestalt
ENV PATH=/opt/gestalt/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    GESTALT_CONFIG=/etc/gestalt/gestalt.yaml \
    GESTALT_CACHE_DIR=/var/lib/gestalt/cache \
    XDG_CACHE_HOME=/var/lib/gestalt/cache
USER gestalt:gestalt
WORKDIR /var/lib/gestalt
VOLUME ["/var/lib/gestalt"]
EXPOSE 8080
# The standard library only (the image has no curl). GESTALT_HEALTH_URL overrides the address,
# e.g. when server.port is not the default 8080.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(os.environ.get('GESTALT_HEALTH_URL', 'http://127.0.0.1:8080/health'), timeout=2)"]
ENTRYPOINT ["gestaltd"]
CMD ["serve", "--config", "/etc/gestalt/gestalt.yaml"]
