"""Run `module:function` of bench/ inside Django and print its JSON result on the last line.

    python bench/djcall.py fixtures:add_closures '{"seed": 1}'

harness.django_call starts this with the environment of one backend, so data set-up and
in-process timings see exactly the settings the server sees.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hamburg_service.settings")
    import django

    django.setup()
    from harness import RESULT_MARK

    module_name, function_name = sys.argv[1].split(":", 1)
    kwargs = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    result = getattr(importlib.import_module(module_name), function_name)(**kwargs)
    print(RESULT_MARK + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
