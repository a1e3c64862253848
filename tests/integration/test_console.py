"""The read-only web console at /console (issue 9): its JSON API over HTTP, then the page itself
in headless Chromium (Python Playwright driving Debian's /usr/bin/chromium; never a downloaded
browser). The data is written with boto3 first, so every assertion compares the console with
what S3 says: buckets, keys, versions, delete markers, tags, retention, legal hold, storage
class, and the tiers with their drives."""

import os
import re
import subprocess
import uuid

import pytest
import requests

import own_server
from version_helpers import delete_all_versions_and_bucket, utc_in

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

# Attacker-controlled names: the page must show them as text, never run them.
K_SCRIPT = "<script>alert(1)</script> ünï 😀.txt"  # lists as folder "<script>alert(1)</"
K_IMG = "<img src=x onerror=alert(2)> çà.txt"
K_REPORT = "docs/report.txt"
K_GONE = "docs/gone.txt"
K_COLD = "cold.bin"


@pytest.fixture(scope="module")
def data(s3):
    """A bucket with object lock: versions, a delete marker, tags, retention, a legal hold,
    a STANDARD_IA object and hostile key names. Yields what boto3 wrote."""
    bucket = "console-" + uuid.uuid4().hex[:12]
    s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    v1 = s3.put_object(Bucket=bucket, Key=K_REPORT, Body=b"first draft")["VersionId"]
    until = utc_in(3600).replace(microsecond=0)
    v2 = s3.put_object(Bucket=bucket, Key=K_REPORT, Body=b"final report, v2",
                       ContentType="text/plain", Tagging="team=ml&stage=<b>final</b>",
                       ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=until)["VersionId"]
    s3.put_object(Bucket=bucket, Key=K_GONE, Body=b"soon deleted")
    marker = s3.delete_object(Bucket=bucket, Key=K_GONE)["VersionId"]
    s3.put_object(Bucket=bucket, Key=K_SCRIPT, Body=b"<script>", Tagging="x=%3Cscript%3E")
    s3.put_object(Bucket=bucket, Key=K_IMG, Body=b"img", ObjectLockLegalHoldStatus="ON")
    s3.put_object(Bucket=bucket, Key=K_COLD, Body=b"c" * 5000, StorageClass="STANDARD_IA")
    yield {"bucket": bucket, "v1": v1, "v2": v2, "until": until, "marker": marker}
    s3.put_object_legal_hold(Bucket=bucket, Key=K_IMG, LegalHold={"Status": "OFF"})
    delete_all_versions_and_bucket(s3, bucket)


def login(server, secret=None, access=None, session=None, **headers):
    session = session or requests.Session()
    r = session.post(server.endpoint + "/console/login",
                     data={"access_key": access or server.creds.access_key,
                           "secret_key": secret or server.creds.secret_key},
                     headers=headers, timeout=10)
    return session, r


@pytest.fixture(scope="module")
def console(server, data):
    session, r = login(server)
    assert r.status_code == 200, r.text
    return session


def get(session, server, endpoint, **params):
    r = session.get(server.endpoint + "/console/api/" + endpoint, params=params, timeout=30)
    assert r.status_code == 200, r.text
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers["Content-Type"] == "application/json"
    return r.json()


# ---- HTTP API ------------------------------------------------------------------------------

def test_page_is_served_with_a_strict_content_security_policy(server):
    r = requests.get(server.endpoint + "/console", timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert r.headers["X-Frame-Options"] == "DENY"
    assert '<script src="/console/app.js"' in r.text and "<style" not in r.text
    js = requests.get(server.endpoint + "/console/app.js", timeout=10)
    assert js.status_code == 200 and js.headers["Content-Type"].startswith("text/javascript")
    assert "innerHTML" not in js.text  # data goes in through text nodes only
    css = requests.get(server.endpoint + "/console/app.css", timeout=10)
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")


def test_api_without_a_session_is_401_json(server):
    for endpoint in ("session", "buckets", "objects?bucket=x", "object?bucket=x&key=y", "tiers",
                     "usage", "nonexistent"):
        r = requests.get(server.endpoint + "/console/api/" + endpoint, timeout=10)
        assert r.status_code == 401, endpoint
        assert r.json()["error"] == "NotSignedIn"


def test_wrong_secret_is_refused_without_a_cookie(server):
    _, r = login(server, secret=server.creds.secret_key + "x")
    assert r.status_code == 401
    assert r.json()["error"] == "InvalidCredentials"
    assert "Set-Cookie" not in r.headers
    _, r = login(server, access="AKNOSUCHKEY")
    assert r.status_code == 401


def test_a_user_is_told_the_console_is_for_root(server):
    env = dict(os.environ, STRATA_ROOT_ACCESS_KEY=server.creds.access_key,
               STRATA_ROOT_SECRET_KEY=server.creds.secret_key)

    def admin(*args):
        out = subprocess.run([own_server.binary("strata-admin"), "--endpoint", server.endpoint,
                              *args], env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        return out.stdout

    name = "console-user-" + uuid.uuid4().hex[:8]
    printed = admin("user", "add", name)
    try:
        access = re.search(r"^Access key: (\S+)$", printed, re.M).group(1)
        secret = re.search(r"^Secret key: (\S+)$", printed, re.M).group(1)
        _, r = login(server, access=access, secret=secret)
        assert r.status_code == 401
        assert r.json()["error"] == "NotRoot"
        assert "root account" in r.json()["message"]
        assert "Set-Cookie" not in r.headers
        _, r = login(server, access=access, secret=secret + "x")  # a wrong secret learns less
        assert r.json()["error"] == "InvalidCredentials"
    finally:
        admin("user", "remove", name)


def test_cross_site_sign_in_is_refused(server):
    _, r = login(server, Origin="http://evil.example")
    assert r.status_code == 403 and "Set-Cookie" not in r.headers
    _, r = login(server, Referer="http://evil.example/console")
    assert r.status_code == 403
    _, r = login(server, Origin=server.endpoint)
    assert r.status_code == 200


def test_sign_in_sets_a_strict_http_only_cookie(server):
    session, r = login(server)
    assert r.status_code == 200
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("strata_console=")
    for attribute in ("Path=/console", "HttpOnly", "SameSite=Strict", "Max-Age=43200"):
        assert attribute in cookie
    assert "Secure" not in cookie  # plain HTTP here
    assert get(session, server, "session")["access_key"] == server.creds.access_key


def test_tampered_cookie_is_401(server):
    session, _ = login(server)
    token = session.cookies["strata_console"]
    flipped = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    for value in (flipped, token[:-1], token + "A", "x" * 5000):
        r = requests.get(server.endpoint + "/console/api/buckets",
                         cookies={"strata_console": value}, timeout=10)
        assert r.status_code == 401


def test_logout_clears_the_cookie_and_revokes_the_token(server):
    session, _ = login(server)
    token = session.cookies["strata_console"]
    r = session.post(server.endpoint + "/console/logout", timeout=10)
    assert r.status_code == 200
    assert "Max-Age=0" in r.headers["Set-Cookie"]
    r = requests.get(server.endpoint + "/console/api/session",
                     cookies={"strata_console": token}, timeout=10)
    assert r.status_code == 401


def test_api_is_read_only(server, console):
    r = console.post(server.endpoint + "/console/api/buckets", timeout=10)
    assert r.status_code == 405
    r = console.delete(server.endpoint + "/console/api/object?bucket=x&key=y", timeout=10)
    assert r.status_code == 405


def test_buckets_match_what_boto3_created(server, s3, console, data):
    listed = {b["name"]: b for b in get(console, server, "buckets")["buckets"]}
    assert {b["Name"] for b in s3.list_buckets()["Buckets"]} <= set(listed)
    b = listed[data["bucket"]]
    assert b["versioning"] == "Enabled"
    assert b["object_lock"] is True
    assert b["created"].endswith("Z")


def test_objects_list_versions_and_folders_like_list_object_versions(server, s3, console, data):
    bucket = data["bucket"]
    page = get(console, server, "objects", bucket=bucket)
    assert page["prefix"] == "" and page["truncated"] is False
    assert page["folders"] == ["<script>alert(1)</", "docs/"]
    assert [o["key"] for o in page["objects"]] == [K_IMG, K_COLD]
    cold = page["objects"][1]["versions"][0]
    assert cold["storage_class"] == "STANDARD_IA" and cold["size"] == 5000
    assert cold["tier"] == "hdd"

    docs = get(console, server, "objects", bucket=bucket, prefix="docs/")
    want = s3.list_object_versions(Bucket=bucket, Prefix="docs/")
    by_key = {o["key"]: o["versions"] for o in docs["objects"]}
    assert set(by_key) == {K_GONE, K_REPORT}
    report = by_key[K_REPORT]
    boto_report = [v for v in want["Versions"] if v["Key"] == K_REPORT]
    assert [v["version_id"] for v in report] == [v["VersionId"] for v in boto_report]
    assert [v["version_id"] for v in report] == [data["v2"], data["v1"]]
    assert [v["is_latest"] for v in report] == [True, False]
    assert [v["size"] for v in report] == [v["Size"] for v in boto_report]
    assert [v["etag"] for v in report] == [v["ETag"].strip('"') for v in boto_report]
    gone = by_key[K_GONE]
    assert gone[0]["delete_marker"] is True and gone[0]["version_id"] == data["marker"]
    assert gone[0]["is_latest"] is True and gone[1]["delete_marker"] is False

    hostile = get(console, server, "objects", bucket=bucket, prefix="<script>alert(1)</")
    assert [o["key"] for o in hostile["objects"]] == [K_SCRIPT]


def test_objects_page_continues_after_the_marker(server, console, data):
    seen = []
    params = {"bucket": data["bucket"], "prefix": "docs/", "max": "1"}
    for _ in range(10):
        page = get(console, server, "objects", **params)
        seen += [(o["key"], v["version_id"]) for o in page["objects"] for v in o["versions"]]
        if not page["truncated"]:
            break
        params.update(marker=page["next_marker"], version_marker=page["next_version_marker"])
    assert len(seen) == 4 and len(set(seen)) == 4


def test_object_detail_matches_tags_retention_and_headers(server, s3, console, data):
    bucket = data["bucket"]
    d = get(console, server, "object", bucket=bucket, key=K_REPORT)
    assert d["version_id"] == data["v2"] and d["is_latest"] is True
    head = s3.head_object(Bucket=bucket, Key=K_REPORT)
    assert d["size"] == head["ContentLength"] == 16
    assert d["etag"] == head["ETag"].strip('"')
    assert d["storage_class"] == "STANDARD" and d["tier"] == "nvme"
    assert d["headers"]["content-type"] == "text/plain"
    tags = s3.get_object_tagging(Bucket=bucket, Key=K_REPORT)["TagSet"]
    assert d["tags"] == [{"key": t["Key"], "value": t["Value"]} for t in tags]
    assert {"key": "stage", "value": "<b>final</b>"} in d["tags"]
    retention = s3.get_object_retention(Bucket=bucket, Key=K_REPORT)["Retention"]
    assert d["retention"]["mode"] == retention["Mode"] == "GOVERNANCE"
    assert d["retention"]["retain_until"].startswith(data["until"].strftime("%Y-%m-%dT%H:%M:%S"))
    assert d["retention"]["active"] is True
    assert d["legal_hold"] is False

    old = get(console, server, "object", bucket=bucket, key=K_REPORT, versionId=data["v1"])
    assert old["is_latest"] is False and old["size"] == 11
    assert old["tags"] == [] and old["retention"] is None

    img = get(console, server, "object", bucket=bucket, key=K_IMG)
    assert img["key"] == K_IMG and img["legal_hold"] is True
    script = get(console, server, "object", bucket=bucket, key=K_SCRIPT)
    assert script["key"] == K_SCRIPT and script["tags"] == [{"key": "x", "value": "<script>"}]

    marker = get(console, server, "object", bucket=bucket, key=K_GONE, versionId=data["marker"])
    assert marker["delete_marker"] is True

    r = console.get(server.endpoint + "/console/api/object",
                    params={"bucket": bucket, "key": "no/such/key"}, timeout=10)
    assert r.status_code == 404 and r.json()["error"] == "NoSuchKey"
    r = console.get(server.endpoint + "/console/api/objects",
                    params={"bucket": "no-such-bucket-" + uuid.uuid4().hex[:8]}, timeout=10)
    assert r.status_code == 404 and r.json()["error"] == "NoSuchBucket"


def test_tiers_show_every_drive_with_capacity_and_state(server, console):
    t = get(console, server, "tiers")
    names = [tier["name"] for tier in t["tiers"]]
    assert names == ["nvme", "hdd"]  # the embedded default
    assert t["storage_classes"]["STANDARD"] == "nvme"
    assert t["storage_classes"]["STANDARD_IA"] == "hdd"
    for tier in t["tiers"]:
        assert len(tier["drives"]) == tier["drives_total"] == {"nvme": 4, "hdd": 6}[tier["name"]]
        assert tier["drives_online"] == tier["drives_total"]
        assert tier["bytes_total"] > 0 and 0 <= tier["bytes_free"] <= tier["bytes_total"]
        for d in tier["drives"]:
            assert d["state"] == "online" and d["bytes_total"] > 0
            assert os.path.isdir(d["path"])


def test_usage_counts_what_boto3_wrote(server, console, data):
    u = get(console, server, "usage")
    b = next(x for x in u["buckets"] if x["name"] == data["bucket"])
    assert b["current_objects"] == 4  # report, <script>, <img>, cold; gone is a marker
    assert b["delete_markers"] == 1
    assert b["objects"] == 6  # every version that holds data
    assert b["tiers"]["hdd"]["bytes"] == 5000


# ---- The page in headless Chromium ---------------------------------------------------------

def test_console_in_headless_chromium(server, data, tmp_path):
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing (Debian package chromium: "
                    "tools/install-client-deps.sh installs it)")
    try:
        from playwright import sync_api
    except ImportError:
        pytest.fail("the pip package playwright is missing: tools/install-deps.sh --test installs "
                    "it (tests/integration/requirements.txt)", pytrace=False)
    bucket = data["bucket"]
    dialogs = []
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 900})
        try:
            page = context.new_page()
            page.set_default_timeout(15000)

            def on_dialog(dialog):
                dialogs.append(dialog.message)
                dialog.dismiss()
            page.on("dialog", on_dialog)
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))

            # Signed out: the sign-in form; a wrong secret shows the server's message.
            page.goto(server.endpoint + "/console")
            page.wait_for_selector("#login-form")
            page.fill("#access_key", server.creds.access_key)
            page.fill("#secret_key", "wrong")
            page.click("#login-submit")
            sync_api.expect(page.locator("#login-error")).to_contain_text("wrong access key")
            page.fill("#secret_key", server.creds.secret_key)
            page.click("#login-submit")

            # Buckets -> the bucket.
            link = page.locator("a.bucket-link", has_text=bucket)
            link.wait_for()
            sync_api.expect(page.locator("#login")).to_be_hidden()
            page.click("#count-usage")
            row = page.locator(f'tr.bucket-row[data-bucket="{bucket}"]')
            sync_api.expect(row.locator(".objects")).to_have_text("4")
            page.screenshot(path=str(tmp_path / "console-buckets.png"), full_page=True)
            link.click()

            # The root of the bucket: folders (the hostile one as text) and keys.
            page.wait_for_selector("tr.object-row")
            folders = page.locator("a.folder-link").all_inner_texts()
            assert folders == ["<script>alert(1)</", "docs/"]
            keys = page.locator("tr.object-row a.key").all_inner_texts()
            assert keys == [K_IMG, K_COLD]
            assert page.locator("#objects img, #objects script").count() == 0

            # docs/: two keys, the report with two versions, the other with a delete marker.
            page.locator("a.folder-link", has_text="docs/").click()
            report = page.locator(f'tr.object-row[data-key="{K_REPORT}"]')
            report.wait_for()
            sync_api.expect(report.locator(".versions-toggle")).to_contain_text("2 versions")
            gone = page.locator(f'tr.object-row[data-key="{K_GONE}"]')
            sync_api.expect(gone).to_contain_text("deleted")
            report.locator(".versions-toggle").click()
            versions = page.locator("tr.version-row:visible a.version-link").all_inner_texts()
            assert data["v2"] in versions and data["v1"] in versions

            # The object's detail: tags and retention.
            report.locator("a.key").click()
            detail = page.locator("#detail")
            sync_api.expect(detail.locator(".detail-version")).to_have_text(data["v2"])
            sync_api.expect(detail.locator(".retention")).to_contain_text("GOVERNANCE")
            sync_api.expect(detail.locator(".retention")).to_contain_text(
                data["until"].strftime("%Y-%m-%d %H:%M:%S"))
            tag_rows = detail.locator("table.tags tbody tr")
            sync_api.expect(tag_rows).to_have_count(2)
            assert sorted(detail.locator("td.tag-value").all_inner_texts()) == ["<b>final</b>", "ml"]
            assert detail.locator("b").count() == 0
            page.screenshot(path=str(tmp_path / "console-object.png"), full_page=True)

            # The hostile folder and key render as text, and their detail too.
            page.click("#nav-buckets")
            page.locator("a.bucket-link", has_text=bucket).click()
            page.locator("a.folder-link", has_text="<script>").click()
            hostile = page.locator("tr.object-row a.key", has_text="ünï")
            sync_api.expect(hostile).to_have_text("script> ünï 😀.txt")
            hostile.click()
            sync_api.expect(detail.locator(".detail-key")).to_have_text(K_SCRIPT)
            sync_api.expect(detail.locator("td.tag-value")).to_have_text("<script>")
            page.screenshot(path=str(tmp_path / "console-hostile-key.png"), full_page=True)

            # Tiers: one SVG bar per tier, drive badges.
            page.click("#nav-tiers")
            chart = page.locator("svg#capacity-chart")
            chart.wait_for()
            assert chart.locator("g.tier-bar").count() == 2
            assert chart.locator("rect.bar-used").count() == 2
            assert chart.locator("rect.bar-free").count() == 2
            assert page.locator("g.tier-bar").evaluate_all(
                "gs => gs.map(g => g.getAttribute('data-tier'))") == ["nvme", "hdd"]
            for width in chart.locator("rect.bar-used").evaluate_all(
                    "rs => rs.map(r => Number(r.getAttribute('width')))"):
                assert width > 0
            assert page.locator("tr.drive-row .badge.state-online").count() == 10
            page.screenshot(path=str(tmp_path / "console-tiers.png"), full_page=True)

            # Sign out: back to the form, and the API refuses the old cookie.
            page.click("#logout")
            page.wait_for_selector("#login-form", state="visible")
            status = page.evaluate(
                "fetch('/console/api/session').then(r => r.status)")
            assert status == 401
            assert errors == []
        finally:
            context.close()
    assert dialogs == [], f"a dialog fired: {dialogs}"
    print(f"console screenshots in {tmp_path}")
