"""Reading and writing datareach files: scenario files (:mod:`~datareach.io.scenario`),
variant files and change lists (:mod:`~datareach.io.variants`; loading follows chains of
bases in :mod:`~datareach.io.loading`), policy files (:mod:`~datareach.io.policies`), in the YAML and JSON formats of
:mod:`~datareach.io.formats` (readers :mod:`~datareach.io.yaml_reader` and
:mod:`~datareach.io.json_reader`, writer :mod:`~datareach.io.yaml_writer`), through the
bounded reads and atomic writes of :mod:`~datareach.io.files`."""

from __future__ import annotations

from .policies import Policy, PolicyRule, load_policy, loads_policy
from .scenario import dumps, load, loads, save
from .variants import save_variant, variant_dict

__all__ = [
    "Policy",
    "PolicyRule",
    "dumps",
    "load",
    "load_policy",
    "loads",
    "loads_policy",
    "save",
    "save_variant",
    "variant_dict",
]
