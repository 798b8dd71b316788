"""What a load did and what the star tables hold after it: the summary, and its report."""

from dataclasses import dataclass, field

from sparkify.accounts import IntakeReport


@dataclass
class Summary:
    """What the star tables hold (and, after a load, what its intake read)."""

    row_counts: dict[str, int]
    matched_plays: int
    run_id: str = ""
    intake: IntakeReport = field(default_factory=IntakeReport)


def format_summary(summary: Summary, target: str) -> str:
    """The end-of-run report: what this run read, repaired and rejected; what the tables hold."""
    run = summary.intake
    lines = [
        f"loaded into {target}"
        if run.files_read
        else f"no file read, nothing loaded into {target}",
        f"this run (id {summary.run_id}, in etl_runs):",
        f"  files: {run.files_read:,} read, {run.files_unchanged:,} unchanged and skipped",
    ]
    if run.files_empty:
        lines.append(f"  note: {run.files_empty:,} empty files skipped")
    by_field = ", ".join(f"{name} {n:,}" for name, n in sorted(run.repaired.items()))
    lines.append(
        f"  mis-decoded text repaired: {sum(run.repaired.values()):,} ({by_field or 'none'})"
    )
    lines.append(f"  rejected records: {run.rejected:,}")
    if run.rejected:
        lines.append(f"    see: select * from etl_rejects where run_id = '{summary.run_id}'")
    lines.append("the tables now hold:")
    lines.append(f"  {'table':<10} {'rows':>12}")
    lines += [f"  {table:<10} {rows:>12,}" for table, rows in summary.row_counts.items()]
    plays = summary.row_counts["songplays"]
    rate = summary.matched_plays / plays if plays else 0.0
    lines.append(
        f"  song plays matched to a song: {summary.matched_plays:,} of {plays:,} ({rate:.2%})"
    )
    return "\n".join(lines)
