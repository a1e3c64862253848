"""Helpers for the governance tests (versioning, tagging, object lock): buckets whose every
version and delete marker is removed afterwards, waiting out short retentions."""

import datetime
import time

from botocore.exceptions import ClientError


def delete_all_versions_and_bucket(s3, name: str, wait_until=None) -> None:
    """Removes every version and delete marker (bypassing GOVERNANCE, lifting legal holds,
    waiting for COMPLIANCE dates up to `wait_until`), then the bucket."""
    try:
        entries = []
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=name):
            entries += page.get("Versions", []) + page.get("DeleteMarkers", [])
    except ClientError as e:
        if e.response["Error"]["Code"] == "NoSuchBucket":
            return
        raise
    for v in entries:
        try:
            s3.delete_object(Bucket=name, Key=v["Key"], VersionId=v["VersionId"],
                             BypassGovernanceRetention=True)
            continue
        except ClientError:
            pass
        # A legal hold (lift it), or a COMPLIANCE date (wait it out), then delete.
        if v.get("ETag") is not None:
            s3.put_object_legal_hold(Bucket=name, Key=v["Key"], VersionId=v["VersionId"],
                                     LegalHold={"Status": "OFF"})
        if wait_until is not None:
            delay = (wait_until - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
            if delay > 0:
                time.sleep(delay + 0.2)
        s3.delete_object(Bucket=name, Key=v["Key"], VersionId=v["VersionId"],
                         BypassGovernanceRetention=True)
    s3.delete_bucket(Bucket=name)


def utc_in(seconds: float) -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
