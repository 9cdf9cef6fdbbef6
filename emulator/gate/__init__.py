"""The CI gate behind ``fwsandbox check``: targets, parallel runs, checks, baseline, JUnit, SARIF."""
from .baseline import SCHEMA as BASELINE_SCHEMA
from .checks import CHECKS, ImageOutcome
from .gate import DEFAULT_TOLERANCE, CheckOptions, CheckRun, run_check
from .junit import render_junit
from .sarif import SCHEMA_PATH as SARIF_SCHEMA_PATH, render_sarif
from .summary import render_summary
from .targets import Target, collect_targets, parse_shard, select_shard

__all__ = ["BASELINE_SCHEMA", "CHECKS", "DEFAULT_TOLERANCE", "SARIF_SCHEMA_PATH", "CheckOptions",
           "CheckRun", "ImageOutcome", "Target", "collect_targets", "parse_shard",
           "render_junit", "render_sarif", "render_summary", "run_check", "select_shard"]
