"""Reading and writing datareach files: scenario files (:mod:`~datareach.io.scenario`),
variant files and change lists (:mod:`~datareach.io.variants`; loading follows chains of
bases in :mod:`~datareach.io.loading`), policy files (:mod:`~datareach.io.policies`), spreadsheets
(:mod:`~datareach.io.spreadsheets`: XLSX workbooks in :mod:`~datareach.io.xlsx`, CSV folders in
:mod:`~datareach.io.csv_folder`, their shared rows and columns in :mod:`~datareach.io.sheets`,
templates in :mod:`~datareach.io.template`), in the YAML and JSON formats of
:mod:`~datareach.io.formats` (readers :mod:`~datareach.io.yaml_reader` and
:mod:`~datareach.io.json_reader`, writer :mod:`~datareach.io.yaml_writer`), through the
bounded reads and atomic writes of :mod:`~datareach.io.files`."""

from __future__ import annotations

from .policies import Policy, PolicyRule, load_policy, loads_policy
from .scenario import dumps, load, loads, save
from .sheets import SheetError
from .template import template
from .variants import save_variant, variant_dict

__all__ = [
    "Policy",
    "PolicyRule",
    "SheetError",
    "dumps",
    "load",
    "load_policy",
    "loads",
    "loads_policy",
    "save",
    "save_variant",
    "template",
    "variant_dict",
]
