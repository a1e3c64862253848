"""Helpers shared by the aws-cli tests (v1 in test_awscli.py, v2 in test_awscli_v2.py): a file
tree to sync, writing it with old mtimes, reading it back, and the server's 5xx answers to a
client found in its JSON access log."""

import json
import os
import time

from s3helpers import data_of

TREE = {
    "top.txt": b"top level\n",
    "empty.bin": b"",
    "docs/readme.md": b"# readme\n",
    "docs/deep/er/file.bin": data_of(70_000, seed=1),
    "unicodé/naïve café.txt": "unicode content é".encode(),
    "unicodé/日本/ファイル.txt": b"japanese",
    "with space/a+b%c.txt": b"odd characters",
}


def write_tree(root, tree):
    # aws s3 sync re-uploads a file whose mtime is newer than the object's LastModified, which
    # has one-second resolution: files written in the same second as the upload would be sent
    # again. Real files are older than their upload; make these an hour old.
    old = time.time() - 3600
    for rel, data in tree.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        os.utime(p, (old, old))


def read_tree(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def server_errors(log_text: str, user_agent_prefix: str = ""):
    """Access-log records (the server's JSON log lines) answered with a 5xx (501 included) to a
    client whose User-Agent starts with user_agent_prefix, as `status METHOD path op=... ua=...`."""
    found = []
    for line in log_text.splitlines():
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
            status = int(record.get("status", 0))
        except (ValueError, TypeError, AttributeError):
            continue
        if status >= 500 and str(record.get("user_agent", "")).startswith(user_agent_prefix):
            found.append(f"{status} {record.get('method')} {record.get('path')} "
                         f"op={record.get('operation')} ua={record.get('user_agent', '')[:40]}")
    return found
