"""Run one .docx through one import path in a fresh process and report what it cost.

    python tests/security/docx_probe.py PATH article|issue [LIMITS_JSON]

Prints one JSON object: whether the file was refused and with which message, the CPU and wall
seconds of the import call, and how far it raised the process's peak memory (ru_maxrss) above
what the process had used before the call. The process caps its own address space at 1.5 GB
above that, so a regression fails fast instead of exhausting the machine. Used by
test_docx_bombs.py; not a test itself.
"""

import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def _vm_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def main() -> None:
    import django

    django.setup()
    from bulletin.importing.parser import ImportParseError
    from bulletin.importing.service import read_issue_file
    from editorial.docx_import import DocxImportError, docx_to_html
    from editorial.docx_safety import DEFAULT_LIMITS, DocxLimits

    path, kind = sys.argv[1], sys.argv[2]
    limits = DocxLimits(**json.loads(sys.argv[3])) if len(sys.argv) > 3 else DEFAULT_LIMITS
    data = Path(path).read_bytes()

    def save_image(image: bytes, content_type: str) -> str:
        return "/media/probe.png"

    if kind == "article":
        def call():
            docx_to_html(data, save_image=save_image, max_bytes=limits.max_bytes, limits=limits)
    else:
        def call():
            read_issue_file(data, "bomb.docx", docx_limits=limits)

    vm = _vm_bytes()
    if vm:
        budget = vm + 1536 * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (budget, budget))
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.monotonic()
    refused, message = False, ""
    try:
        call()
    except (DocxImportError, ImportParseError) as exc:
        refused, message = True, getattr(exc, "message", str(exc))
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({
        "refused": refused,
        "message": message,
        "wall": wall,
        "cpu": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        "extra_rss_mb": (after.ru_maxrss - before.ru_maxrss) / 1024,  # ru_maxrss is in KiB
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
