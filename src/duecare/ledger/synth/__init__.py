"""Synthetic portfolio generator: behaviour segments → payment and contact histories (docs/generator.md)."""
