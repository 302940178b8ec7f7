"""Benchmark: justified body lines and render time of the issue PDF, before and after.

    python bench/justify.py [--baseline a49c23a] [--runs 3] [--rounds 2] [--out DIR]

Renders two issues with the renderer of this working tree and with the renderer as it was
at ``--baseline`` (default: main before the typesetting work; the old tree is taken from
git, its code, template and stylesheet, and runs in its own process with the same
virtualenv), and prints them side by side:

- a 30-article issue built in memory (the context of bench/pdf_render.py, no database);
- the real sample issue ``../shared/seed/sample-issue-2020-10.txt`` (when present), imported
  with the project's importer into a throw-away database (bench/_setup.py), then rendered
  as a published issue is.

For each PDF, read back with ``pdftotext -bbox-layout`` (bulletin/pdf/lines.py): the body
lines that are not the last line of their paragraph, how many end at the right edge of the
text block (within 0.25 pt) and within a quarter character of it, paragraphs ending on a line
of fewer than three characters, and such a line alone at the top of a page. Render times:
the first render of the process (fonts, jieba's dictionary) and the median of the others, as
wall-clock and as CPU time of the rendering process (the ratio printed last is CPU time, which
other work on a shared machine disturbs least); rounds alternate old and new.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT.parent / "shared" / "seed" / "sample-issue-2020-10.txt"
BASELINE = "a49c23a"  # main before inter-character justification (2026-11)


# ---------------------------------------------------------------- child: render in a tree

def _render_function():
    try:
        from bulletin.pdf import render_issue_pdf
    except ImportError:  # the restructured layout
        from bulletin.pdf.render import render_issue_pdf
    return render_issue_pdf


def _sample_renderer(path: Path):
    """Import the sample into a throw-away database; return a function rendering it."""
    from _setup import load_demo
    from django.contrib.auth import get_user_model

    from bulletin.importing.service import import_parsed_issue, parse_issue_file

    try:
        from bulletin.pdf_store import render_pdf_bytes
    except ImportError:
        from bulletin.pdf.store import render_pdf_bytes

    publication = load_demo()
    user = get_user_model().objects.get(username="head")
    parsed = parse_issue_file(path.read_bytes(), path.name, publication=publication, create_sections=True)
    issue = import_parsed_issue(parsed, publication=publication, by=user, replace=True, create_sections=True)
    issue.refresh_from_db()
    return lambda: render_pdf_bytes(issue), issue.placements.count()


def _time(render, runs: int) -> tuple[bytes, dict]:
    """Render once untimed-ish (reported as "first"), then `runs` times: wall and CPU seconds."""
    started = time.perf_counter()
    data = render()
    timing = {"first": time.perf_counter() - started, "times": [], "cpu": []}
    for _ in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        data = render()
        timing["times"].append(time.perf_counter() - started)
        timing["cpu"].append(time.process_time() - cpu)
    return data, timing


def child(tree: Path, runs: int, out: Path, sample: Path | None) -> None:
    sys.path[:0] = [str(tree), str(tree / "bench")]
    import warnings

    warnings.filterwarnings("ignore")
    import _setup  # noqa: F401  (the tree's own settings module and django.setup())
    import pdf_render  # the tree's own 30-article context
    from _setup import bench_database

    import bulletin

    assert Path(bulletin.__file__).resolve().is_relative_to(tree.resolve()), bulletin.__file__
    render_issue_pdf = _render_function()
    result = {}
    context = pdf_render.build_context(30)
    data, timing = _time(lambda: render_issue_pdf(context), runs)
    (out / "issue30.pdf").write_bytes(data)
    result["issue30"] = {**timing, "articles": 30}
    if sample is not None:
        with bench_database():
            render, articles = _sample_renderer(sample)
            data, timing = _time(render, runs)
        (out / "sample.pdf").write_bytes(data)
        result["sample"] = {**timing, "articles": articles}
    print(json.dumps(result))


# ---------------------------------------------------------------- parent: compare

def _run_child(tree: Path, runs: int, out: Path, sample: Path | None) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(tree), "--runs", str(runs),
               "--out", str(out)]
    if sample is not None:
        command += ["--sample", str(sample)]
    done = subprocess.run(command, cwd=tree, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"rendering in {tree} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _export(ref: str, into: Path) -> None:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=BASELINE, help="git ref of the renderer to compare with")
    parser.add_argument("--runs", type=int, default=3, help="timed renders per round (after one untimed)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds of old and new")
    parser.add_argument("--sample", type=Path, default=SAMPLE)
    parser.add_argument("--out", type=Path, help="keep the PDFs here (old/, new/)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sample = args.sample if args.sample and args.sample.is_file() else None

    if args.child:
        return child(args.child, args.runs, args.out, sample)

    sys.path.insert(0, str(ROOT))
    from bulletin.pdf.lines import justification, read_pages

    tmp = tempfile.TemporaryDirectory(prefix="bulletin-justify-")
    out = args.out or Path(tmp.name) / "pdf"
    old_tree = Path(tmp.name) / "old"
    old_tree.mkdir()
    _export(args.baseline, old_tree)
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", args.baseline],
                            capture_output=True, text=True).stdout.strip()
    results = {"old": [], "new": []}
    for _ in range(args.rounds):
        results["old"].append(_run_child(old_tree, args.runs, out / "old", sample))
        results["new"].append(_run_child(ROOT, args.runs, out / "new", sample))

    print(f"{os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.1f}; "
          f"{args.rounds} rounds x {args.runs} timed renders; before = {args.baseline} ({commit}), "
          f"after = this working tree")
    documents = [("issue30", "30-article issue (bench/pdf_render.py)")]
    if sample is not None:
        documents.append(("sample", f"sample {sample.name}"))
    ratios = []
    for key, label in documents:
        rows = {}
        for side in ("old", "new"):
            report = justification(read_pages(out / side / f"{key}.pdf"))
            runs = results[side]
            rows[side] = {
                "report": report,
                "median": statistics.median(t for r in runs for t in r[key]["times"]),
                "cpu": statistics.median(t for r in runs for t in r[key]["cpu"]),
                "first": statistics.median(r[key]["first"] for r in runs),
                "articles": runs[0][key]["articles"],
                "pages": len(read_pages(out / side / f"{key}.pdf")),
            }
        old, new = rows["old"], rows["new"]
        ratio = new["cpu"] / old["cpu"]
        ratios.append((ratio, new["median"] / old["median"]))
        print(f"\n{label}: {new['articles']} articles, {old['pages']} -> {new['pages']} pages")
        print(f"  {'':38} {'before':>14} {'after':>14}")

        def share(count, total):
            return f"{count} ({100 * count / total:.1f} %)" if total else "-"

        o, n = old["report"], new["report"]
        print(f"  {'non-final body lines':38} {o.non_final:>14} {n.non_final:>14}")
        print(f"  {'... ending at the measure (0.25 pt)':38} {share(o.at_edge, o.non_final):>14} "
              f"{share(n.at_edge, n.non_final):>14}")
        print(f"  {'... within 1/4 character of it':38} {share(o.within_quarter_em, o.non_final):>14} "
              f"{share(n.within_quarter_em, n.non_final):>14}")
        print(f"  {'paragraphs ending on < 3 characters':38} {len(o.short_last_lines):>14} "
              f"{len(n.short_last_lines):>14}")
        print(f"  {'... alone at the top of a page':38} {len(o.widows):>14} {len(n.widows):>14}")
        print(f"  {'render, first in process (s)':38} {old['first']:>14.2f} {new['first']:>14.2f}")
        print(f"  {'render, median wall clock (s)':38} {old['median']:>14.2f} {new['median']:>14.2f}   "
              f"ratio {new['median'] / old['median']:.2f}")
        print(f"  {'render, median CPU time (s)':38} {old['cpu']:>14.2f} {new['cpu']:>14.2f}   "
              f"ratio {ratio:.2f}")
    print("\nrender time after/before, CPU (wall clock): "
          + ", ".join(f"{cpu:.2f} ({wall:.2f})" for cpu, wall in ratios) + "   goal: <= 1.20")
    tmp.cleanup() if not args.out else None


if __name__ == "__main__":
    main()
