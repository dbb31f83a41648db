"""Package one customer deployment into a folder that Azure Functions can deploy as it is.

    python scripts/package.py CUSTOMER [--out DIR]

Locally, a deployment's function_app.py finds the shared ``processors`` package at the workspace root. Azure only
receives the deployment folder, so this script (plain Python, no exchange command needed) assembles
``dist/CUSTOMER/``: the contents of ``deployments/CUSTOMER/azure/``, the ``processors`` package and the ``framework``
package of the installed exchange, which holds the processor framework. Deploy it with
``func azure functionapp publish APP_NAME`` run inside that folder; requirements.txt there lists the framework's
own dependencies for the remote build.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Never shipped: local secrets and settings, caches, tests, copier's answers.
IGNORE = shutil.ignore_patterns(
    "local.settings.json", "__pycache__", "*.pyc", ".venv", ".exchange", "tests", ".copier-answers*"
)


def framework_dir() -> Path:
    """The installed ``framework`` package (it ships inside the exchange distribution)."""
    spec = importlib.util.find_spec("framework")
    if spec is None or spec.origin is None:
        raise SystemExit("The framework package is not installed: run `pip install -e .` in the workspace first.")
    return Path(spec.origin).parent


def package(customer: str, out: Path) -> Path:
    """Assemble the deployable folder for ``customer`` at ``out`` (replacing it) and return it."""
    app_dir = ROOT / "deployments" / customer / "azure"
    if not (app_dir / "function_app.py").is_file():
        raise SystemExit(f"No deployment at {app_dir}: create it with `exchange new customer {customer}`.")
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(app_dir, out, ignore=IGNORE)
    shutil.copytree(ROOT / "processors", out / "processors", ignore=IGNORE)
    shutil.copytree(framework_dir(), out / "framework", ignore=IGNORE)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("customer")
    parser.add_argument("--out", type=Path, help="target folder (default: dist/CUSTOMER)")
    args = parser.parse_args()
    out = package(args.customer, args.out or ROOT / "dist" / args.customer)
    print(f"Packaged {args.customer} into {out}: run `func azure functionapp publish <APP_NAME>` there.")


if __name__ == "__main__":
    main()
