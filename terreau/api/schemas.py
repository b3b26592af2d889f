"""Schemas shared by every router: error bodies, pagination, references.

Routers live in each app's `api.py` (terreau/processes/api.py, terreau/territories/api.py,
a module's api.py) and import what they need from here.
"""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import AfterValidator

# Hard bounds of every list endpoint (docs/api.md, "Pagination").
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_OFFSET = 1_000_000
MAX_PAGE = MAX_OFFSET // MAX_LIMIT
MAX_QUERY_LENGTH = 100


def _strip_controls(value: str) -> str:
    """Drop control characters (NUL is refused by PostgreSQL) and surrounding spaces."""
    return "".join(ch for ch in value if ch >= " " or ch in "\t").strip()


# A free-text query parameter: bounded and cleaned; it only ever reaches the ORM as a value.
SearchText = Annotated[str, Field(max_length=MAX_QUERY_LENGTH), AfterValidator(_strip_controls)]

SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
REGION_CODE_PATTERN = r"^[0-9]{2}$"
DEPARTEMENT_CODE_PATTERN = r"^([0-9]{2,3}|2[AB])$"
COMMUNE_CODE_PATTERN = r"^([0-9]{5}|2[AB][0-9]{3})$"


# --- Errors ------------------------------------------------------------------------------
class ErrorDetail(Schema):
    location: str | None = Field(None, description="Where the problem is: query, path, header…", examples=["query"])
    field: str | None = Field(None, description="The parameter at fault.", examples=["limit"])
    message: str = Field(..., examples=["Input should be less than or equal to 100"])
    type: str | None = Field(None, description="Machine-readable kind of problem.", examples=["less_than_equal"])


class ErrorBody(Schema):
    code: str = Field(
        ...,
        description="Stable machine-readable code: not_found, validation_error, bad_request, "
        "method_not_allowed, rate_limited, server_error.",
        examples=["validation_error"],
    )
    message: str = Field(
        ..., description="Human-readable message (French by default).", examples=["Paramètres invalides."]
    )
    details: list[ErrorDetail] = Field(default_factory=list)


class ErrorOut(Schema):
    """Every error answer of the API has this shape."""

    error: ErrorBody


# The error answers every operation may give, for `response={200: X, **ERRORS}`.
ERRORS: dict[int, Any] = {404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
LIST_ERRORS: dict[int, Any] = {422: ErrorOut, 429: ErrorOut}


# --- Pagination --------------------------------------------------------------------------
class PageParams(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"Items per page (1 to {MAX_LIMIT}).")
    offset: int | None = Field(None, ge=0, le=MAX_OFFSET, description="Items to skip (0 by default).")
    page: int | None = Field(
        None,
        ge=1,
        le=MAX_PAGE,
        description="Page number from 1: sets offset to (page - 1) × limit, replacing any offset given.",
    )


class PageOut(Schema):
    count: int = Field(..., description="Items matching the filters, across all pages.", examples=[42])
    limit: int = Field(..., examples=[DEFAULT_LIMIT])
    offset: int = Field(..., examples=[0])
    next: str | None = Field(None, description="URL of the next page, null on the last one.")
    previous: str | None = Field(None, description="URL of the previous page, null on the first one.")


# --- References ---------------------------------------------------------------------------
class TerritoryRef(Schema):
    level: str = Field(..., description="region, departement or commune.", examples=["departement"])
    code: str = Field(..., description="INSEE code.", examples=["69"])
    name: str = Field(..., examples=["Rhône"])


class InstitutionRef(Schema):
    slug: str = Field(..., examples=["metropole-de-lyon"])
    name: str = Field(..., examples=["Métropole de Lyon"])
