#!/usr/bin/python3
"""Writes tests/azure/vectors/signing_vectors.json from Azure's official Python SDK.

Run with Debian's interpreter and package (`apt-get install -y python3-azure`):

    /usr/bin/python3 scripts/gen_azure_vectors.py

Every expected value in the file is computed by azure.storage.blob itself: its Shared Key
policy (`SharedKeyCredentialPolicy.on_request`) for request signatures, and
`generate_blob_sas` / `generate_container_sas` / `generate_account_sas` (or the SDK classes
they wrap, where a vector pins another service version) for SAS tokens. The script only fixes
the inputs (keys, dates, URLs, headers) so that the output is reproducible, and records the
string-to-sign each SDK call signed by wrapping the SDK's `sign_string`.

Known divergences between this SDK (12.15.0b1) and the service, which the vectors avoid and
the C++ unit tests cover by hand instead:
  * its header sort puts '-' before every other character, where the service (like .NET's
    culture-aware comparison, which the JS and C++ SDKs imitate) ignores '-' at the first
    level; so no two x-ms-* names in a vector may first differ at a '-';
  * it never signs a `Range` header (it looks for a header named `byte_range`);
  * it does not trim header values, lower-cases query names only after sorting, and keeps one
    value of a repeated query parameter.
"""

import base64
import datetime
import json
import os
import sys

import azure.storage.blob as blob
import azure.storage.blob._shared.authentication as authentication
import azure.storage.blob._shared.shared_access_signature as shared_sas
import azure.storage.blob._shared_access_signature as blob_sas
from azure.core.pipeline import PipelineContext, PipelineRequest
from azure.core.pipeline.transport import HttpRequest
from azure.storage.blob import (AccountSasPermissions, BlobSasPermissions,
                                ContainerSasPermissions, ResourceTypes)
from azure.storage.blob._shared.constants import X_MS_VERSION
from azure.storage.blob._shared.models import Services, UserDelegationKey

# The version Cerulean pins (src/azure/service_version.hpp). Its SAS layouts are those of
# 2020-12-06 and later, the same as the SDK's own version, so the SDK signs it correctly.
PINNED_VERSION = "2025-01-05"

ACCOUNT = "cerulean"
# A fabricated key: 64 bytes of a fixed pattern, base64 like a real account key.
ACCOUNT_KEY = base64.b64encode(bytes((i * 37 + 11) % 256 for i in range(64))).decode()
# Azurite's and the old storage emulator's published development account.
DEV_ACCOUNT = "devstoreaccount1"
DEV_KEY = ("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/"
           "K1SZFPTOtr/KBHBeksoGMGw==")
DATE = "Thu, 26 Nov 2026 03:27:38 GMT"
START = datetime.datetime(2026, 11, 26, 3, 0, 0, tzinfo=datetime.timezone.utc)
EXPIRY = datetime.datetime(2026, 11, 27, 4, 5, 6, tzinfo=datetime.timezone.utc)

_signed = []


def _capture(original):
    def wrapper(key, string_to_sign, *args, **kwargs):
        _signed.append(string_to_sign)
        return original(key, string_to_sign, *args, **kwargs)
    return wrapper


authentication.sign_string = _capture(authentication.sign_string)
shared_sas.sign_string = _capture(shared_sas.sign_string)
blob_sas.sign_string = _capture(blob_sas.sign_string)


def _last_signed():
    assert _signed, "the SDK signed nothing"
    return _signed.pop()


def _first_difference_is_hyphen(a, b):
    for x, y in zip(a, b):
        if x != y:
            return x == "-" or y == "-"
    return False


def _check_header_names(headers):
    names = [n.lower() for n, _ in headers if n.lower().startswith("x-ms-")]
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if _first_difference_is_hyphen(a, b):
                sys.exit(f"{a} and {b} sort differently in this SDK and the service")


def shared_key_vector(name, account, key, method, url, headers):
    _check_header_names(headers)
    request = HttpRequest(method, url, headers=dict(headers))
    policy = authentication.SharedKeyCredentialPolicy(account, key)
    policy.on_request(PipelineRequest(request, PipelineContext(None)))
    return {
        "name": name,
        "account_name": account,
        "account_key": key,
        "method": method,
        "url": url,
        "headers": [[n, v] for n, v in headers],
        "string_to_sign": _last_signed(),
        "authorization": request.headers["Authorization"],
    }


def shared_key_vectors():
    common = [("x-ms-date", DATE), ("x-ms-version", PINNED_VERSION)]
    host = f"https://{ACCOUNT}.blob.core.windows.net"
    dev = f"http://127.0.0.1:10000/{DEV_ACCOUNT}"
    metadata = [
        ("x-ms-meta-foo_bar", "1"),
        ("x-ms-meta-foo2_bar", "2"),
        ("x-ms-meta-a-b", "three"),
        ("x-ms-meta-MixedCase", "Value With Spaces"),
        ("x-ms-meta-foo", "4"),
        ("x-ms-meta-foo_", "5"),
        ("x-ms-meta-z9", "6"),
        ("x-ms-meta-z_9", "7"),
        ("x-ms-meta-zz", "8"),
        ("x-ms-meta-Z1", "9"),
    ]
    return [
        shared_key_vector("list containers with several query parameters", ACCOUNT, ACCOUNT_KEY,
                          "GET", f"{host}/?comp=list&prefix=logs%2F2026&maxresults=5000"
                          "&include=metadata&marker=2%21108%21MDAwMDY0",
                          common + [("x-ms-client-request-id", "1f2e3d4c-0000-4000-8000-00000000aa01")]),
        shared_key_vector("put blob with metadata that a byte sort gets wrong", ACCOUNT, ACCOUNT_KEY,
                          "PUT", f"{host}/photos/2026/a%20b.jpg",
                          [("Content-Type", "image/jpeg"), ("Content-Length", "11"),
                           ("Content-MD5", "XrY7u+Ae7tCTyyK7j1rNww=="),
                           ("x-ms-blob-type", "BlockBlob"),
                           ("x-ms-blob-content-type", "image/jpeg")] + metadata + common),
        shared_key_vector("zero content length is signed as empty", ACCOUNT, ACCOUNT_KEY,
                          "PUT", f"{host}/photos?restype=container",
                          [("Content-Length", "0"), ("x-ms-blob-public-access", "blob")] + common),
        shared_key_vector("tricky blob name, encoded in the path", ACCOUNT, ACCOUNT_KEY,
                          "GET", f"{host}/c/a%252Fb%20%231%3F.txt",
                          [("x-ms-range", "bytes=0-1023")] + common),
        shared_key_vector("unicode blob name and snapshot query", ACCOUNT, ACCOUNT_KEY,
                          "HEAD", f"{host}/c/%C3%BC/%E6%97%A5%E6%9C%AC.txt"
                          "?snapshot=2026-11-26T03%3A27%3A38.1234567Z",
                          [("If-Match", "\"0x8DCF1C2B3A4D5E6\""),
                           ("If-Modified-Since", "Wed, 25 Nov 2026 00:00:00 GMT"),
                           ("If-None-Match", "*"),
                           ("If-Unmodified-Since", "Fri, 27 Nov 2026 00:00:00 GMT")] + common),
        shared_key_vector("put block list with all standard headers", ACCOUNT, ACCOUNT_KEY,
                          "PUT", f"{host}/c/deep/path/to/file+plus.bin?comp=blocklist&timeout=30",
                          [("Content-Encoding", "gzip"), ("Content-Language", "de-CH"),
                           ("Content-Length", "312"), ("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="),
                           ("Content-Type", "application/xml; charset=utf-8"),
                           ("Date", DATE),
                           ("x-ms-blob-content-md5", "CY9rzUYh03PK3k6DJie09g=="),
                           ("x-ms-blob-cache-control", "no-cache"),
                           ("x-ms-blob-content-disposition", "attachment; filename=\"x.bin\""),
                           ("x-ms-access-tier", "Cool"),
                           ("x-ms-meta-Author", "Jürgen")] + common),
        shared_key_vector("put block with encoded block id", ACCOUNT, ACCOUNT_KEY,
                          "PUT", f"{host}/c/big.bin?comp=block&blockid=MDAwMDAwMDAwMDAwMDAwMQ%3D%3D",
                          [("Content-Length", "4194304"),
                           ("Content-MD5", "b1rxHtbIMs6vVr3QNTVr1w==")] + common),
        shared_key_vector("emulator: list blobs (account twice in the resource)",
                          DEV_ACCOUNT, DEV_KEY,
                          "GET", f"{dev}/container?restype=container&comp=list&prefix=dir%2F"
                          "&delimiter=%2F&include=metadata&maxresults=2",
                          common + [("x-ms-client-request-id", "5b5a5c5d-0000-4000-8000-00000000bb02")]),
        shared_key_vector("emulator: put blob with metadata", DEV_ACCOUNT, DEV_KEY,
                          "PUT", f"{dev}/container/%C3%BC%20%23%3F%25.txt",
                          [("Content-Type", "text/plain"), ("Content-Length", "1"),
                           ("x-ms-blob-type", "BlockBlob")] + metadata + common),
        shared_key_vector("emulator: service root", DEV_ACCOUNT, DEV_KEY,
                          "GET", f"{dev}/?comp=list", common),
        shared_key_vector("emulator: delete container", DEV_ACCOUNT, DEV_KEY,
                          "DELETE", f"{dev}/container?restype=container", common),
    ]


def sas_entry(name, kind, version, inputs, token):
    return {
        "name": name,
        "kind": kind,
        "version": version,
        "account_name": inputs.pop("account_name", ACCOUNT),
        "account_key": inputs.pop("account_key", ACCOUNT_KEY),
        "inputs": inputs,
        "string_to_sign": _last_signed(),
        "token": token,
    }


def _iso(value):
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def blob_sas_vectors():
    out = []
    # The SDK's own entry points, at the SDK's version.
    token = blob.generate_blob_sas(
        ACCOUNT, "photos", "dir/ü 1#?.txt", account_key=ACCOUNT_KEY,
        permission=BlobSasPermissions(read=True, write=True, delete=True, create=True, add=True,
                                      tag=True),
        expiry=EXPIRY, start=START, ip="168.1.5.60-168.1.5.70", protocol="https",
        cache_control="no-cache", content_disposition="attachment; filename=\"a b.txt\"",
        content_encoding="gzip", content_language="en-US",
        content_type="text/plain; charset=utf-8")
    out.append(sas_entry("blob SAS with every optional field", "blob", X_MS_VERSION, {
        "container": "photos", "blob": "dir/ü 1#?.txt", "permissions": "tcwdar",
        "start": _iso(START), "expiry": _iso(EXPIRY), "ip": "168.1.5.60-168.1.5.70",
        "protocol": "https", "cache_control": "no-cache",
        "content_disposition": "attachment; filename=\"a b.txt\"", "content_encoding": "gzip",
        "content_language": "en-US", "content_type": "text/plain; charset=utf-8"}, token))

    token = blob.generate_blob_sas(
        ACCOUNT, "photos", "plain.txt", account_key=ACCOUNT_KEY,
        permission=BlobSasPermissions(read=True), expiry=EXPIRY)
    out.append(sas_entry("minimal read-only blob SAS", "blob", X_MS_VERSION, {
        "container": "photos", "blob": "plain.txt", "permissions": "r",
        "expiry": _iso(EXPIRY)}, token))

    token = blob.generate_container_sas(
        ACCOUNT, "photos", account_key=ACCOUNT_KEY,
        permission=ContainerSasPermissions(read=True, write=True, delete=True, list=True,
                                           add=True, create=True, delete_previous_version=True),
        expiry=EXPIRY, start=START, protocol="https,http", encryption_scope="scope1")
    out.append(sas_entry("container SAS with encryption scope", "container", X_MS_VERSION, {
        "container": "photos", "permissions": "lxdwcar", "start": _iso(START),
        "expiry": _iso(EXPIRY), "protocol": "https,http", "encryption_scope": "scope1"}, token))

    token = blob.generate_container_sas(ACCOUNT, "photos", account_key=ACCOUNT_KEY,
                                        policy_id="read-policy")
    out.append(sas_entry("container SAS from a stored access policy", "container", X_MS_VERSION, {
        "container": "photos", "identifier": "read-policy"}, token))

    token = blob.generate_account_sas(
        ACCOUNT, ACCOUNT_KEY, resource_types=ResourceTypes(service=True, container=True,
                                                           object=True),
        permission=AccountSasPermissions(read=True, write=True, delete=True, list=True,
                                         add=True, create=True, update=True, process=True),
        expiry=EXPIRY, start=START, ip="10.0.0.1", protocol="https")
    out.append(sas_entry("account SAS", "account", X_MS_VERSION, {
        "services": "b", "resource_types": "ocs", "permissions": "pucalwdr", "start": _iso(START),
        "expiry": _iso(EXPIRY), "ip": "10.0.0.1", "protocol": "https"}, token))

    # The version Cerulean pins, through the SDK classes that the functions above wrap.
    signer = blob_sas.BlobSharedAccessSignature(DEV_ACCOUNT, account_key=DEV_KEY)
    signer.x_ms_version = PINNED_VERSION
    token = signer.generate_blob(
        "container", "a%2Fb #1?.txt",
        permission=BlobSasPermissions(read=True, write=True, create=True), expiry=EXPIRY,
        start=START, protocol="https,http")
    out.append(sas_entry("emulator blob SAS at the pinned version", "blob", PINNED_VERSION, {
        "account_name": DEV_ACCOUNT, "account_key": DEV_KEY, "container": "container",
        "blob": "a%2Fb #1?.txt", "permissions": "cwr", "start": _iso(START),
        "expiry": _iso(EXPIRY), "protocol": "https,http"}, token))

    signer = blob_sas.BlobSharedAccessSignature(ACCOUNT, account_key=ACCOUNT_KEY)
    signer.x_ms_version = PINNED_VERSION
    token = signer.generate_container(
        "photos", permission=ContainerSasPermissions(read=True, list=True), expiry=EXPIRY,
        content_type="application/json", encryption_scope="scope-2")
    out.append(sas_entry("container SAS at the pinned version", "container", PINNED_VERSION, {
        "container": "photos", "permissions": "lr", "expiry": _iso(EXPIRY),
        "content_type": "application/json", "encryption_scope": "scope-2"}, token))

    signer = shared_sas.SharedAccessSignature(ACCOUNT, ACCOUNT_KEY, x_ms_version=PINNED_VERSION)
    token = signer.generate_account(
        services=Services(blob=True, queue=True, fileshare=True),
        resource_types=ResourceTypes(container=True, object=True),
        permission=AccountSasPermissions(read=True, list=True, tag=True, filter_by_tags=True,
                                         delete_previous_version=True, permanent_delete=True,
                                         set_immutability_policy=True),
        expiry=EXPIRY, start=START, encryption_scope="scope1")
    out.append(sas_entry("account SAS at the pinned version", "account", PINNED_VERSION, {
        "services": "fqb", "resource_types": "oc", "permissions": "iftyxlr", "start": _iso(START),
        "expiry": _iso(EXPIRY), "encryption_scope": "scope1"}, token))

    # User delegation SAS, signed offline with a fabricated delegation key.
    key = UserDelegationKey()
    key.signed_oid = "6ef3b6a1-2f0c-4e8e-9a51-3c0f2b4d5e6f"
    key.signed_tid = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    key.signed_start = "2026-11-26T02:00:00Z"
    key.signed_expiry = "2026-11-28T02:00:00Z"
    key.signed_service = "b"
    key.signed_version = "2021-12-02"
    key.value = base64.b64encode(bytes((i * 11 + 3) % 256 for i in range(32))).decode()
    delegation = {"signed_oid": key.signed_oid, "signed_tid": key.signed_tid,
                  "signed_start": key.signed_start, "signed_expiry": key.signed_expiry,
                  "signed_service": key.signed_service, "signed_version": key.signed_version,
                  "value": key.value}

    token = blob.generate_blob_sas(
        ACCOUNT, "photos", "ü/日本.txt", user_delegation_key=key,
        permission=BlobSasPermissions(read=True), expiry=EXPIRY, start=START, protocol="https")
    out.append(sas_entry("user delegation blob SAS", "user_delegation_blob", X_MS_VERSION, {
        "container": "photos", "blob": "ü/日本.txt", "permissions": "r", "start": _iso(START),
        "expiry": _iso(EXPIRY), "protocol": "https", "delegation_key": delegation}, token))

    signer = blob_sas.BlobSharedAccessSignature(ACCOUNT, user_delegation_key=key)
    signer.x_ms_version = PINNED_VERSION
    token = signer.generate_container(
        "photos", permission=ContainerSasPermissions(read=True, list=True, write=True),
        expiry=EXPIRY, preauthorized_agent_object_id="0a1b2c3d-0000-4000-8000-000000000001",
        correlation_id="c0ffee00-0000-4000-8000-000000000002", content_disposition="inline")
    out.append(sas_entry("user delegation container SAS at the pinned version",
                         "user_delegation_container", PINNED_VERSION, {
                             "container": "photos", "permissions": "wlr", "expiry": _iso(EXPIRY),
                             "content_disposition": "inline",
                             "authorized_object_id": "0a1b2c3d-0000-4000-8000-000000000001",
                             "correlation_id": "c0ffee00-0000-4000-8000-000000000002",
                             "delegation_key": delegation}, token))
    return out


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out_path = os.path.join(root, "tests", "azure", "vectors", "signing_vectors.json")
    document = {
        "generator": "scripts/gen_azure_vectors.py",
        "sdk": f"azure-storage-blob {blob.__version__} (Debian python3-azure)",
        "sdk_service_version": X_MS_VERSION,
        "pinned_service_version": PINNED_VERSION,
        "shared_key": shared_key_vectors(),
        "sas": blob_sas_vectors(),
    }
    assert not _signed, "a signature was computed but not recorded"
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(document, f, ensure_ascii=False, indent=2)
        f.write("\n")
    print(f"wrote {len(document['shared_key'])} Shared Key and {len(document['sas'])} SAS vectors "
          f"to {os.path.relpath(out_path, root)}")


if __name__ == "__main__":
    main()
