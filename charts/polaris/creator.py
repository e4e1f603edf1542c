"""Polaris catalog creator: makes the platform's catalog, principals, roles and grants as the
environment describes them (config.json), and keeps each consumer's credentials in Key Vault.

Idempotent: it reads before it writes, and a second run makes no change. A changed setting is
updated in place; a grant no longer wanted is revoked; a consumer dropped from config.json loses
its principal and roles (the creator marks what it made, and removes only that).

Credentials: a consumer whose credentials in Key Vault no longer authenticate gets new ones
(reset: the old secret stops working, which is fine since nobody holds a working one). A
consumer whose `rotation` number is above the one stored with its secret is rotated: Polaris
1.7.0 keeps the previous secret valid as the secondary one until the next rotation
(PolarisPrincipalSecrets.rotateSecrets), so consumers can restart onto the new secret at leisure.

Standard library only. Every failure exits 1 with one line naming what failed (the call, the
HTTP status and the body, or the missing setting).

Environment: POLARIS_URL, POLARIS_REALM, ROOT_CREDENTIALS (a folder with files clientId and
clientSecret), KEY_VAULT_URL, CREATOR_CONFIG (path of config.json), and the workload identity
webhook's AZURE_CLIENT_ID,
AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE, AZURE_AUTHORITY_HOST.
"""
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

MANAGEMENT = "/api/management/v1"
CATALOG_API = "/api/catalog/v1"
KEY_VAULT_API_VERSION = "7.4"
KEY_VAULT_SCOPE = "https://vault.azure.net/.default"


MANAGED_BY = "aks-lakehouse-catalog-creator"
ROTATION_TAG = "polaris-credentials-rotation"
REQUIRED_ENVIRONMENT = ("CREATOR_CONFIG", "POLARIS_URL", "POLARIS_REALM", "ROOT_CREDENTIALS", "KEY_VAULT_URL", "AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE")


class CallFailed(Exception):
    pass


def field(answer, *path, what):
    """answer[path...], or one line saying which answer lacked what."""
    value = answer
    for key in path:
        if not isinstance(value, dict) or key not in value:
            raise CallFailed(f"{what} answered without {'.'.join(path)}: {json.dumps(answer)[:500]}")
        value = value[key]
    return value


def call(method, url, body=None, token=None, form=None, headers=None, ok=(200, 201, 204), missing_ok=False):
    """One HTTP call; returns (status, parsed JSON or None). 404 is returned when missing_ok."""
    data = None
    all_headers = {"Accept": "application/json", **(headers or {})}
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        all_headers["Content-Type"] = "application/json"
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode(errors="replace")
    except urllib.error.URLError as e:
        raise CallFailed(f"{method} {strip_query(url)} failed: {e.reason}") from e
    if status == 404 and missing_ok:
        return status, None
    if status not in ok:
        raise CallFailed(f"{method} {strip_query(url)} failed: HTTP {status}: {text.strip()[:2000]}")
    try:
        return status, json.loads(text) if text.strip() else None
    except ValueError:
        raise CallFailed(f"{method} {strip_query(url)} answered HTTP {status} with a body that is not JSON: {text.strip()[:200]}") from None


def strip_query(url):
    return url.split("?", 1)[0]


class KeyVault:
    """Key Vault secrets over REST, authenticated with the pod's federated token."""

    def __init__(self, vault_url):
        self.vault_url = vault_url.rstrip("/")
        self._token = None

    def token(self):
        if self._token is None:
            with open(os.environ["AZURE_FEDERATED_TOKEN_FILE"]) as f:
                assertion = f.read().strip()
            authority = os.environ.get("AZURE_AUTHORITY_HOST", "https://login.microsoftonline.com/").rstrip("/")
            _, answer = call(
                "POST",
                f"{authority}/{os.environ['AZURE_TENANT_ID']}/oauth2/v2.0/token",
                form={
                    "grant_type": "client_credentials",
                    "client_id": os.environ["AZURE_CLIENT_ID"],
                    "scope": KEY_VAULT_SCOPE,
                    "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    "client_assertion": assertion,
                },
            )
            self._token = field(answer, "access_token", what="Microsoft Entra ID")
        return self._token

    def secret(self, name):
        """The secret bundle (value, tags), or None when there is none (404)."""
        _, secret = call("GET", f"{self.vault_url}/secrets/{name}?api-version={KEY_VAULT_API_VERSION}", token=self.token(), missing_ok=True)
        return secret

    def get(self, name):
        secret = self.secret(name)
        return None if secret is None else secret.get("value")

    def set(self, name, value, tags=None):
        url = f"{self.vault_url}/secrets/{name}?api-version={KEY_VAULT_API_VERSION}"
        body = {"value": value, "contentType": "text/plain", **({"tags": tags} if tags else {})}
        status, answer = call("PUT", url, body=body, token=self.token(), ok=(200, 409))
        if status == 409:
            # A deleted secret under purge protection keeps its name until it is purged: recover it, then write.
            if field(answer, "error", "innererror", "code", what=f"Key Vault (PUT {name}: HTTP 409)") != "ObjectIsDeletedButRecoverable":
                raise CallFailed(f"PUT {strip_query(url)} failed: HTTP 409: {json.dumps(answer)[:500]}")
            self.recover(name)
            call("PUT", url, body=body, token=self.token())

    def recover(self, name):
        print(f"recovering the soft-deleted Key Vault secret {name}", flush=True)
        call("POST", f"{self.vault_url}/deletedsecrets/{name}/recover?api-version={KEY_VAULT_API_VERSION}", token=self.token())
        # Recovery completes asynchronously; the secret answers once it is back.
        for _ in range(60):
            if self.secret(name) is not None:
                return
            time.sleep(1)
        raise CallFailed(f"the Key Vault secret {name} was still not recovered after 60 s")


class Polaris:
    def __init__(self, url, realm):
        self.url = url.rstrip("/")
        self.realm = realm
        self.token = None
        self.changes = []

    def headers(self):
        return {"Polaris-Realm": self.realm}

    def authenticate(self, client_id, client_secret, required=True):
        status, answer = call(
            "POST",
            f"{self.url}{CATALOG_API}/oauth/tokens",
            form={"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret, "scope": "PRINCIPAL_ROLE:ALL"},
            headers=self.headers(),
            ok=(200,) if required else (200, 400, 401, 403),
        )
        return field(answer, "access_token", what="the Polaris token endpoint") if status == 200 else None

    def get(self, path, api=MANAGEMENT):
        return call("GET", f"{self.url}{api}{path}", token=self.token, headers=self.headers(), missing_ok=True)[1]

    def write(self, method, path, body, what, api=MANAGEMENT):
        self.changes.append(what)
        print(what, flush=True)
        return call(method, f"{self.url}{api}{path}", body=body, token=self.token, headers=self.headers())[1]

    def delete(self, path, what):
        """DELETE that is done when the thing is already gone."""
        status, _ = call("DELETE", f"{self.url}{MANAGEMENT}{path}", token=self.token, headers=self.headers(), missing_ok=True)
        if status != 404:
            self.changes.append(what)
            print(what, flush=True)


def quote(name):
    return urllib.parse.quote(name, safe="")


def ensure_catalog(polaris, catalog):
    name = catalog["name"]
    current = polaris.get(f"/catalogs/{quote(name)}")
    if current is None:
        polaris.write("POST", "/catalogs", {"catalog": catalog}, f"created catalog {name}")
        return
    wanted_storage = catalog["storageConfigInfo"]
    stale_storage = {k: v for k, v in wanted_storage.items() if current.get("storageConfigInfo", {}).get(k) != v}
    stale_properties = {k: v for k, v in catalog["properties"].items() if current.get("properties", {}).get(k) != v}
    if stale_storage or stale_properties:
        update = {
            "currentEntityVersion": current["entityVersion"],
            "properties": {**current.get("properties", {}), **catalog["properties"]},
            "storageConfigInfo": wanted_storage,
        }
        polaris.write("PUT", f"/catalogs/{quote(name)}", update, f"updated catalog {name}: {', '.join(sorted([*stale_storage, *stale_properties]))}")


def ensure_namespace(polaris, catalog, namespace):
    path = f"/{quote(catalog)}/namespaces/{quote(namespace)}"
    if polaris.get(path, api=CATALOG_API) is None:
        polaris.write("POST", f"/{quote(catalog)}/namespaces", {"namespace": [namespace], "properties": {}}, f"created namespace {catalog}.{namespace}", api=CATALOG_API)


def grant_key(grant):
    return json.dumps(grant, sort_keys=True)


def ensure_roles(polaris, catalog, consumer):
    principal_role, catalog_role = consumer["principalRole"], consumer["catalogRole"]
    if polaris.get(f"/principal-roles/{quote(principal_role)}") is None:
        # "federated" spelled out: the model defaults it, and the request says what it means.
        polaris.write("POST", "/principal-roles", {"principalRole": {"name": principal_role, "federated": False}}, f"created principal role {principal_role}")
    role_path = f"/catalogs/{quote(catalog)}/catalog-roles/{quote(catalog_role)}"
    if polaris.get(role_path) is None:
        polaris.write("POST", f"/catalogs/{quote(catalog)}/catalog-roles", {"catalogRole": {"name": catalog_role}}, f"created catalog role {catalog}.{catalog_role}")
    current = {grant_key(g): g for g in (polaris.get(f"{role_path}/grants") or {}).get("grants", [])}
    wanted = {grant_key(g): g for g in consumer["grants"]}
    for key in sorted(wanted.keys() - current.keys()):
        polaris.write("PUT", f"{role_path}/grants", {"grant": wanted[key]}, f"granted {catalog_role} {wanted[key]['privilege']} on {wanted[key]['type']} {'.'.join(wanted[key].get('namespace', []))}".rstrip())
    for key in sorted(current.keys() - wanted.keys()):
        polaris.write("POST", f"{role_path}/grants", {"grant": current[key]}, f"revoked {catalog_role} {current[key]['privilege']} on {current[key]['type']}")
    assigned = polaris.get(f"/principal-roles/{quote(principal_role)}/catalog-roles/{quote(catalog)}") or {}
    if catalog_role not in [r["name"] for r in assigned.get("roles", [])]:
        polaris.write("PUT", f"/principal-roles/{quote(principal_role)}/catalog-roles/{quote(catalog)}", {"catalogRole": {"name": catalog_role}}, f"assigned {catalog}.{catalog_role} to principal role {principal_role}")


def managed_properties(consumer):
    """What the creator writes on a principal it makes: the marker, and the roles to remove with it."""
    return {"managed-by": MANAGED_BY, "principal-role": consumer["principalRole"], "catalog-role": consumer["catalogRole"]}


def ensure_principal(polaris, key_vault, consumer):
    name = consumer["principal"]
    secrets = consumer["keyVaultSecrets"]
    rotation = consumer.get("rotation", 0)
    current = polaris.get(f"/principals/{quote(name)}")
    if current is None:
        body = {"principal": {"name": name, "properties": managed_properties(consumer)}, "credentialRotationRequired": False}
        created = polaris.write("POST", "/principals", body, f"created principal {name}")
        store(key_vault, secrets, field(created, "credentials", what=f"creating principal {name}"), rotation)
    else:
        wanted = {**current.get("properties", {}), **managed_properties(consumer)}
        if current.get("properties", {}) != wanted:
            update = {"currentEntityVersion": field(current, "entityVersion", what=f"principal {name}"), "properties": wanted}
            polaris.write("PUT", f"/principals/{quote(name)}", update, f"marked principal {name} as made by the creator")
        stored = key_vault.secret(secrets["clientSecret"])
        client_id, client_secret = key_vault.get(secrets["clientId"]), stored and stored.get("value")
        works = client_id and client_secret and polaris.authenticate(client_id, client_secret, required=False)
        if not works:
            reset = polaris.write("POST", f"/principals/{quote(name)}/reset", {}, f"reset the credentials of principal {name}: those in Key Vault do not authenticate")
            store(key_vault, secrets, field(reset, "credentials", what=f"resetting principal {name}"), rotation)
        elif stored_rotation(stored) < rotation:
            rotated = polaris.write("POST", f"/principals/{quote(name)}/rotate", None, f"rotated the credentials of principal {name} to rotation {rotation}; the previous secret stays valid until the next rotation")
            store(key_vault, secrets, field(rotated, "credentials", what=f"rotating principal {name}"), rotation)
    assigned = polaris.get(f"/principals/{quote(name)}/principal-roles") or {}
    if consumer["principalRole"] not in [r["name"] for r in assigned.get("roles", [])]:
        polaris.write("PUT", f"/principals/{quote(name)}/principal-roles", {"principalRole": {"name": consumer["principalRole"], "federated": False}}, f"assigned principal role {consumer['principalRole']} to {name}")


def stored_rotation(secret):
    try:
        return int((secret.get("tags") or {}).get(ROTATION_TAG, "0"))
    except ValueError:
        return 0


def store(key_vault, secrets, credentials, rotation):
    key_vault.set(secrets["clientId"], field(credentials, "clientId", what="Polaris"))
    key_vault.set(secrets["clientSecret"], field(credentials, "clientSecret", what="Polaris"), tags={ROTATION_TAG: str(rotation)})
    print(f"stored the credentials in Key Vault as {secrets['clientId']} and {secrets['clientSecret']}", flush=True)


def remove_dropped_consumers(polaris, catalog, consumers):
    """Principals the creator made for consumers no longer configured lose their principal and roles."""
    wanted = {c["principal"] for c in consumers}
    listed = polaris.get("/principals") or {}
    for principal in sorted(listed.get("principals", []), key=lambda p: p.get("name", "")):
        properties = principal.get("properties") or {}
        name = principal.get("name")
        if properties.get("managed-by") != MANAGED_BY or name in wanted:
            continue
        polaris.write("DELETE", f"/principals/{quote(name)}", None, f"removed principal {name}: no longer a consumer")
        if properties.get("principal-role"):
            polaris.delete(f"/principal-roles/{quote(properties['principal-role'])}", f"removed principal role {properties['principal-role']}")
        if properties.get("catalog-role"):
            polaris.delete(f"/catalogs/{quote(catalog)}/catalog-roles/{quote(properties['catalog-role'])}", f"removed catalog role {catalog}.{properties['catalog-role']}")


def main():
    missing = [name for name in REQUIRED_ENVIRONMENT if not os.environ.get(name)]
    if missing:
        raise CallFailed(f"missing environment variables {', '.join(missing)} (the AZURE_* ones come from the workload identity webhook: is the pod labelled azure.workload.identity/use and its service account annotated?)")
    with open(os.environ["CREATOR_CONFIG"]) as f:
        config = json.load(f)
    polaris = Polaris(os.environ["POLARIS_URL"], os.environ["POLARIS_REALM"])
    key_vault = KeyVault(os.environ["KEY_VAULT_URL"])
    root = os.environ["ROOT_CREDENTIALS"]
    with open(os.path.join(root, "clientId")) as f, open(os.path.join(root, "clientSecret")) as g:
        polaris.token = polaris.authenticate(f.read().strip(), g.read().strip())
    catalog = config["catalog"]
    ensure_catalog(polaris, catalog)
    for consumer in config["consumers"]:
        for namespace in consumer["namespaces"]:
            ensure_namespace(polaris, catalog["name"], namespace)
        ensure_roles(polaris, catalog["name"], consumer)
        ensure_principal(polaris, key_vault, consumer)
    remove_dropped_consumers(polaris, catalog["name"], config["consumers"])
    print(f"catalog {catalog['name']}: {len(polaris.changes)} changes" if polaris.changes else f"catalog {catalog['name']}: up to date, no changes", flush=True)


if __name__ == "__main__":
    try:
        main()
    except CallFailed as e:
        print(f"catalog creator failed: {e}", file=sys.stderr, flush=True)
        sys.exit(1)
    except OSError as e:
        print(f"catalog creator failed: {e.strerror}: {e.filename}", file=sys.stderr, flush=True)
        sys.exit(1)
