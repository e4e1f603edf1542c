"""Validates every built-in Kubernetes object in dist/ against the strict (unknown fields
rejected) OpenAPI schemas of the Kubernetes versions we target, with kubernetes-validate.
Custom resources are validated against their pinned CRDs by the vitest suite."""
import sys
from pathlib import Path

import kubernetes_validate
import yaml

# AKS versions the platform targets; Strimzi 1.2.0 needs 1.30 or later.
KUBERNETES_VERSIONS = ["1.33.0", "1.35.0"]
CUSTOM_GROUPS = {"argoproj.io", "azmonitoring.coreos.com", "external-secrets.io", "flink.apache.org", "kafka.strimzi.io"}


def main(root: Path) -> int:
    failures, checked = [], 0
    for path in sorted((root / "dist").rglob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if not doc:
                continue
            if doc["apiVersion"].split("/")[0] in CUSTOM_GROUPS:
                continue
            for version in KUBERNETES_VERSIONS:
                try:
                    kubernetes_validate.validate(doc, version, strict=True)
                except kubernetes_validate.ValidationError as e:
                    failures.append(f"{path.relative_to(root)} (Kubernetes {version}): {e.message} at {'.'.join(map(str, e.path))}")
                except kubernetes_validate.SchemaNotFoundError:
                    failures.append(f"{path.relative_to(root)}: no Kubernetes {version} schema for {doc['apiVersion']} {doc['kind']}")
            checked += 1
    for f in failures:
        print(f, file=sys.stderr)
    print(f"kubernetes-validate: {checked} objects against Kubernetes {', '.join(KUBERNETES_VERSIONS)} (strict): {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else ".")))
