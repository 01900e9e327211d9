"""The HTML pages, one module per area. Every form works without JavaScript; htmx only improves them."""
