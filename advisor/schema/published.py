"""The published JSON Schema of scenario files (for editors and ``check-jsonschema``).

Generated from the pydantic models (every field documented with its unit; defaults are
appended to the description). Two things pydantic cannot say are added: ``workloads`` may be
omitted when ``workload_inventories`` gives them, and the ``$schema`` / ``$id`` keywords.
The schema of ``plan.json`` is in :mod:`advisor.plan.json_schema`.
"""

from __future__ import annotations

import json
from typing import Any

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCENARIO_ID = "urn:advisor:schema:scenario:1"
MODELINE = "# yaml-language-server: $schema={url}"


def _with_defaults(node: Any) -> None:
    """Append ``Default: x.`` to the description of every property that has a short default."""
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict):
            for prop in props.values():
                if "default" not in prop or "description" not in prop:
                    continue
                default = prop["default"]
                text = json.dumps(default)
                if isinstance(default, dict) or len(text) > 60 or "Default:" in prop["description"]:
                    continue
                if default is None:
                    text = "none"
                elif default == []:
                    text = "empty"
                prop["description"] = prop["description"].rstrip() + f" Default: {text}."
        for value in node.values():
            _with_defaults(value)
    elif isinstance(node, list):
        for value in node:
            _with_defaults(value)


def scenario_schema() -> dict:
    """JSON Schema (2020-12) of scenario files.

    >>> s = scenario_schema(); s["$id"], "workloads" in s["required"]
    ('urn:advisor:schema:scenario:1', False)
    """
    from advisor.schema.scenario import Scenario

    schema = Scenario.model_json_schema()
    _with_defaults(schema)
    schema["required"] = [r for r in schema.get("required", []) if r != "workloads"]
    schema["anyOf"] = [{"required": ["workloads"]}, {"required": ["workload_inventories"]}]
    schema["properties"]["workloads"].pop("minItems", None)
    return {"$schema": DIALECT, "$id": SCENARIO_ID, **schema}
