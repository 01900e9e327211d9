"""A trust over the years, as the API gives it: each arc in each published round, with its interval."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class TrendRoundOut(BaseModel):
    id: int
    name: str
    publication: int = Field(description="Which publication of the round these figures are")
    published_at: datetime
    overall: float | None = Field(description="The round score: mean of its arc scores; null if none")


class TrendPointOut(BaseModel):
    round_id: int
    score: float | None = Field(description="The arc's score in the round; null when every cell was hidden")
    ci_low: float | None = Field(description="Lower end of the score's 95% bootstrap interval")
    ci_high: float | None = Field(description="Upper end of the score's 95% bootstrap interval")


class TrendArcOut(BaseModel):
    arc: str
    title: str
    points: list[TrendPointOut] = Field(description="One per round, in the order of `rounds`")


class TrendOut(BaseModel):
    trust_id: int
    rounds: list[TrendRoundOut] = Field(description="The trust's published rounds, earliest first")
    arcs: list[TrendArcOut]
