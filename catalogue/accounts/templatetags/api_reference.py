"""The API guide's list of every REST endpoint, read from the OpenAPI schema itself, so the
guide cannot leave one out or name one that is gone. Lives with the machine users' account
pages (their tokens are what these endpoints ask for)."""

import functools

from django import template

register = template.Library()

METHOD_ORDER = ["get", "post", "put", "patch", "delete"]


@functools.cache
def _operations() -> tuple[tuple[str, str, tuple[dict, ...]], ...]:
    from drf_spectacular.generators import SchemaGenerator  # reads every URL: only when asked

    schema = SchemaGenerator().get_schema(request=None, public=True)
    descriptions = {tag["name"]: tag.get("description", "") for tag in schema.get("tags", [])}
    groups: dict[str, list[dict]] = {name: [] for name in descriptions}
    for path, operations in schema["paths"].items():
        for method in sorted(operations, key=lambda m: METHOD_ORDER.index(m) if m in METHOD_ORDER else 9):
            operation = operations[method]
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            tag = (operation.get("tags") or ["Other"])[0]
            groups.setdefault(tag, []).append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary") or operation["operationId"],
                    "anchor": f"operation/{operation['operationId']}",
                    # A GET with no {placeholder} can be opened as it is.
                    "openable": method == "get" and "{" not in path,
                }
            )
    return tuple((name, descriptions.get(name, ""), tuple(items)) for name, items in groups.items() if items)


@register.simple_tag
def api_operations():
    """[(group, description, [operation, ...]), ...] in the schema's order of groups."""
    return _operations()
