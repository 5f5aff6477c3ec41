"""The demo study of DESIGN.md's demo data contract: `manage.py seed_demo`.

clock: each step entered at its clinical date in the site's time zone; entry: a patient's
forms, visit by visit; study: patients in every state at both sites and a monitor's visit.
"""

from .clock import Clock
from .study import build_patient, seed_demo_study

__all__ = ["Clock", "build_patient", "seed_demo_study"]
