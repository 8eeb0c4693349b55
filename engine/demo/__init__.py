"""Demo data for a Heyuan installation: units, users, knowledge entries, request templates, and a year of the
hotline lived through the services up to now (docs/demo.md). Never imported by the product's own code; may import
any engine package.
"""
from . import content, generator, kb, requests
from .seed import seed_demo, seed_reference, seed_units, seed_users

__all__ = ["content", "generator", "kb", "requests", "seed_demo",
           "seed_reference", "seed_units", "seed_users"]
