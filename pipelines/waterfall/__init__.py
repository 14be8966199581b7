"""One waterfall for everything that has a start and an end: a pipeline run (run > service >
stage) and a shop trace (a span tree) are drawn by the same code, so they read the same way."""

from pipelines.waterfall.model import Bar, Timeline
from pipelines.waterfall.render import WATERFALL_CSS, render_waterfall

__all__ = ["WATERFALL_CSS", "Bar", "Timeline", "render_waterfall"]
