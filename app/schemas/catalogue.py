"""The framework and its questionnaires, as the public API gives them."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ScalePointPublic(BaseModel):
    value: int
    label: str = Field(description="The words staff answer with, e.g. 'Mostly true'")
    stage: str = Field(description="The journey stage the point stands for, fragmented (1) to integrated (5)")
    child_label: str
    description: str


class ViewpointPublic(BaseModel):
    key: str
    label: str
    description: str


class ArcPublic(BaseModel):
    key: str
    colour: str
    title: str
    short_title: str
    about: str
    integrated: str
    fragmented: str
    success: dict[str, str]
    provenance: str


class FrameworkPublic(BaseModel):
    version: str
    title: str
    provenance: str
    scale: list[ScalePointPublic]
    viewpoints: list[ViewpointPublic]
    arcs: list[ArcPublic]


class ItemPublic(BaseModel):
    code: str
    text: str
    child_text: str | None = None


class SurveyPublic(BaseModel):
    arc: str
    viewpoint: str
    framework_version: str
    items: list[ItemPublic]
