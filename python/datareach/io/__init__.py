"""Reading and writing datareach files: scenario files (:mod:`~datareach.io.scenario`),
variant files and change lists (:mod:`~datareach.io.variants`), in the YAML and JSON
formats of :mod:`~datareach.io.formats`."""

from __future__ import annotations

from .scenario import dumps, load, loads, save
from .variants import save_variant, variant_dict

__all__ = ["dumps", "load", "loads", "save", "save_variant", "variant_dict"]
