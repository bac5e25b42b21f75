"""The one access module: who may see and do what (`import access`, then `access.scope_for(user)`).

The rules live in `orgs.rules`, where the pool below this app (`lecturers`, `courses`) asks
them too. The package cannot import them at its own import time, because Django imports
every app's package before any model is ready, so the names are fetched on first use.
"""

import importlib


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    value = getattr(importlib.import_module("orgs.rules"), name)
    globals()[name] = value
    return value
