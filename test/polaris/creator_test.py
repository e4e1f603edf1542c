"""The generated catalog creator, run unchanged from dist/<env>/polaris/, against a loopback
stand-in of the Polaris management and catalog APIs, Microsoft Entra ID and Key Vault.

No Polaris server can run here (Maven Central has no runnable one), so the stand-in checks
every request body with the models that Apache Polaris generates from its API specs (PyPI
apache-polaris, the same version as the server image) and that the body survives the models
unchanged (the models drop unknown keys silently). It keeps state, so a second run shows
whether the creator is idempotent.

    python test/polaris/creator_test.py <dist dir>
"""
import json
import os
import subprocess
import sys
import tempfile
import threading
import unittest
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml
from apache_polaris.sdk.catalog.models import CreateNamespaceRequest
from apache_polaris.sdk.management import models as m

DIST = Path(sys.argv.pop(1) if len(sys.argv) > 1 else "dist")
ROOT = ("root-client", "root-secret")
TENANT = "dc8117ac-2f36-4dcb-b19e-16cc2ba0e849"
FEDERATED_TOKEN = "federated-token-of-the-creator"


class StandIn:
    """State of Polaris, Entra ID and Key Vault, and the log of what changed it."""

    def __init__(self, realm):
        self.realm = realm
        self.catalogs, self.principals, self.principal_roles = {}, {}, set()
        self.catalog_roles, self.grants, self.assignments, self.role_of = {}, {}, {}, {}
        self.namespaces, self.secrets, self.tags, self.deleted_secrets = set(), {}, {}, {}
        self.writes, self.failures, self.fail_on, self.malformed = [], [], None, None
        self.counter = 0
        self.recovering = {}

    def authenticates(self, client_id, client_secret):
        """A principal's main secret, or the previous one a rotation kept (PolarisPrincipalSecrets.matchesSecret)."""
        return any(p["clientId"] == client_id and client_secret in (p["clientSecret"], p.get("previous")) for p in self.principals.values())

    def new_credentials(self):
        self.counter += 1
        return {"clientId": f"client{self.counter:04d}", "clientSecret": f"secret{self.counter:04d}"}


def checked(model, body):
    """The body as the generated model reads it; it must come back unchanged."""
    parsed = model.from_dict(body)
    again = json.loads(parsed.to_json())
    if again != body:
        raise ValueError(f"{model.__name__} changes the body: {json.dumps(body)} -> {json.dumps(again)}")
    return parsed


def handler_for(state: StandIn):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def reply(self, status, body=None):
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def principal(self, name):
            p = state.principals[name]
            return {"name": name, "clientId": p["clientId"], "properties": p["properties"], "entityVersion": p["entityVersion"]}

        def body(self):
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length).decode() if length else ""

        def do_GET(self):
            self.route("GET")

        def do_POST(self):
            self.route("POST")

        def do_PUT(self):
            self.route("PUT")

        def do_DELETE(self):
            self.route("DELETE")

        def route(self, method):
            path = urllib.parse.urlparse(self.path).path
            raw = self.body()
            try:
                if path.startswith("/entra/"):
                    return self.entra(raw)
                if path.startswith("/kv/"):
                    return self.key_vault(method, path, raw)
                if self.headers.get("Polaris-Realm") != state.realm:
                    state.failures.append(f"{method} {path} without the realm header")
                    return self.reply(400, {"error": "realm"})
                if path == "/api/catalog/v1/oauth/tokens":
                    return self.token(raw)
                if self.headers.get("Authorization") != "Bearer root-token":
                    return self.reply(403, {"error": {"message": "not root"}})
                if state.fail_on and state.fail_on == (method, path):
                    return self.reply(500, {"error": {"message": "stand-in failure", "code": 500}})
                if state.malformed == (method, path):
                    data = b"<html>proxy error</html>"
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    return self.wfile.write(data)
                body = json.loads(raw) if raw else None
                if method != "GET":
                    state.writes.append(f"{method} {path}")
                return self.polaris(method, path, body)
            except ValueError as e:
                state.failures.append(f"{method} {path}: {e}")
                return self.reply(400, {"error": {"message": str(e)}})

        def entra(self, raw):
            form = dict(urllib.parse.parse_qsl(raw))
            expected = {
                "grant_type": "client_credentials",
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": FEDERATED_TOKEN,
                "scope": "https://vault.azure.net/.default",
                "client_id": "creator-client-id",
            }
            if form != expected or f"/entra/{TENANT}/oauth2/v2.0/token" != urllib.parse.urlparse(self.path).path:
                state.failures.append(f"token exchange with {form}")
                return self.reply(400, {"error": "invalid_request"})
            return self.reply(200, {"access_token": "vault-token", "token_type": "Bearer", "expires_in": 3600})

        def key_vault(self, method, path, raw):
            if self.headers.get("Authorization") != "Bearer vault-token" or "api-version=7.4" not in self.path:
                state.failures.append(f"{method} {path} without the vault token or API version")
                return self.reply(401, {"error": {"code": "Unauthorized"}})
            parts = path.split("/")
            if parts[2] == "deletedsecrets" and parts[4] == "recover" and method == "POST":
                name = parts[3]
                if name not in state.deleted_secrets:
                    return self.reply(404, {"error": {"code": "SecretNotFound"}})
                state.writes.append(f"recover secret {name}")
                # Recovery is asynchronous in Key Vault: the secret answers 404 once more before it is back.
                state.recovering[name] = state.deleted_secrets.pop(name)
                return self.reply(200, {"recoveryId": f"https://vault/deletedsecrets/{name}"})
            name = parts[-1]
            if method == "GET":
                if name in state.recovering:
                    state.secrets[name], state.tags[name] = state.recovering.pop(name)
                    return self.reply(404, {"error": {"code": "SecretNotFound"}})
                if name not in state.secrets:
                    return self.reply(404, {"error": {"code": "SecretNotFound"}})
                return self.reply(200, {"value": state.secrets[name], "id": f"https://vault/secrets/{name}/1", "tags": state.tags.get(name, {})})
            if name in state.deleted_secrets:
                # Key Vault with purge protection: the name is taken until the deleted secret is purged.
                return self.reply(409, {"error": {"code": "Conflict", "message": f"Secret {name} is currently in a deleted but recoverable state", "innererror": {"code": "ObjectIsDeletedButRecoverable"}}})
            body = json.loads(raw)
            unknown = set(body) - {"value", "contentType", "tags"}
            if unknown or not isinstance(body.get("tags", {}), dict):
                raise ValueError(f"secret body with {sorted(unknown)}")
            state.writes.append(f"PUT secret {name}")
            state.secrets[name], state.tags[name] = body["value"], body.get("tags", {})
            return self.reply(200, {"value": state.secrets[name], "tags": state.tags[name]})

        def token(self, raw):
            form = dict(urllib.parse.parse_qsl(raw))
            pair = (form.get("client_id"), form.get("client_secret"))
            if form.get("grant_type") != "client_credentials" or form.get("scope") != "PRINCIPAL_ROLE:ALL":
                return self.reply(400, {"error": "invalid_request"})
            if pair == ROOT:
                return self.reply(200, {"access_token": "root-token", "token_type": "bearer", "expires_in": 3600})
            if state.authenticates(*pair):
                return self.reply(200, {"access_token": f"token-{pair[0]}", "token_type": "bearer", "expires_in": 3600})
            return self.reply(401, {"error": "unauthorized_client"})

        def polaris(self, method, path, body):
            parts = [urllib.parse.unquote(p) for p in path.split("/") if p]
            if parts[:3] == ["api", "catalog", "v1"]:
                catalog, ns = parts[3], parts[5] if len(parts) > 5 else None
                if method == "GET":
                    return self.reply(200, {"namespace": [ns], "properties": {}}) if (catalog, ns) in state.namespaces else self.reply(404, {"error": {"code": 404}})
                request = checked(CreateNamespaceRequest, body)
                state.namespaces.add((catalog, request.namespace[0]))
                return self.reply(200, body)
            api = parts[3:]
            if api == ["catalogs"]:
                request = checked(m.CreateCatalogRequest, body)
                state.catalogs[request.catalog.name] = {**body["catalog"], "entityVersion": 1}
                return self.reply(201, state.catalogs[request.catalog.name])
            if api[0] == "catalogs" and len(api) == 2:
                if method == "GET":
                    return self.reply(200, state.catalogs[api[1]]) if api[1] in state.catalogs else self.reply(404, {"error": {"code": 404}})
                checked(m.UpdateCatalogRequest, body)
                current = state.catalogs[api[1]]
                if body["currentEntityVersion"] != current["entityVersion"]:
                    return self.reply(409, {"error": {"message": "stale entity version"}})
                state.catalogs[api[1]] = {**current, "properties": body["properties"], "storageConfigInfo": body["storageConfigInfo"], "entityVersion": current["entityVersion"] + 1}
                return self.reply(200, state.catalogs[api[1]])
            if api[0] == "catalogs" and api[2] == "catalog-roles":
                key = (api[1], api[3]) if len(api) > 3 else None
                if len(api) == 3:
                    request = checked(m.CreateCatalogRoleRequest, body)
                    state.catalog_roles[(api[1], request.catalog_role.name)] = True
                    state.grants[(api[1], request.catalog_role.name)] = []
                    return self.reply(201, body["catalogRole"])
                if len(api) == 4 and method == "DELETE":
                    if key not in state.catalog_roles:
                        return self.reply(404, {"error": {"code": 404}})
                    del state.catalog_roles[key]
                    del state.grants[key]
                    return self.reply(204)
                if len(api) == 4:
                    return self.reply(200, {"name": api[3]}) if key in state.catalog_roles else self.reply(404, {"error": {"code": 404}})
                if method == "GET":
                    return self.reply(200, {"grants": state.grants[key]})
                request = checked(m.AddGrantRequest if method == "PUT" else m.RevokeGrantRequest, body)
                if method == "PUT":
                    state.grants[key].append(body["grant"])
                else:
                    state.grants[key].remove(body["grant"])
                return self.reply(201 if method == "PUT" else 204)
            if api[0] == "principal-roles":
                if len(api) == 1:
                    request = checked(m.CreatePrincipalRoleRequest, body)
                    state.principal_roles.add(request.principal_role.name)
                    return self.reply(201, body["principalRole"])
                if len(api) == 2 and method == "DELETE":
                    if api[1] not in state.principal_roles:
                        return self.reply(404, {"error": {"code": 404}})
                    state.principal_roles.discard(api[1])
                    state.assignments = {k: v for k, v in state.assignments.items() if k[0] != api[1]}
                    return self.reply(204)
                if len(api) == 2:
                    return self.reply(200, {"name": api[1]}) if api[1] in state.principal_roles else self.reply(404, {"error": {"code": 404}})
                key = (api[1], api[3])
                if method == "GET":
                    return self.reply(200, {"roles": [{"name": r} for r in state.assignments.get(key, [])]})
                request = checked(m.GrantCatalogRoleRequest, body)
                state.assignments.setdefault(key, []).append(request.catalog_role.name)
                return self.reply(201)
            if api[0] == "principals":
                if len(api) == 1 and method == "GET":
                    listed = [{"name": "root", "clientId": ROOT[0], "properties": {}, "entityVersion": 1}] + [self.principal(n) for n in sorted(state.principals)]
                    m.Principals.from_dict({"principals": listed})
                    return self.reply(200, {"principals": listed})
                if len(api) == 1:
                    request = checked(m.CreatePrincipalRequest, body)
                    credentials = state.new_credentials()
                    state.principals[request.principal.name] = {**credentials, "properties": body["principal"]["properties"], "entityVersion": 1}
                    answer = {"principal": self.principal(request.principal.name), "credentials": credentials}
                    m.PrincipalWithCredentials.from_dict(answer)
                    return self.reply(201, answer)
                name = api[1]
                if name not in state.principals:
                    return self.reply(404, {"error": {"code": 404}})
                if len(api) == 2 and method == "GET":
                    return self.reply(200, self.principal(name))
                if len(api) == 2 and method == "PUT":
                    checked(m.UpdatePrincipalRequest, body)
                    current = state.principals[name]
                    if body["currentEntityVersion"] != current["entityVersion"]:
                        return self.reply(409, {"error": {"message": "stale entity version"}})
                    current.update(properties=body["properties"], entityVersion=current["entityVersion"] + 1)
                    return self.reply(200, self.principal(name))
                if len(api) == 2 and method == "DELETE":
                    del state.principals[name]
                    state.role_of.pop(name, None)
                    return self.reply(204)
                if api[2] in ("reset", "rotate"):
                    if api[2] == "reset":
                        checked(m.ResetPrincipalRequest, body)
                    elif body is not None:
                        raise ValueError("rotate takes no body")
                    current = state.principals[name]
                    # rotate keeps the old main secret valid as the secondary; reset does not.
                    current["previous"] = current["clientSecret"] if api[2] == "rotate" else None
                    current["clientSecret"] = state.new_credentials()["clientSecret"]
                    credentials = {"clientId": current["clientId"], "clientSecret": current["clientSecret"]}
                    answer = {"principal": self.principal(name), "credentials": credentials}
                    m.PrincipalWithCredentials.from_dict(answer)
                    return self.reply(200, answer)
                if method == "GET":
                    return self.reply(200, {"roles": [{"name": r} for r in ([state.role_of[name]] if name in state.role_of else [])]})
                request = checked(m.GrantPrincipalRoleRequest, body)
                state.role_of[name] = request.principal_role.name
                return self.reply(201)
            return self.reply(404, {"error": {"message": f"stand-in has no {method} {path}"}})

    return Handler


class CreatorAgainstStandIn(unittest.TestCase):
    environment = None

    def setUp(self):
        configmap = yaml.safe_load((DIST / self.environment / "polaris" / "configmap-polaris-catalog-creator.yaml").read_text())
        job = yaml.safe_load((DIST / self.environment / "polaris" / "job-polaris-catalog-creator.yaml").read_text())
        env = {e["name"]: e.get("value") for e in job["spec"]["template"]["spec"]["containers"][0]["env"]}
        self.config = json.loads(configmap["data"]["config.json"])
        self.dir = Path(tempfile.mkdtemp())
        (self.dir / "creator.py").write_text(configmap["data"]["creator.py"])
        (self.dir / "config.json").write_text(configmap["data"]["config.json"])
        (self.dir / "token").write_text(FEDERATED_TOKEN)
        (self.dir / "root").mkdir()
        (self.dir / "root" / "clientId").write_text(ROOT[0])
        (self.dir / "root" / "clientSecret").write_text(ROOT[1])
        self.state = StandIn(env["POLARIS_REALM"])
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(self.state))
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        # Only the endpoints move to loopback; everything else is what the Job sets.
        self.env = {
            **os.environ,
            "CREATOR_CONFIG": str(self.dir / "config.json"),
            "POLARIS_URL": base,
            "POLARIS_REALM": env["POLARIS_REALM"],
            "KEY_VAULT_URL": f"{base}/kv/",
            "ROOT_CREDENTIALS": str(self.dir / "root"),
            "AZURE_CLIENT_ID": "creator-client-id",
            "AZURE_TENANT_ID": TENANT,
            "AZURE_FEDERATED_TOKEN_FILE": str(self.dir / "token"),
            "AZURE_AUTHORITY_HOST": f"{base}/entra/",
        }

    def tearDown(self):
        self.server.shutdown()

    def run_creator(self):
        self.state.writes.clear()
        return subprocess.run([sys.executable, "-B", str(self.dir / "creator.py")], env=self.env, capture_output=True, text=True, timeout=60)

    def test_creates_everything_then_changes_nothing(self):
        first = self.run_creator()
        self.assertEqual(first.returncode, 0, first.stderr)
        self.assertEqual(self.state.failures, [])
        catalog = self.config["catalog"]
        stored = self.state.catalogs[catalog["name"]]
        self.assertEqual(stored["storageConfigInfo"]["storageType"], "AZURE")
        self.assertEqual(stored["storageConfigInfo"]["tenantId"], TENANT)
        self.assertTrue(stored["storageConfigInfo"]["hierarchical"])
        self.assertTrue(stored["properties"]["default-base-location"].startswith("abfss://iceberg@"))
        for consumer in self.config["consumers"]:
            secrets = consumer["keyVaultSecrets"]
            principal = self.state.principals[consumer["principal"]]
            self.assertEqual((principal["clientId"], principal["clientSecret"]), (self.state.secrets[secrets["clientId"]], self.state.secrets[secrets["clientSecret"]]))
            self.assertEqual(principal["properties"]["managed-by"], "aks-lakehouse-catalog-creator")
            self.assertEqual(self.state.role_of[consumer["principal"]], consumer["principalRole"])
            self.assertEqual(sorted(map(json.dumps, self.state.grants[(catalog["name"], consumer["catalogRole"])])), sorted(map(json.dumps, consumer["grants"])))
            self.assertIn(consumer["catalogRole"], self.state.assignments[(consumer["principalRole"], catalog["name"])])
            for ns in consumer["namespaces"]:
                self.assertIn((catalog["name"], ns), self.state.namespaces)

        second = self.run_creator()
        self.assertEqual(second.returncode, 0, second.stderr)
        self.assertEqual(self.state.writes, [], second.stdout)
        self.assertIn("up to date, no changes", second.stdout)

    def test_gives_new_credentials_when_those_in_key_vault_fail(self):
        self.assertEqual(self.run_creator().returncode, 0)
        consumer = self.config["consumers"][0]
        self.state.secrets[consumer["keyVaultSecrets"]["clientSecret"]] = "rotate"
        rotated = self.run_creator()
        self.assertEqual(rotated.returncode, 0, rotated.stderr)
        principal = consumer["principal"]
        self.assertEqual(self.state.writes, [f"POST /api/management/v1/principals/{principal}/reset", f"PUT secret {consumer['keyVaultSecrets']['clientId']}", f"PUT secret {consumer['keyVaultSecrets']['clientSecret']}"])
        self.assertEqual(self.state.secrets[consumer["keyVaultSecrets"]["clientSecret"]], self.state.principals[principal]["clientSecret"])
        self.assertEqual(self.run_creator().returncode, 0)
        self.assertEqual(self.state.writes, [])

    def test_updates_a_changed_setting_in_place_and_revokes_what_is_no_longer_granted(self):
        self.assertEqual(self.run_creator().returncode, 0)
        config = json.loads((self.dir / "config.json").read_text())
        location = config["catalog"]["storageConfigInfo"]["allowedLocations"][0]
        config["catalog"]["storageConfigInfo"]["allowedLocations"] = [location, location + "-archive"]
        dropped = config["consumers"][0]["grants"].pop()
        (self.dir / "config.json").write_text(json.dumps(config))
        changed = self.run_creator()
        self.assertEqual(changed.returncode, 0, changed.stderr)
        role = config["consumers"][0]["catalogRole"]
        self.assertEqual(self.state.writes, [f"PUT /api/management/v1/catalogs/{config['catalog']['name']}", f"POST /api/management/v1/catalogs/{config['catalog']['name']}/catalog-roles/{role}/grants"])
        self.assertNotIn(dropped, self.state.grants[(config["catalog"]["name"], role)])
        self.assertEqual(len(self.state.catalogs), 1)

    def write_config(self, change):
        config = json.loads((self.dir / "config.json").read_text())
        change(config)
        (self.dir / "config.json").write_text(json.dumps(config))
        return config

    def test_converges_an_existing_catalog_to_allow_drop_with_purge(self):
        self.assertEqual(self.run_creator().returncode, 0)
        name = self.config["catalog"]["name"]
        self.assertEqual(self.state.catalogs[name]["properties"].get("polaris.config.drop-with-purge.enabled"), "true")
        # A catalog made before the flag existed in config.json.
        self.state.catalogs[name]["properties"].pop("polaris.config.drop-with-purge.enabled")
        again = self.run_creator()
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual(self.state.writes, [f"PUT /api/management/v1/catalogs/{name}"])
        self.assertEqual(self.state.catalogs[name]["properties"]["polaris.config.drop-with-purge.enabled"], "true")

    def test_removes_a_consumer_dropped_from_the_configuration_and_nothing_else(self):
        self.assertEqual(self.run_creator().returncode, 0)
        catalog = self.config["catalog"]["name"]
        dropped = self.config["consumers"][0]
        config = self.write_config(lambda c: c["consumers"].pop(0))
        # A principal somebody made by hand is not the creator's to remove.
        self.state.principals["analyst"] = {"clientId": "hand", "clientSecret": "made", "properties": {}, "entityVersion": 1}
        removed = self.run_creator()
        self.assertEqual(removed.returncode, 0, removed.stderr)
        self.assertEqual(self.state.failures, [])
        self.assertEqual(self.state.writes, [
            f"DELETE /api/management/v1/principals/{dropped['principal']}",
            f"DELETE /api/management/v1/principal-roles/{dropped['principalRole']}",
            f"DELETE /api/management/v1/catalogs/{catalog}/catalog-roles/{dropped['catalogRole']}",
        ])
        self.assertNotIn(dropped["principal"], self.state.principals)
        self.assertNotIn(dropped["principalRole"], self.state.principal_roles)
        self.assertNotIn((catalog, dropped["catalogRole"]), self.state.catalog_roles)
        self.assertIn("analyst", self.state.principals)
        for kept in config["consumers"]:
            self.assertIn(kept["principal"], self.state.principals)
        self.assertEqual(self.run_creator().returncode, 0)
        self.assertEqual(self.state.writes, [])

    def test_marks_principals_made_before_the_marker_so_they_can_be_removed_later(self):
        self.assertEqual(self.run_creator().returncode, 0)
        principal = self.config["consumers"][0]["principal"]
        self.state.principals[principal]["properties"] = {}
        marked = self.run_creator()
        self.assertEqual(marked.returncode, 0, marked.stderr)
        self.assertEqual(self.state.writes, [f"PUT /api/management/v1/principals/{principal}"])
        self.assertEqual(self.state.principals[principal]["properties"]["managed-by"], "aks-lakehouse-catalog-creator")

    def test_rotation_keeps_every_consumer_call_working(self):
        """A consumer keeps authenticating with the secret it read before the rotation, then
        restarts onto the new one from Key Vault; no call fails on the way (reset would fail it)."""
        self.assertEqual(self.run_creator().returncode, 0)
        consumer = self.config["consumers"][0]
        secrets = consumer["keyVaultSecrets"]
        held = (self.state.secrets[secrets["clientId"]], self.state.secrets[secrets["clientSecret"]])
        failures, stop = [], threading.Event()

        def consumer_calls():
            while not stop.is_set():
                if not self.state.authenticates(*held):
                    failures.append(held)
                stop.wait(0.005)

        caller = threading.Thread(target=consumer_calls)
        caller.start()
        try:
            self.write_config(lambda c: c["consumers"][0].update(rotation=1))
            rotated = self.run_creator()
        finally:
            stop.set()
            caller.join()
        self.assertEqual(rotated.returncode, 0, rotated.stderr)
        self.assertEqual(failures, [])
        self.assertEqual(self.state.writes, [f"POST /api/management/v1/principals/{consumer['principal']}/rotate", f"PUT secret {secrets['clientId']}", f"PUT secret {secrets['clientSecret']}"])
        new = (self.state.secrets[secrets["clientId"]], self.state.secrets[secrets["clientSecret"]])
        self.assertNotEqual(new, held)
        self.assertTrue(self.state.authenticates(*new))
        self.assertTrue(self.state.authenticates(*held), "the previous secret must stay valid until the next rotation")
        self.assertEqual(self.state.tags[secrets["clientSecret"]], {"polaris-credentials-rotation": "1"})
        # Same rotation number: nothing to do.
        self.assertEqual(self.run_creator().returncode, 0)
        self.assertEqual(self.state.writes, [])
        # The next rotation retires the secret held before the first one.
        self.write_config(lambda c: c["consumers"][0].update(rotation=2))
        self.assertEqual(self.run_creator().returncode, 0)
        self.assertFalse(self.state.authenticates(*held))
        self.assertTrue(self.state.authenticates(*new))

    def test_recovers_a_soft_deleted_secret_instead_of_failing_every_run(self):
        self.assertEqual(self.run_creator().returncode, 0)
        consumer = self.config["consumers"][0]
        name = consumer["keyVaultSecrets"]["clientSecret"]
        self.state.deleted_secrets[name] = (self.state.secrets.pop(name), self.state.tags.pop(name))
        recovered = self.run_creator()
        self.assertEqual(recovered.returncode, 0, recovered.stderr)
        self.assertIn(f"recover secret {name}", self.state.writes)
        self.assertIn(f"PUT secret {name}", self.state.writes)
        self.assertNotIn(name, self.state.deleted_secrets)
        self.assertEqual(self.run_creator().returncode, 0)
        self.assertEqual(self.state.writes, [])

    def test_a_missing_workload_identity_variable_is_one_line(self):
        env = {k: v for k, v in self.env.items() if k != "AZURE_FEDERATED_TOKEN_FILE"}
        failed = subprocess.run([sys.executable, "-B", str(self.dir / "creator.py")], env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(failed.returncode, 1)
        self.assertEqual(failed.stderr.strip().count("\n"), 0, failed.stderr)
        self.assertIn("missing environment variables AZURE_FEDERATED_TOKEN_FILE", failed.stderr)

    def test_a_malformed_answer_is_one_line(self):
        self.state.malformed = ("GET", "/api/management/v1/principals")
        failed = self.run_creator()
        self.assertEqual(failed.returncode, 1)
        self.assertEqual(failed.stderr.strip().count("\n"), 0, failed.stderr)
        self.assertIn("/api/management/v1/principals answered HTTP 200 with a body that is not JSON", failed.stderr)

    def test_a_failing_call_exits_1_with_the_call_status_and_body(self):
        self.state.fail_on = ("POST", "/api/management/v1/principals")
        failed = self.run_creator()
        self.assertEqual(failed.returncode, 1)
        self.assertIn("catalog creator failed: POST http://127.0.0.1:", failed.stderr)
        self.assertIn("/api/management/v1/principals failed: HTTP 500: ", failed.stderr)
        self.assertIn("stand-in failure", failed.stderr)


def suite():
    loader = unittest.TestLoader()
    tests = unittest.TestSuite()
    for environment in sorted(p.name for p in DIST.iterdir() if (p / "polaris").is_dir()):
        case = type(f"Creator_{environment}", (CreatorAgainstStandIn,), {"environment": environment})
        tests.addTests(loader.loadTestsFromTestCase(case))
    return tests


if __name__ == "__main__":
    result = unittest.TextTestRunner(verbosity=2).run(suite())
    failed = len(result.failures) + len(result.errors)
    print(f"{result.testsRun - failed} passed, {failed} failed")
    sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)
