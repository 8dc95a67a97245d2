# syntax=docker/dockerfile:1
# hotel-agent image: one image for the web process (`hotel-agent serve`, the default command), the queue
# worker (`hotel-agent worker`) and the migration job (`hotel-agent migrate`). docs/deploy.md, "Containers".
#
# The install steps are the ones CI runs (Makefile `install`: uv at UV_VERSION, `uv sync --frozen`), here
# without the dev group: uv.lock decides every version, and a lock that does not match pyproject fails the
# build. tests/deploy/test_container_files.py keeps the two in step.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ARG UV_VERSION=0.13.8
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_NO_CACHE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m pip install "uv==${UV_VERSION}"
WORKDIR /app
# Dependencies first (a layer that changes only with the lock), then the project itself.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY alembic.ini ./
COPY migrations ./migrations
COPY src ./src
RUN uv sync --frozen --no-dev
# The NLU model is built here, once, not by the first process that starts (var/models/nlu-<hash>.joblib).
RUN .venv/bin/hotel-agent nlu train --model-dir /app/var/models

FROM ${PYTHON_IMAGE} AS runtime
# A fixed uid/gid so volumes and Kubernetes' runAsUser agree with the image.
RUN groupadd --system --gid 10001 hotel \
    && useradd --system --uid 10001 --gid hotel --no-create-home --home-dir /app --shell /usr/sbin/nologin hotel
WORKDIR /app
COPY --from=build /app/pyproject.toml /app/uv.lock /app/alembic.ini ./
COPY --from=build /app/migrations ./migrations
COPY --from=build /app/src ./src
COPY --from=build /app/.venv ./.venv
COPY --from=build --chown=hotel:hotel /app/var/models ./var/models
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    ENVIRONMENT=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    NLU_MODEL_DIR=/app/var/models \
    LOG_FORMAT=json
USER 10001:10001
EXPOSE 8000
# Liveness of the web process (readiness, which also checks PostgreSQL/Redis/the queue, is for balancers).
# A worker container overrides this with its metrics port (docker-compose.production.yml, deploy/k8s/).
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; url = 'http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/health/live'; sys.exit(0 if urllib.request.urlopen(url, timeout=2).status == 200 else 1)"]
STOPSIGNAL SIGTERM
CMD ["hotel-agent", "serve"]
