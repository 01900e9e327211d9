"""Data access, one module per concept. Functions take the database session and keyword-only arguments,
validate, raise `app.errors` exceptions, and record their own changes in the audit log; callers own the
transaction (``write_session``). Nothing here imports FastAPI or `app.web`."""
