"""Terreau's synthesis engine: pure Python + numpy/scipy/scikit-learn, no Django.

    from terreau.synthesis.engine import Contribution, synthesize
    synthesis = synthesize([Contribution(id=1, text="...", author_id="u1"), ...])
    data = synthesis.to_dict()   # JSON-serialisable

See docs/synthesis.md.
"""

from .incremental import Assignment, ThemeModel
from .model import (
    Campaign,
    Contribution,
    GroupBreakdown,
    OneLiner,
    RareArgument,
    Synthesis,
    SynthesisParams,
    Theme,
    ThemeDeviation,
    Unit,
    Verbatim,
)
from .pipeline import Result, run, synthesize

__all__ = [
    "Assignment",
    "Campaign",
    "Contribution",
    "GroupBreakdown",
    "OneLiner",
    "RareArgument",
    "Result",
    "Synthesis",
    "SynthesisParams",
    "Theme",
    "ThemeDeviation",
    "ThemeModel",
    "Unit",
    "Verbatim",
    "run",
    "synthesize",
]
