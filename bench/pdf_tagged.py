"""Benchmark: the cost of a tagged PDF (WeasyPrint's pdf_tags) for an issue, against an untagged one.

    python bench/pdf_tagged.py [--articles 30] [--runs 3]

The same in-memory issue as bench/pdf_render.py (no database), rendered alternately untagged and
tagged; prints the median render time of each, the difference in per cent and both file sizes.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pdf_render import build_context  # noqa: E402  (sets up Django)

from bulletin.pdf.render import render_issue_pdf  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    context = build_context(args.articles)
    render_issue_pdf(context, tagged=False)  # warm up: fonts, imports
    times = {False: [], True: []}
    sizes = {}
    for _ in range(args.runs):
        for tagged in (False, True):  # alternately, so a busy machine slows both alike
            started = time.perf_counter()
            sizes[tagged] = len(render_issue_pdf(context, tagged=tagged))
            times[tagged].append(time.perf_counter() - started)
    plain, tagged = statistics.median(times[False]), statistics.median(times[True])
    print(f"articles: {args.articles}  runs: {args.runs}")
    print(f"untagged: median {plain:.2f} s  {sizes[False] / 1024:.0f} KiB")
    print(f"tagged:   median {tagged:.2f} s  {sizes[True] / 1024:.0f} KiB")
    print(f"tagging costs {100 * (tagged - plain) / plain:+.1f} % render time")


if __name__ == "__main__":
    main()
