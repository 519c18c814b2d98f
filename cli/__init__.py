"""policycalc: what money Chinese regional biomedicine policies offer an applicant, and why."""

__version__ = "0.1.0"
