# Avanochi in a container: `docker build -t avanochi .` then
# `docker run -p 3978:3978 -v avanochi-data:/data --env-file .env avanochi` (or compose.yaml).

# -- build: the runtime dependencies into a virtual environment --------------------------------
FROM python:3.11-slim-bookworm AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Every compiled dependency ships a manylinux wheel for Python 3.11, so this stage needs no
# compiler; on a platform without wheels, add one here, never in the final stage.
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --no-cache-dir -r /tmp/requirements.txt \
    && /opt/venv/bin/pip uninstall --yes pip

# -- teams-js: the Teams tab's client library, from npm, pinned by its lockfile -----------------
FROM node:20-bookworm-slim AS teams-js
WORKDIR /build
COPY web/teams-js/package.json web/teams-js/package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts

# -- final: the virtual environment and the code, run by an unprivileged user ------------------
FROM python:3.11-slim-bookworm

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    HOST=0.0.0.0 \
    PORT=3978 \
    AVANOCHI_DB_PATH=/data/avanochi.sqlite3

# A fixed id, so a bind-mounted data folder can be given to it (chown 10001 ./data).
RUN groupadd --system --gid 10001 avanochi \
    && useradd --system --uid 10001 --gid avanochi --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin avanochi \
    && mkdir /data \
    && chown avanochi:avanochi /data

COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# Owned by root and only readable by the app: a compromised process cannot rewrite its own code.
# .dockerignore lets only the application's own folders in (no tests, tools, data or .env).
COPY . .
# The app serves it itself: the dashboard's pages load nothing from other sites.
COPY --from=teams-js /build/node_modules/@microsoft/teams-js/dist/umd/MicrosoftTeams.min.js \
    /build/node_modules/@microsoft/teams-js/LICENSE /app/web/static/teams-js/
RUN python -m compileall -q /app

# Numeric, so an orchestrator can check it is not root (runAsNonRoot) without the passwd file.
USER 10001:10001
VOLUME ["/data"]
EXPOSE 3978

# The liveness probe, with the Python the image already has (no curl in a slim image).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/livez' % os.environ.get('PORT', '3978'), timeout=4)"]

# SIGTERM drains (AVANOCHI_SHUTDOWN_GRACE_SECONDS, 20 by default): give `docker stop` more
# than that (-t 30; compose.yaml sets stop_grace_period).
CMD ["python", "app.py"]
