"""Config stage: files -> expanded text -> YAML (with line numbers) -> JSON Schema -> frozen specs.

Public API: ``load`` (raises ``engine.errors.ConfigError``), ``runtime_issues``, ``render_issues``.
"""

from engine.config.issues import ConfigIssue, render_issues
from engine.config.loader import load, load_partial
from engine.config.runtime import runtime_issues

__all__ = ["ConfigIssue", "load", "load_partial", "render_issues", "runtime_issues"]
