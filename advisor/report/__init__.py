"""Report stage: statistics -> view model -> jinja2 templates + plotly, and FOCUS cost exports.

Public API::

    write_report(plan, path)                   # self-contained, offline HTML report
    write_comparison_report(plan_a, plan_b, path)
    write_infeasible_report(exc, path)         # when there is no plan: why, and what to relax
    focus_frame(plan); write_focus_csv(plan, path)
"""

from advisor.report.focus import focus_frame, write_focus_csv
from advisor.report.write import write_comparison_report, write_infeasible_report, write_report

__all__ = [
    "focus_frame",
    "write_comparison_report",
    "write_focus_csv",
    "write_infeasible_report",
    "write_report",
]
