"""Thin routes, one module per area: parse the request, call the service code, render."""
