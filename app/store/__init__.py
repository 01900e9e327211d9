"""Data access, one module per concept. Functions take the database session and keyword-only arguments,
validate, and raise `app.errors` exceptions; callers own the transaction (``write_session``)."""
