"""Shared pytest configuration: hypothesis profiles.

Choose one with the environment variable ``HYPOTHESIS_PROFILE`` (default ``dev``):
``ci`` (25 examples, derandomized), ``dev`` (50 examples), ``thorough`` (500 examples).
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile("thorough", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
