"""Report model and renderers (text, JSON, table/CSV, SVG histogram)."""
from .model import (FINDING_KINDS, AllocCall, AllocStats, Finding, HeapStats, InterruptStats,
                    Report, StackStats)

__all__ = ["FINDING_KINDS", "AllocCall", "AllocStats", "Finding", "HeapStats", "InterruptStats",
           "Report", "StackStats"]
