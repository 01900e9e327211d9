"""The JSON API under ``/api`` (and ``/healthz``), one module per area; described at ``/api/openapi.json``."""
