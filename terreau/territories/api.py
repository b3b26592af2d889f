"""API router of the territories app: régions, départements, communes (INSEE COG).

Public geography; mounted under /api/territories by terreau/api/api.py (docs/api.md).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Path, Query, Router, Schema

from terreau.api.pagination import paginate
from terreau.api.schemas import (
    COMMUNE_CODE_PATTERN,
    DEPARTEMENT_CODE_PATTERN,
    ERRORS,
    LIST_ERRORS,
    REGION_CODE_PATTERN,
    PageOut,
    PageParams,
    SearchText,
)
from terreau.territories.models import Commune, Departement, Region
from terreau.territories.queries import commune_matches

router = Router(tags=["Territories"])


class RegionOut(Schema):
    code: str = Field(..., description="INSEE code.", examples=["84"])
    name: str = Field(..., examples=["Auvergne-Rhône-Alpes"])


class RegionPage(PageOut):
    results: list[RegionOut]


class DepartementOut(Schema):
    code: str = Field(..., description="INSEE code.", examples=["69"])
    name: str = Field(..., examples=["Rhône"])
    region: RegionOut


class DepartementPage(PageOut):
    results: list[DepartementOut]


class CommuneOut(Schema):
    code: str = Field(..., description="INSEE code (not a postcode).", examples=["69123"])
    name: str = Field(..., examples=["Lyon"])
    departement: RegionOut = Field(..., description="Code and name of the département.")
    region: RegionOut
    population: int = Field(..., examples=[522250])
    postcodes: list[str] = Field(..., examples=[["69001", "69002"]])


class CommunePage(PageOut):
    results: list[CommuneOut]


class DepartementFilters(Schema):
    region: str | None = Field(None, pattern=REGION_CODE_PATTERN, description="Région INSEE code.")


class CommuneFilters(Schema):
    q: SearchText | None = Field(
        None,
        description="Name (accents and case ignored), postcode or INSEE code; results best match first.",
    )
    departement: str | None = Field(None, pattern=DEPARTEMENT_CODE_PATTERN, description="Département INSEE code.")


def region_out(region: Region) -> dict[str, str]:
    return {"code": region.code, "name": region.name}


def departement_out(departement: Departement) -> dict[str, Any]:
    return {"code": departement.code, "name": departement.name, "region": region_out(departement.region)}


def commune_out(commune: Commune) -> dict[str, Any]:
    departement = commune.departement
    return {
        "code": commune.code,
        "name": commune.name,
        "departement": {"code": departement.code, "name": departement.name},
        "region": region_out(departement.region),
        "population": commune.population,
        "postcodes": commune.postcode_list,
    }


@router.get("/regions", response={200: RegionPage, **LIST_ERRORS})
def list_regions(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    """Régions, by name."""
    return paginate(request, Region.objects.order_by("name", "code"), page, transform=region_out)


@router.get("/regions/{code}", response={200: RegionOut, **ERRORS})
def get_region(request: HttpRequest, code: str = Path(..., pattern=REGION_CODE_PATTERN, example="84")) -> Any:
    """One région by INSEE code."""
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise Http404
    return region_out(region)


@router.get("/departements", response={200: DepartementPage, **LIST_ERRORS})
def list_departements(
    request: HttpRequest, filters: Query[DepartementFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Départements, by code."""
    qs = Departement.objects.select_related("region").order_by("code")
    if filters.region:
        qs = qs.filter(region_id=filters.region)
    return paginate(request, qs, page, transform=departement_out)


@router.get("/departements/{code}", response={200: DepartementOut, **ERRORS})
def get_departement(request: HttpRequest, code: str = Path(..., pattern=DEPARTEMENT_CODE_PATTERN, example="69")) -> Any:
    """One département by INSEE code."""
    departement = Departement.objects.select_related("region").filter(code=code).first()
    if departement is None:
        raise Http404
    return departement_out(departement)


@router.get("/communes", response={200: CommunePage, **LIST_ERRORS})
def list_communes(request: HttpRequest, filters: Query[CommuneFilters], page: Query[PageParams]) -> dict[str, Any]:
    """Communes: searched with `q` (the site's commune search, best match first), else by name."""
    qs = commune_matches(filters.q) if filters.q else Commune.objects.order_by("name", "code")
    if filters.departement:
        qs = qs.filter(departement_id=filters.departement)
    return paginate(request, qs.select_related("departement__region"), page, transform=commune_out)


@router.get("/communes/{code}", response={200: CommuneOut, **ERRORS})
def get_commune(request: HttpRequest, code: str = Path(..., pattern=COMMUNE_CODE_PATTERN, example="69123")) -> Any:
    """One commune by INSEE code."""
    commune = Commune.objects.select_related("departement__region").filter(code=code).first()
    if commune is None:
        raise Http404
    return commune_out(commune)
