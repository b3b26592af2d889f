"""API documentation rendered on the server from the OpenAPI document.

Ninja's default Swagger UI loads its scripts from a CDN, which our CSP (script-src 'self')
and house rules forbid. This page needs no script at all: operations grouped by tag,
their parameters, status codes and an example answer built from the schema.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from ninja.openapi.docs import DocsBase

if TYPE_CHECKING:
    from ninja import NinjaAPI

MAX_DEPTH = 6
SAMPLE_BY_FORMAT = {"date": "2026-03-31", "date-time": "2026-03-01T09:30:00+01:00", "uri": "https://example.org/"}


class SchemaReader:
    """Resolves $ref, describes parameter types and builds example values."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.components = document.get("components", {}).get("schemas", {})

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        seen = 0
        while "$ref" in schema and seen < MAX_DEPTH:
            schema = self.components.get(schema["$ref"].rsplit("/", 1)[-1], {})
            seen += 1
        return schema

    def _non_null(self, schema: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """The schema without its `null` alternative, and whether null was allowed."""
        schema = self.resolve(schema)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                options = [self.resolve(s) for s in schema[key]]
                others = [s for s in options if s.get("type") != "null"]
                if len(others) == 1:
                    merged = {**{k: v for k, v in schema.items() if k != key}, **others[0]}
                    return merged, len(others) < len(options)
        if "allOf" in schema and len(schema["allOf"]) == 1:
            return self._non_null({**schema["allOf"][0], **{k: v for k, v in schema.items() if k != "allOf"}})
        return schema, False

    def describe(self, schema: dict[str, Any]) -> str:
        schema, _nullable = self._non_null(schema)
        kind = schema.get("type", "object" if "properties" in schema else "")
        if kind == "array":
            kind = f"array of {self.describe(schema.get('items', {}))}"
        parts = [kind + (f" ({schema['format']})" if "format" in schema else "")]
        if "enum" in schema:
            parts.append("one of: " + ", ".join(str(v) for v in schema["enum"]))
        if "minimum" in schema or "maximum" in schema:
            parts.append(f"{schema.get('minimum', '…')} to {schema.get('maximum', '…')}")
        if "maxLength" in schema:
            parts.append(f"at most {schema['maxLength']} characters")
        if "pattern" in schema:
            parts.append(f"pattern {schema['pattern']}")
        if "default" in schema and schema["default"] is not None:
            parts.append(f"default {schema['default']}")
        return ", ".join(p for p in parts if p)

    def example(self, schema: dict[str, Any], depth: int = 0) -> Any:
        schema, _nullable = self._non_null(schema)
        if depth > MAX_DEPTH:
            return None
        for key in ("examples", "example"):
            if key in schema:
                value = schema[key]
                return value[0] if key == "examples" and isinstance(value, list) and value else value
        if "enum" in schema:
            return schema["enum"][0]
        if schema.get("default") is not None:
            return schema["default"]
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            return {name: self.example(prop, depth + 1) for name, prop in schema.get("properties", {}).items()}
        if kind == "array":
            return [self.example(schema.get("items", {}), depth + 1)]
        if kind == "integer":
            return schema.get("minimum", 0)
        if kind == "number":
            return 0.0
        if kind == "boolean":
            return True
        if kind == "string":
            return SAMPLE_BY_FORMAT.get(schema.get("format", ""), "…")
        return None


def operations_by_tag(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The document's operations as template-friendly dicts, grouped by their first tag."""
    reader = SchemaReader(document)
    groups: dict[str, list[dict[str, Any]]] = {}
    for path, methods in document.get("paths", {}).items():
        for method, operation in methods.items():
            params = []
            sample_path = path
            sample_query = []
            for param in operation.get("parameters", []):
                schema = param.get("schema", {})
                example = param.get("example", reader.example(schema))
                params.append(
                    {
                        "name": param["name"],
                        "in": param["in"],
                        "required": param.get("required", False),
                        "type": reader.describe(schema),
                        "description": param.get("description") or reader.resolve(schema).get("description", ""),
                    }
                )
                if param["in"] == "path":
                    sample_path = sample_path.replace("{" + param["name"] + "}", str(example))
                elif param["name"] == "q" and example not in (None, "…"):
                    sample_query.append(f"q={example}")
            responses = []
            for code, response in operation.get("responses", {}).items():
                status = str(code)
                content = response.get("content", {}).get("application/json", {})
                example = reader.example(content["schema"]) if "schema" in content else None
                responses.append(
                    {
                        "status": status,
                        "description": response.get("description", ""),
                        "example": json.dumps(example, indent=2, ensure_ascii=False) if status == "200" else "",
                    }
                )
            tag = (operation.get("tags") or ["default"])[0]
            groups.setdefault(tag, []).append(
                {
                    "id": operation.get("operationId", f"{method}-{path}"),
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": params,
                    "responses": responses,
                    "sample_url": sample_path + ("?" + "&".join(sample_query) if sample_query else ""),
                }
            )
    return [{"tag": tag, "operations": ops} for tag, ops in groups.items()]


class ServerRenderedDocs(DocsBase):
    template = "api/docs.html"

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        document = api.get_openapi_schema(path_params=kwargs)
        groups = operations_by_tag(document)
        return render(
            request,
            self.template,
            {
                "api": api,
                "groups": groups,
                "openapi_url": self.get_openapi_url(api, kwargs),
                "opendata_url": reverse("opendata:index"),
                "error_example": json.dumps(
                    {
                        "error": {
                            "code": "validation_error",
                            "message": "Paramètres invalides.",
                            "details": [
                                {
                                    "location": "query",
                                    "field": "limit",
                                    "message": "Input should be less than or equal to 100",
                                    "type": "less_than_equal",
                                }
                            ],
                        }
                    },
                    indent=2,
                    ensure_ascii=False,
                ),
            },
        )
