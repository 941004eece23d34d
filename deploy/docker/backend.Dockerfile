# The backend image: one image for the API, the worker, the migrations and the simulator (the role is the command;
# see deploy/docker-compose.yml). Python 3.11 is Debian bookworm's python3.11, which requires-python (>=3.11,<3.12)
# wants; the dependencies are exactly backend/uv.lock's (`uv sync --frozen --no-dev`).
# Build from the repository's root: docker build --network host -f deploy/docker/backend.Dockerfile .
ARG BASE_IMAGE=chat-base:bookworm

FROM ${BASE_IMAGE} AS build
RUN apt-get update \
    && apt-get install -y python3.11 python3.11-venv \
    && rm -rf /var/lib/apt/lists/*
# The certificate authorities the build machine trusts (scripts/docker.sh copies its bundle here), for PyPI over
# HTTPS from behind an intercepting proxy too. Build stage only: the image itself gets Debian's ca-certificates.
COPY .data/docker/ca-certificates.crt /opt/build-ca.crt
ENV SSL_CERT_FILE=/opt/build-ca.crt PIP_CERT=/opt/build-ca.crt
# uv at the version scripts/bootstrap.sh pins, in a venv of its own (bookworm's pip is externally managed).
ARG UV_VERSION=0.13.9
RUN python3.11 -m venv /opt/uv \
    && /opt/uv/bin/pip install --quiet --disable-pip-version-check "uv==${UV_VERSION}"
ENV UV_PYTHON=/usr/bin/python3.11 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_LINK_MODE=copy \
    UV_COMPILE_BYTECODE=1
WORKDIR /app
# The lock alone first: the dependency layer is rebuilt only when pyproject.toml or uv.lock change. The project itself
# is not installed into the venv; the code is copied beside it and found through PYTHONPATH.
COPY backend/pyproject.toml backend/uv.lock ./
RUN /opt/uv/bin/uv sync --frozen --no-dev --no-install-project --no-cache

FROM ${BASE_IMAGE}
RUN apt-get update \
    && apt-get install -y python3.11 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /app --no-create-home --shell /usr/sbin/nologin chat
COPY --from=build /app/.venv /app/.venv
COPY backend/alembic.ini /app/alembic.ini
COPY backend/alembic /app/alembic
COPY backend/app /app/app
COPY backend/simulator /app/simulator
ENV PATH=/app/.venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
USER chat
# The API by default; the compose file gives each role its command.
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000", "--timeout-keep-alive", "75", "--no-server-header"]
