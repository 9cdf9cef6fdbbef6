"""Report model and renderers (text, JSON, table/CSV, SVG histogram), each imported when used."""
from importlib import import_module

# name -> the module of this package defining it: a run that renders nothing (or only text)
# does not pay for compiling and importing the other renderers (README "Speed": start-up)
_WHERE = {"build_report": "build", "SCHEMA": "jsondoc", "render_json": "jsondoc",
          "report_doc": "jsondoc", "object_namer": "names",
          "render_histogram_svg": "svg", "write_histogram_svg": "svg",
          "render_csv": "table", "render_table": "table",
          "render_finding": "text", "render_text": "text",
          **{name: "model" for name in ("FINDING_KINDS", "AllocCall", "AllocStats", "Finding",
                                        "HeapStats", "InterruptStats", "Report", "StackStats")}}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = globals()[name] = getattr(import_module(f".{module}", __name__), name)
    return value
