# OCW Rainbow production image: htmx from npm, Python dependencies in a venv, run as a non-root user.
# Build: docker build -t ocw-rainbow .    Run: docker run -p 8000:8000 -v rainbow-data:/app/var ocw-rainbow

FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY framework ./framework
COPY surveys ./surveys
RUN /opt/venv/bin/pip install -e .

FROM python:3.11-slim-bookworm
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 HOST=0.0.0.0 PORT=8000
RUN useradd --system --uid 10001 --home-dir /app rainbow
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
COPY templates ./templates
COPY static ./static
COPY --from=assets /src/node_modules/htmx.org/dist/htmx.min.js ./static/vendor/htmx.min.js
RUN mkdir -p /app/var && chown -R rainbow /app/var
USER rainbow
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
CMD ["sh", "-c", "rainbow migrate && exec rainbow serve --host \"$HOST\" --port \"$PORT\""]
