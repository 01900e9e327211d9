"""HTTP plumbing shared by the routes: the app's state, who is asking (`auth`), CSRF, security headers, error
pages, the OpenAPI document, templating and page helpers, path and query parameters.

It may use the services and the store; the store and the services never import it.
"""
