# syntax=docker/dockerfile:1
# OCW Rainbow production image: the project's wheel (with htmx from npm inside it) and its dependencies,
# installed into a venv and run as a non-root user.
# Build: docker build -t ocw-rainbow .    Run: docker run -p 8000:8000 -v rainbow-data:/app/var ocw-rainbow

FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

# Builds the project's wheel from a clean tree, with htmx copied in first (as `make setup` does), and collects
# the wheels of every dependency beside it, so the final stage installs without building anything.
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
COPY framework ./framework
COPY surveys ./surveys
COPY --from=assets /src/node_modules/htmx.org/dist/htmx.min.js ./app/static/vendor/htmx.min.js
# The tablets' outbox (idb-keyval) and service worker (Workbox), as the Makefile copies them.
COPY --from=assets /src/node_modules/idb-keyval/dist/umd.js ./app/static/vendor/idb-keyval.js
COPY --from=assets /src/node_modules/workbox-core/build/workbox-core.prod.js \
     /src/node_modules/workbox-routing/build/workbox-routing.prod.js \
     /src/node_modules/workbox-strategies/build/workbox-strategies.prod.js \
     /src/node_modules/workbox-precaching/build/workbox-precaching.prod.js \
     /src/node_modules/workbox-cacheable-response/build/workbox-cacheable-response.prod.js \
     ./app/static/vendor/
RUN python -m pip wheel --wheel-dir /wheels . \
 && python -c "import glob, sys, zipfile; names = zipfile.ZipFile(glob.glob('/wheels/ocw_rainbow-*.whl')[0]).namelist(); sys.exit(0 if 'app/static/vendor/htmx.min.js' in names else 'the wheel has no htmx')"

FROM python:3.11-slim-bookworm
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOST=0.0.0.0 PORT=8000
# WeasyPrint lays out the PDF board pack with pango, in DejaVu Sans (embedded in each PDF).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-index --find-links=/wheels ocw-rainbow
RUN useradd --system --uid 10001 --home-dir /app rainbow
# The working directory holds only data: var/ has the SQLite database and the generated secret key (by default,
# see RAINBOW_DATABASE_URL and RAINBOW_SECRET_KEY_FILE); the code lives in the venv.
WORKDIR /app
RUN mkdir -p /app/var && chown -R rainbow /app/var
USER rainbow
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
CMD ["sh", "-c", "rainbow migrate && exec rainbow serve --host \"$HOST\" --port \"$PORT\""]
