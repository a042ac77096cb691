"""``python -m bot lint``: every problem of the content in one run, then a summary."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from ..config import Settings
from ..engine.i18n import Translator
from ..engine.loader import load_bundle
from ..engine.problems import Problem, Report
from . import reports
from .catalogs import check_catalogs


def github(problem: Problem) -> str:
    """A GitHub Actions annotation line."""
    pos = problem.pos
    msg = f"{problem.message}. {problem.hint}".replace("\n", " ")
    return (f"::{problem.severity} file={pos.file},line={pos.line},col={pos.col},"
            f"title=[{problem.rule}]::{msg}")


def summary(report: Report, flows: int, nodes: int, langs: int) -> str:
    by_rule = Counter(p.rule for p in report.problems)
    rules = ", ".join(f"{rule}: {n}" for rule, n in sorted(by_rule.items())) or "none"
    return (f"{flows} flows, {nodes} nodes, {langs} language(s): "
            f"{len(report.errors)} error(s), {len(report.warnings)} warning(s) ({rules})")


def run_lint(args: argparse.Namespace, settings: Settings) -> int:
    roots = [p for p in args.paths if p.is_dir()]
    files = [p for p in args.paths if not p.is_dir()]
    missing = [p for p in files if not p.exists()]
    for p in missing:
        print(f"{p}: error [missing-file] no such file or folder.")
    if missing:
        return 1
    root = roots[0] if roots else settings.flows_dir
    translator = Translator.load(settings.locales_dir)
    langs = tuple(args.lang) if args.lang else translator.available()
    bundle, report = load_bundle(root, files, langs=langs, translator=translator)

    check_catalogs(root, settings.locales_dir, report, langs=langs)
    # with --report, the report alone goes to stdout (it can be redirected to a file)
    out = sys.stderr if args.report else sys.stdout
    for problem in report.sorted():
        print(github(problem) if args.format == "github" else str(problem), file=out)
    flows = len(bundle.flows) if bundle else 0
    nodes = len(bundle.node_keys) if bundle else 0
    if args.report and bundle is not None:
        print(reports.REPORTS[args.report](bundle, Path.cwd()).strip("\n"))
    print(summary(report, flows, nodes, len(langs)), file=out)
    return 1 if report.errors else 0
