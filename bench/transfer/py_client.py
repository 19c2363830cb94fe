#!/usr/bin/python3
"""The Azure Python SDK side of bench/transfer: one operation per invocation, tuned as a power
user would tune it (max_concurrency, block sizes, a thread pool for many small files)."""

import concurrent.futures
import os
import sys

from azure.storage.blob import BlobServiceClient

MiB = 1 << 20
THREADS = 32


def service():
    return BlobServiceClient.from_connection_string(
        os.environ["AZURE_STORAGE_CONNECTION_STRING"],
        max_single_put_size=8 * MiB,
        max_block_size=8 * MiB,
        max_single_get_size=8 * MiB,
        max_chunk_get_size=8 * MiB,
    )


def main():
    op, container = sys.argv[1], sys.argv[2]
    c = service().get_container_client(container)
    if op == "upload":  # FILE NAME
        with open(sys.argv[3], "rb") as f:
            c.upload_blob(sys.argv[4], f, overwrite=True, max_concurrency=8)
    elif op == "download":  # NAME FILE
        with open(sys.argv[4], "wb") as f:
            c.download_blob(sys.argv[3], max_concurrency=8).readinto(f)
    elif op == "upload-many":  # DIR PREFIX
        folder, prefix = sys.argv[3], sys.argv[4]
        names = sorted(os.listdir(folder))

        def put(n):
            with open(os.path.join(folder, n), "rb") as f:
                c.upload_blob(prefix + n, f.read(), overwrite=True)

        with concurrent.futures.ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(put, names))
    elif op == "download-many":  # PREFIX DIR
        prefix, folder = sys.argv[3], sys.argv[4]
        os.makedirs(folder, exist_ok=True)
        names = [b.name for b in c.list_blobs(name_starts_with=prefix)]

        def get(n):
            with open(os.path.join(folder, n[len(prefix):]), "wb") as f:
                c.download_blob(n).readinto(f)

        with concurrent.futures.ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(get, names))
    elif op == "list":
        count = sum(1 for _ in c.list_blobs())
        print(count)
    elif op == "sas":  # a container SAS for curl
        from datetime import datetime, timedelta
        from azure.storage.blob import generate_container_sas, ContainerSasPermissions
        s = service()
        print(generate_container_sas(
            s.account_name, container, account_key=s.credential.account_key,
            permission=ContainerSasPermissions(read=True, write=True, list=True, delete=True,
                                               create=True),
            expiry=datetime.utcnow() + timedelta(hours=4)))
    else:
        raise SystemExit("unknown op " + op)


if __name__ == "__main__":
    main()
