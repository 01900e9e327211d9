"""The OCW Rainbow web service: settings, database, routes (pages and JSON API) and the `rainbow` CLI."""
