"""Print the dependency lines of pyproject.toml, one per line, for ``pip install -r``.

The project venv lives in a cache shared by every clone, so it holds the
dependencies only; the checkout itself is found through PYTHONPATH.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path


def main(argv: list[str]) -> int:
    """Write requirements to stdout; ``--all`` adds every optional group."""
    data = tomllib.loads(Path(argv[1]).read_text())
    project = data["project"]
    lines: list[str] = list(project["dependencies"])
    if "--all" in argv[2:]:
        for group in project.get("optional-dependencies", {}).values():
            lines.extend(group)
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
