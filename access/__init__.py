"""The one access module: who may see and do what (`import access`, then `access.scope_for(user)`).

The rules live in `access.rules`. The package cannot import them at its own import time,
because Django imports every app's package before any model is ready, so the names are
fetched from `rules` on first use.
"""

import importlib


def __getattr__(name: str):
    if name.startswith("__") or name == "rules":
        raise AttributeError(name)
    value = getattr(importlib.import_module("access.rules"), name)
    globals()[name] = value
    return value
