"""Benchmark: render a 30-article issue to PDF with WeasyPrint and print the time it takes.

    python bench/pdf_render.py [--articles 30] [--runs 3] [-o /tmp/bench.pdf]

No database: the context is built in memory in the shape `bulletin.rendering.issue_layout`
returns, so the figure is the typesetting cost alone (fonts, layout, subsetting).
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.utils.safestring import mark_safe  # noqa: E402

from bulletin.pdf.render import render_issue_pdf  # noqa: E402

SECTIONS = ["本期焦点", "时政要点", "创文看点", "经济热点", "文化亮点", "民生视点"]
SENTENCE = "会议听取了有关单位近期工作情况汇报，并对下一阶段重点任务进行了安排部署，要求压实责任、确保实效。"


def build_context(count: int) -> dict:
    sections: dict[str, list] = {name: [] for name in SECTIONS}
    for n in range(count):
        section = SECTIONS[0] if n == 0 else SECTIONS[1 + n % 5]
        paragraphs = 2 + n % 6
        body = "".join(f"<p>9月{1 + n % 28}日，{SENTENCE * 3}</p>" for _ in range(paragraphs))
        sections[section].append({
            "anchor": f"article-{n + 1}",
            "title": f"第{n + 1}篇 示例区召开重点工作推进会议" + ("暨专题研讨会议" if n % 4 == 1 else ""),
            "event_date": datetime.date(2020, 9, 1 + n % 28),
            "body": mark_safe(body),
        })
    groups = [{"name": name, "entries": entries} for name, entries in sections.items() if entries]
    return {
        "publication": {
            "name": "中原区大事月报", "sponsor": "示例区人民政府", "publisher": "示例区地方史志办公室",
            "phone": "0371-00000000", "email": "demo@example.org",
            "distribution_scope": "区委、区政府各部门", "confidentiality_notice": "内部资料 注意保存",
        },
        "issue": {"year": 2020, "month": 10, "year_number": 10, "serial_number": 97,
                  "publication_date": datetime.date(2020, 10, 15)},
        "focus": groups[0]["entries"][0],
        "sections": groups,
        "errata": [],
        "preview": False,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("-o", "--output", help="write the last rendered PDF here")
    args = parser.parse_args()

    context = build_context(args.articles)
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        data = render_issue_pdf(context)
        times.append(time.perf_counter() - started)
    if args.output:
        Path(args.output).write_bytes(data)
    print(f"articles: {args.articles}  runs: {args.runs}  size: {len(data) / 1024:.0f} KiB")
    print(f"render seconds: first {times[0]:.2f}  median {statistics.median(times):.2f}  best {min(times):.2f}")


if __name__ == "__main__":
    main()
