"""Renderers: one result object, many formats. Only `table` imports rich."""
