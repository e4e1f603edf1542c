"""What `bicep build` would say about our resources, without the compiler (none runs here).

Every resource `Type@apiVersion` must exist in the pinned Azure type index (pinned/azure-types,
derived from Azure/bicep-types-az, the data the Bicep compiler is built with), and every
property written in a resource body, in loops and conditions too, must exist on that type at
that version, must not be read-only, and a literal value must be one the type allows. A
module's params must be params of the module file, and every param without a default given.

    python scripts/check_bicep_types.py <bicep dir> <pinned dir>

pycep-parser gives identifiers and string literals alike as plain strings; a string is taken
as an identifier when the file declares that symbol, as a literal otherwise.
"""
import json
import sys
from pathlib import Path

from pycep import BicepParser

sys.path.insert(0, str(Path(__file__).parent))
from parse_bicep import bicep_text  # noqa: E402

READ_ONLY = 2
REQUIRED = 1
# Keywords of a resource body that are not properties of the type.
BODY_KEYWORDS = {"parent", "scope", "dependsOn"}


class TypeIndex:
    def __init__(self, pinned: Path):
        self.resources = {}
        for file in sorted((pinned / "azure-types").glob("*.json")):
            types = json.loads(file.read_text())
            for node in types:
                if node["$type"] == "ResourceType":
                    self.resources[node["name"].lower()] = (types, node)

    def body(self, type_and_version: str):
        found = self.resources.get(type_and_version.lower())
        if not found:
            return None
        types, node = found
        return types, deref(types, node["body"])


def deref(types, ref):
    return types[int(ref["$ref"][2:])]


class FileCheck:
    def __init__(self, path: Path, index: TypeIndex, errors: list):
        self.path, self.index, self.errors = path, index, errors
        self.tree = BicepParser().parse(text=bicep_text(path))
        self.variables = self.tree.get("variables") or {}
        self.symbols = set()
        for section in ("parameters", "variables", "resources", "modules", "imports", "outputs"):
            self.symbols.update((self.tree.get(section) or {}).keys())
        self.symbols.update(loop_names(self.tree))

    def error(self, where: str, message: str):
        self.errors.append(f"{self.path}: {where}: {message}")

    # --- values -------------------------------------------------------------------------

    def is_expression(self, value) -> bool:
        if isinstance(value, dict):
            return set(value) <= {"operator", "function"} and bool(value)
        if isinstance(value, str):
            return "${" in value or value in self.symbols
        return False

    # --- types --------------------------------------------------------------------------

    def check(self, types, node, value, where: str):
        kind = node["$type"]
        if isinstance(value, dict) and "loop_type" in value:
            if kind != "ArrayType":
                self.error(where, f"a for-expression where the type wants {describe(types, node)}")
                return
            self.check(types, deref(types, node["itemType"]), value["config"], f"{where}[for]")
            return
        if isinstance(value, dict) and value.get("operator", {}).get("type") == "conditional":
            ops = value["operator"]["operands"]
            for branch in ("true_value", "false_value"):
                if ops[branch] is not None:
                    self.check(types, node, ops[branch], where)
            return
        if isinstance(value, str) and value in self.variables and isinstance(self.variables[value].get("value"), (dict, list)):
            self.check(types, node, self.variables[value]["value"], f"{where} (var {value})")
            return
        if self.is_expression(value) or value is None:
            return
        if kind == "AnyType":
            return
        if kind in ("ObjectType", "DiscriminatedObjectType"):
            if not isinstance(value, dict):
                self.error(where, f"{json.dumps(value)} where the type wants an object")
                return
            self.check_object(types, node, value, where)
        elif kind == "ArrayType":
            if not isinstance(value, list):
                self.error(where, f"{json.dumps(value)} where the type wants an array")
                return
            item = deref(types, node["itemType"])
            for i, v in enumerate(value):
                self.check(types, item, v, f"{where}[{i}]")
        elif kind == "UnionType":
            elements = [deref(types, e) for e in node["elements"]]
            if any(e["$type"] in ("StringType", "AnyType") for e in elements) and isinstance(value, str):
                return
            allowed = [e["value"] for e in elements if e["$type"] == "StringLiteralType"]
            if isinstance(value, str) and allowed and value not in allowed:
                self.error(where, f"'{value}' is not one of {', '.join(repr(a) for a in allowed)}")
            objects = [e for e in elements if e["$type"] in ("ObjectType", "DiscriminatedObjectType")]
            if isinstance(value, dict) and objects:
                self.check(types, objects[0], value, where)
        elif kind == "StringLiteralType":
            if value != node["value"]:
                self.error(where, f"{json.dumps(value)} must be '{node['value']}'")
        elif kind == "StringType":
            if not isinstance(value, str):
                self.error(where, f"{json.dumps(value)} where the type wants a string")
        elif kind == "IntegerType":
            if not isinstance(value, int) or isinstance(value, bool):
                self.error(where, f"{json.dumps(value)} where the type wants an integer")
            elif ("minValue" in node and value < node["minValue"]) or ("maxValue" in node and value > node["maxValue"]):
                self.error(where, f"{value} is outside [{node.get('minValue')}, {node.get('maxValue')}]")
        elif kind == "BooleanType":
            if not isinstance(value, bool):
                self.error(where, f"{json.dumps(value)} where the type wants true or false")

    def properties_of(self, types, node, value):
        if node["$type"] == "ObjectType":
            return dict(node.get("properties", {})), node.get("additionalProperties")
        props = dict(node.get("baseProperties", {}))
        discriminator = node["discriminator"]
        chosen = value.get(discriminator)
        elements = node.get("elements", {})
        candidates = [elements[chosen]] if isinstance(chosen, str) and chosen in elements else list(elements.values())
        for ref in candidates:
            props.update(deref(types, ref).get("properties", {}))
        return props, None

    def check_object(self, types, node, value: dict, where: str, keywords=frozenset()):
        # A property name that is not an identifier is quoted in Bicep ('odata.type'); pycep keeps the quotes.
        value = {k[1:-1] if len(k) > 1 and k[0] == k[-1] == "'" else k: v for k, v in value.items()}
        props, additional = self.properties_of(types, node, value)
        for key, sub in value.items():
            if key in keywords:
                continue
            if key not in props:
                if additional is not None:
                    self.check(types, deref(types, additional), sub, f"{where}.{key}")
                else:
                    self.error(where, f"'{key}' is not a property of {node.get('name', 'this object')} (known: {', '.join(sorted(props))})")
                continue
            prop = props[key]
            if prop.get("flags", 0) & READ_ONLY:
                self.error(f"{where}.{key}", "is read-only")
                continue
            self.check(types, deref(types, prop["type"]), sub, f"{where}.{key}")
        for key, prop in props.items():
            if prop.get("flags", 0) & REQUIRED and not prop.get("flags", 0) & READ_ONLY and key not in value:
                self.error(where, f"the required property '{key}' is missing")

    # --- declarations -------------------------------------------------------------------

    def run(self):
        for name, resource in (self.tree.get("resources") or {}).items():
            type_and_version = f"{resource['type']}@{resource['api_version']}"
            found = self.index.body(type_and_version)
            if not found:
                self.error(f"resource {name}", f"{type_and_version} is not in the pinned Azure type index (pin it, or use a version that exists)")
                continue
            if resource.get("existing"):
                continue
            types, body = found
            config = resource["config"]
            while isinstance(config, dict) and "config" in config and ("loop_type" in config or "condition" in config):
                config = config["config"]
            self.check_object(types, body, config, f"resource {name}", keywords=BODY_KEYWORDS)
        for name, module in (self.tree.get("modules") or {}).items():
            self.check_module(name, module)

    def check_module(self, name: str, module):
        target = (self.path.parent / module["detail"]["path"]).resolve()
        if not target.exists():
            self.error(f"module {name}", f"{module['detail']['path']} does not exist")
            return
        declared = BicepParser().parse(text=bicep_text(target)).get("parameters") or {}
        config = module["config"]
        while isinstance(config, dict) and "config" in config and ("loop_type" in config or "condition" in config):
            config = config["config"]
        given = config.get("params") or {}
        for param in given:
            if param not in declared:
                self.error(f"module {name}", f"passes '{param}', which {target.name} does not declare")
        for param, spec in declared.items():
            if spec.get("default") is None and param not in given:
                self.error(f"module {name}", f"does not pass '{param}', which {target.name} requires")


def loop_names(node) -> set:
    """Item and index names of every for-expression: identifiers that no section declares."""
    found = set()
    if isinstance(node, dict):
        detail = node.get("loop_type", {}).get("detail") if isinstance(node.get("loop_type"), dict) else None
        if detail:
            found.update(v for k, v in detail.items() if k in ("item_name", "index_name") and isinstance(v, str))
        for v in node.values():
            found |= loop_names(v)
    elif isinstance(node, list):
        for v in node:
            found |= loop_names(v)
    return found


def describe(types, node) -> str:
    return node.get("name") or node["$type"]


def main(bicep_dir: Path, pinned: Path) -> int:
    index = TypeIndex(pinned)
    errors: list = []
    files = sorted(p for p in bicep_dir.rglob("*.bicep") if p.name != "types.bicep")
    for path in files:
        FileCheck(path, index, errors).run()
    for e in errors:
        print(e, file=sys.stderr)
    print(f"Azure types: {len(files)} Bicep files against {len(index.resources)} pinned resource types: {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
