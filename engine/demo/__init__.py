"""Demo data for a Heyuan installation: units, users, knowledge entries, request templates and generated tickets
in every state. Never imported by the product's own code; may import any engine package.
"""
from . import content, generator, kb, requests
from .seed import seed_demo, seed_reference, seed_units, seed_users

__all__ = ["content", "generator", "kb", "requests", "seed_demo",
           "seed_reference", "seed_units", "seed_users"]
