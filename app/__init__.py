"""The OCW Rainbow web service. Dependencies point one way, down this list:

- `routes` (``api/`` and ``pages/``): thin handlers that parse a request, call a service or the store, render;
- `web`: HTTP plumbing shared by the routes: who is asking, CSRF, error pages, templating, the app's state;
- `services`: work that spans several stores or needs more than one transaction: joining, signing in,
  the group commit of answers, a round's report, exports, the demo;
- `store`: data access, one module per concept, keyword-only functions that take the database session;
- `schemas`: the pydantic models the API takes and gives; `db`: the engine, tables and migrations;
- leaves that everything may use: `config`, `errors`, `identity`, `choices`, `permissions`, `passwords`.

`framework` and `surveys` (the pure domain) sit below all of it and never import `app`.
"""
