"""The model: what its sections and fields are, how entries and frames become checked
columns, the :class:`Model` class that holds them, and its lowering to the core.

- :mod:`~datareach.model.fields`: sections, fields, defaults and numeric ranges
- :mod:`~datareach.model.values`: checks of single values (ids, text, regions, free data)
- :mod:`~datareach.model.ingest`: entries and frames to raw columns
- :mod:`~datareach.model.batch`: raw columns to canonical columns, field by field
- :mod:`~datareach.model.validate`: the validator and its checks across fields and sections
- :mod:`~datareach.model.tables`: the column tables and their id indexes
- :mod:`~datareach.model.builders`: the ``add_*`` methods that :class:`Model` inherits
- :mod:`~datareach.model.entries`: tables written back as scenario entries
- :mod:`~datareach.model.model`: the :class:`Model` class
- :mod:`~datareach.model.lowering`: lowering to and compiling on the C++ core
"""

from __future__ import annotations

from .model import Model

__all__ = ["Model"]
