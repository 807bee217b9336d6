"""snn_adapters: thin torch adapters that connect SNN layers to the chgraph engine.

Not implemented yet: the adapters (``CHSNN``) are tracked as their own issue and land on top of
the engine. Importing this package only checks that torch is available.
"""

try:
    import torch  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "snn_adapters needs torch; install torch==2.13.0 (CPU build) first, see README.md"
    ) from exc

__all__: list[str] = []
