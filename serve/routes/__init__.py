"""The API's routers, one module per resource."""

from serve.routes import matchings, ops, pairings, people, recommendations

__all__ = ["matchings", "ops", "pairings", "people", "recommendations"]
