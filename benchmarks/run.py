"""Run the performance benchmarks of design.md section 6 and merge their results into benchmarks/results.json.

    .venv/bin/python -m benchmarks.run            # every benchmark
    .venv/bin/python -m benchmarks.run P1 P4      # only these

Each result replaces the entry of its id; other ids' entries are left as they were (and get the headline
fields value, unit, target, met and floor_ratio if they lack them). A table of the run is printed at the end.
The exit status is 1 when a benchmark missed its target (a skipped one does not count), so `make bench` fails
loudly.
"""

from __future__ import annotations

import argparse
import importlib
import time
from collections.abc import Callable, Sequence

from benchmarks.common import RESULTS_FILE, Result, merge_results, verdict, wait_for_quiet

#: id -> "module:function" returning that benchmark's result. P5 reads the memory left by P1's load (one
#: load serves both when they run together).
BENCHMARKS = {
    "P1": "benchmarks.bench_submit:run_p1",
    "P2": "benchmarks.bench_scores:run",
    "P3": "benchmarks.bench_rainbow:run",
    "P4": "benchmarks.bench_submit:run_p4",
    "P5": "benchmarks.bench_submit:run_p5",
    "P6": "benchmarks.bench_startup:run",
    "P7": "benchmarks.bench_submit:run_p7",
    "P8": "benchmarks.bench_report:run",
    "P9": "benchmarks.bench_publish:run",
    "P10": "benchmarks.bench_room:run",
    "P11": "benchmarks.bench_offline:run",
}
HEADLINE_FIELDS = ("value", "unit", "target", "met", "floor_ratio")
#: Benchmarks that do not wait for a quiet machine themselves: run.py waits before them and records the load
#: average in the entry's `load` (the others wait before each of their timed runs).
QUIET_BEFORE = {"P2", "P3"}


def _runner(name: str) -> Callable[[], Result]:
    module, _, function = BENCHMARKS[name].partition(":")
    runner: Callable[[], Result] = getattr(importlib.import_module(module), function)
    return runner


def with_headline(entry: Result) -> Result:
    """`entry` with the five headline fields (value, unit, target, met, floor_ratio).

    P2 and P3 (and entries written before the fields existed) get them derived from their figures; `met` is
    always `pass`, and `floor_ratio` defaults to `ratio`. Entries of ids that are not P1 to P9 (another
    script's) are left as they are.
    """
    if entry.get("id") not in BENCHMARKS:
        return entry
    entry = dict(entry)
    measured = entry.get("measured") or {}
    if "value" not in entry:
        if entry.get("skipped"):
            value, unit, what = None, "", "skipped"
        elif entry["id"] == "P2":
            value, unit, what = measured["at_10m_ms"]["p95"], "ms", "p95 at 10M answers"
        elif entry["id"] == "P3":
            value, unit, what = measured["cold_ms"]["p95"], "ms", "cold p95"
        else:
            value, unit, what = None, "", "not given"
        entry.update(value=value, unit=unit, value_what=what)
    entry["met"] = entry.get("pass")
    if "floor_ratio" not in entry:
        entry["floor_ratio"] = entry.get("ratio")
        entry["floor_ratio_what"] = entry.get("ratio_what")
    return entry


def _headline(entry: Result) -> str:
    measured = entry["measured"]
    if entry.get("skipped"):
        return entry["skipped"]
    ident = entry["id"]
    if ident == "P1":
        latency = measured["latency_ms"]
        return (
            f"{measured['requests_per_s']:.0f} req/s, p50 {latency['p50']:.1f} ms, "
            f"p95 {latency['p95']:.1f} ms; "
            f"floor {entry['floor']['requests_per_s']:.0f} req/s; x{entry['ratio']} floor"
        )
    if ident == "P2":
        small, large = measured["at_10k_ms"], measured["at_10m_ms"]
        return (
            f"10k p50 {small['p50']:.2f} ms p95 {small['p95']:.2f} ms; "
            f"10M p50 {large['p50']:.2f} ms p95 {large['p95']:.2f} ms; "
            f"10M/10k {measured['growth_p50_10m_over_10k']:.2f}; x{entry['ratio']} floor"
        )
    if ident == "P3":
        cold, cached = measured["cold_ms"], measured["cached_ms"]
        return (
            f"cold p50 {cold['p50']:.1f} ms p95 {cold['p95']:.1f} ms; "
            f"cached p50 {cached['p50']:.2f} ms p95 {cached['p95']:.2f} ms; "
            f"render {measured['render_only_ms']['p50']:.1f} ms; x{entry['ratio']} floor"
        )
    if ident == "P4":
        request = measured["request_ms"]
        return (
            f"{measured['succeeded']}/{measured['participants']} ok, request p95 {request.get('p95')} ms, "
            f"all done in {measured['all_done_within_s']} s; x{entry['ratio']} floor"
        )
    if ident == "P5":
        return f"RSS {measured['rss_mb']} MB (peak {measured['peak_rss_mb']} MB); x{entry['ratio']} floor"
    if ident == "P6":
        return (
            f"median {measured['median_s']:.2f} s "
            f"(runs {', '.join(f'{x:.2f}' for x in measured['runs_s'])}); "
            f"floor {entry['floor']['median_s']:.2f} s; x{entry['ratio']} floor"
        )
    if ident == "P7":
        one, two = measured["one_process"], measured["two_processes"]
        return (
            f"{one['requests_per_s']:.0f} -> {two['requests_per_s']:.0f} req/s: x{measured['scaling']}; "
            f"floor x{entry['floor']['scaling']}"
        )
    if ident == "P9":
        parts = []
        for name in ("sqlite_10m", "postgresql_10m"):
            figures = measured.get(name, {})
            if "first_publication_s" in figures:
                first, again = figures["first_publication_s"], figures["republication_s"]
                parts.append(
                    f"{name} first median {first['median']:.2f} s max {first['max']:.2f} s, "
                    f"again max {again['max']:.2f} s"
                )
            elif figures.get("skipped"):
                parts.append(f"{name} skipped")
        return "; ".join(parts) + f"; x{entry['ratio']} floor"
    if ident == "P10":
        alone, together = measured["polling_alone"], measured["polling_with_submissions"]
        return (
            f"polling {alone['server_cores_used']} cores, p95 {alone['latency_ms'].get('p95')} ms alone, "
            f"{together['polling']['latency_ms'].get('p95')} ms with submissions at p95 "
            f"{together['submissions']['latency_ms']['p95']} ms"
        )
    if ident == "P8":
        return (
            f"median {measured['median_s']:.2f} s, first {measured['first_request_s']:.2f} s, "
            f"{measured['pdf_bytes'] // 1000} kB; x{entry['ratio']} floor"
        )
    if ident == "P11":
        stored, sent = measured["stored_after"], measured["summary"]["sent"]
        return (
            f"{sent}/{measured['queued']} acknowledged in {measured['seconds']:.2f} s, "
            f"{stored['answers']} answers stored, a replay changed nothing; x{entry['ratio']} floor"
        )
    return ""


def _table(entries: Sequence[Result]) -> str:
    rows = [("id", "result", "value", "target", "floor ratio", "load", "took")]
    for entry in entries:
        value = entry.get("value")
        shown = "-" if value is None else f"{value:g} {entry.get('unit', '')}".strip()
        loads = [x for x in _loads(entry) if x is not None]
        rows.append(
            (
                entry["id"],
                verdict(entry["met"]),
                shown,
                entry["target"],
                "-" if entry.get("floor_ratio") is None else f"{entry['floor_ratio']:g}",
                "-" if not loads else f"{max(loads):.2f}",
                "-" if entry.get("duration_s") is None else f"{entry['duration_s']:.0f} s",
            )
        )
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join([lines[0], "  ".join("-" * width for width in widths), *lines[1:]])


def _loads(figures: object) -> list[float]:
    """Every one-minute load average recorded at the start of a timed run, anywhere in `figures`."""
    if isinstance(figures, dict):
        found = [figures["loadavg_1m_at_start"]] if "loadavg_1m_at_start" in figures else []
        return found + [x for value in figures.values() for x in _loads(value)]
    if isinstance(figures, list):
        return [x for value in figures for x in _loads(value)]
    return []


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    choices = ", ".join(BENCHMARKS)
    parser.add_argument("ids", nargs="*", metavar="ID", help=f"which to run: {choices} (default: all)")
    ids = [name.upper() for name in parser.parse_args(argv).ids] or list(BENCHMARKS)
    unknown = [name for name in ids if name not in BENCHMARKS]
    if unknown:
        parser.error(f"no benchmark {', '.join(unknown)}; there are {choices}")
    results = []
    for name in ids:
        started = time.perf_counter()
        print(f"== {name}")
        quiet = wait_for_quiet(name) if name in QUIET_BEFORE else None
        entry = _runner(name)()
        if quiet is not None:
            entry["load"] = quiet
        entry["duration_s"] = round(time.perf_counter() - started, 1)
        results.append(with_headline(entry))
        print(f"== {name} done in {entry['duration_s']:.0f} s")
    merge_results(results, normalise=with_headline)
    print(f"\nresults merged into {RESULTS_FILE}\n")
    print(_table(results))
    print()
    for entry in results:
        print(f"{entry['id']}  {verdict(entry['pass']):<7}  {_headline(entry)}")
    return 1 if any(entry["pass"] is False for entry in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
