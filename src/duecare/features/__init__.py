"""Pure features computed from a case's frames (no ORM, web, CLI or crypto): contact features per DESIGN.md.

Below both the policy (which decides on them) and the contacts domain (which records the contacts they count).
"""
