"""Report model and renderers (text, JSON, table/CSV, SVG histogram)."""
from .build import build_report
from .jsondoc import SCHEMA, render_json, report_doc
from .model import (FINDING_KINDS, AllocCall, AllocStats, Finding, HeapStats, InterruptStats,
                    Report, StackStats)
from .names import object_namer
from .svg import render_histogram_svg, write_histogram_svg
from .table import render_csv, render_table
from .text import render_finding, render_text

__all__ = ["FINDING_KINDS", "SCHEMA", "AllocCall", "AllocStats", "Finding", "HeapStats",
           "InterruptStats", "Report", "StackStats", "build_report", "object_namer", "render_csv",
           "render_finding", "render_histogram_svg", "render_json", "render_table",
           "render_text", "report_doc", "write_histogram_svg"]
