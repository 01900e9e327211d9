"""Thin routes, one module per area: ``api/`` for the JSON API, ``pages/`` for the HTML pages. A handler
parses the request, calls a service or the store, and renders; it never touches a table itself."""
