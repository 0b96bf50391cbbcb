"""The request and response objects passed between the HTTP layer and the endpoints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from .params import QueryString
from .render import Renderer

__all__ = ["Request", "Response", "Ctx"]


@dataclass
class Request:
    """One HTTP request: ``path`` without the query string; header names lower case."""

    method: str
    path: str
    query: QueryString
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()


@dataclass
class Response:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Ctx:
    """What an endpoint needs besides its path arguments: the request, the API
    prefix it came in under (``/api/v1.1`` or ``/api/v1``) and the renderer for it."""

    req: Request
    prefix: str
    renderer: Renderer
