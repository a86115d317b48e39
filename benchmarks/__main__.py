"""
Run every benchmark module in this folder and print one JSON report.

Each ``bench_*.py`` module provides ``run() -> dict``. Pass module names to
run only some: ``python -m benchmarks bench_banners``.
"""

import importlib
import json
import os
import pkgutil
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")


def main(argv):
    import django

    django.setup()
    package = os.path.dirname(__file__)
    names = argv or sorted(
        m.name for m in pkgutil.iter_modules([package]) if m.name.startswith("bench_")
    )
    report = {}
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        started = time.perf_counter()
        print(f"{name}: running", file=sys.stderr, flush=True)
        try:
            report[name] = module.run()
        except Exception as exc:  # one broken benchmark must not hide the others
            report[name] = {"error": f"{type(exc).__name__}: {exc}"}
        report[name]["seconds"] = round(time.perf_counter() - started, 2)
    print(json.dumps(report, indent=2, default=str))
    return 1 if any("error" in r for r in report.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
