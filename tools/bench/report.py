#!/usr/bin/env python3
"""Renders tools/bench results (the JSON run.py writes) as Markdown tables.

    tools/bench/report.py bench-results.json            # tables on stdout
    tools/bench/report.py bench-results.json --png p.png  # also a plot (needs matplotlib)

Ratios (see README.md): "vs null" is Strata's ops/s over nginx's for the same operation, size
and concurrency with the same client; "vs limit" is Strata's rate over the machine limit that
bounds that line (named in brackets).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

KIB, MIB, GIB = 1 << 10, 1 << 20, 1 << 30
LARGE = MIB  # from this size on, a line is judged by MB/s, below by ops/s


# A line with fewer operations than this finished in milliseconds; its rate is shown but not
# ranked (bench_table says so under the table).
SHORT_LINE_OPS = 100


def is_short_line(r: dict) -> bool:
    return r.get("ops") is not None and r["ops"] < SHORT_LINE_OPS


def human_size(n: int) -> str:
    for unit, v in (("GiB", GIB), ("MiB", MIB), ("KiB", KIB)):
        if n >= v and n % v == 0:
            return f"{n // v} {unit}"
    return f"{n} B"


def num(v, digits: int = 1) -> str:
    if v is None:
        return "–"
    if isinstance(v, float) and v >= 1000:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}" if isinstance(v, float) else f"{v:,}"


def ratio(v) -> str:
    return "–" if v is None else f"{v:.2f}"


def key(r: dict) -> tuple:
    return (r.get("op"), r.get("size"), r.get("concurrency"))


def limit_for(r: dict, res: dict) -> tuple[float | None, str]:
    """The machine limit that bounds this line, in the unit the line is judged by."""
    lim = res.get("limits") or {}
    loop = (lim.get("loopback_tcp") or {}).get("mb_per_s")
    disk = (lim.get("disk") or {}).get("write_fsync_mb_per_s")
    fsync = (lim.get("fsync_4k") or {}).get("per_s")
    if (r.get("concurrency") or 1) > 1 and (lim.get("fsync_4k_16") or {}).get("per_s"):
        fsync = lim["fsync_4k_16"]["per_s"]
    overhead = res.get("ec_overhead") or 2.0
    op, size = r.get("op"), r.get("size") or 0
    if op == "put" and size >= LARGE and disk:
        cap = disk / overhead
        if loop and loop < cap:
            return loop, "loopback"
        return cap, f"disk/{overhead:g}"
    if op == "put" and size < LARGE and fsync:
        return fsync, "fsync"
    if op == "get" and size >= LARGE and loop:
        return loop, "loopback"
    return None, ""


def line_ratios(r: dict, res: dict, null_by_key: dict) -> tuple[float | None, str]:
    n = null_by_key.get(key(r))
    vs_null = None
    if n and n.get("ops_per_s") and "error" not in r:
        vs_null = r.get("ops_per_s", 0) / n["ops_per_s"]
    cap, name = limit_for(r, res)
    vs_limit = ""
    if cap and "error" not in r:
        have = r.get("mb_per_s") if (r.get("size") or 0) >= LARGE else r.get("ops_per_s")
        if have is not None:
            vs_limit = f"{have / cap:.2f} ({name})"
    return vs_null, vs_limit


def vs_minio(strata: float | None, minio: float | None) -> float | None:
    """Strata's rate over MinIO's (> 1: Strata is faster)."""
    if not strata or not minio:
        return None
    return strata / minio


def exact_rate(r: dict) -> float | None:
    """ops / elapsed unrounded (loadgen rounds ops_per_s to 0.1, too coarse for 64 MiB lines
    of a few seconds); for two runs of one size, the ratio of ops/s is the ratio of MB/s."""
    if r.get("ops") and r.get("elapsed_s"):
        return r["ops"] / r["elapsed_s"]
    return r.get("ops_per_s")


def minio_cells(r: dict) -> str:
    """The MinIO columns of a workload line: its rate (MB/s for PUT/GET of large objects,
    ops/s otherwise), p99, server CPU and Strata/MinIO."""
    m = r.get("minio")
    if m is None:
        return " – | – | – | – |"
    if "error" in m:
        return f" error: {m['error'][:60]} | – | – | – |"
    large = (r.get("size") or 0) >= LARGE and r.get("op") in ("put", "get")
    rate = (f"{num(m.get('mb_per_s'))} MB/s" if large else f"{num(m.get('ops_per_s'))} ops/s")
    ratio_v = vs_minio(exact_rate(r), exact_rate(m))
    if m.get("errors"):
        rate += f" ({m['errors']} errors: {(m.get('first_error') or '')[:40]})"
    p99 = num((m.get("latency_ms") or {}).get("p99"), 2)
    return (f" {rate} | {p99} | {num(m.get('server_cpu_pct'))} | "
            f"{'–' if ratio_v is None or 'error' in r else f'**{ratio_v:.2f}**'} |")


def bench_table(rows: list[dict], res: dict, null_by_key: dict) -> list[str]:
    with_minio = any("minio" in r for r in rows)
    out = [
        "| size | conc | ops/s | MB/s | p50 ms | p99 ms | p99.9 ms | server CPU % | client CPU % "
        "| null ops/s | vs null | vs limit | errors |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    if with_minio:
        out[0] += " MinIO ops/s or MB/s | MinIO p99 ms | MinIO CPU % | Strata/MinIO |"
        out[1] += "---:|---:|---:|---:|"
    for r in rows:
        if "error" in r:
            out.append(f"| {human_size(r.get('size', 0))} | {r.get('concurrency')} | "
                       f"error: {r['error']} |||||||||||" + (minio_cells(r) if with_minio
                                                             else ""))
            continue
        lat = r.get("latency_ms") or {}
        n = null_by_key.get(key(r)) or {}
        vs_null, vs_limit = line_ratios(r, res, null_by_key)
        mb = num(r.get("mb_per_s")) if r.get("op") in ("put", "get") else "–"
        errs = str(r.get("errors", 0))
        if r.get("errors"):
            errs += f" ({(r.get('first_error') or '')[:60]})"
        rate = num(r.get("ops_per_s"))
        if is_short_line(r):
            rate += f" ({r['ops']} ops)"
        out.append(
            f"| {human_size(r['size']) if r.get('op') != 'list' else '1000 keys'} "
            f"| {r.get('concurrency')} | {rate} | {mb} "
            f"| {num(lat.get('p50'), 2)} | {num(lat.get('p99'), 2)} | {num(lat.get('p999'), 2)} "
            f"| {num(r.get('server_cpu_pct'))} | {num(r.get('client_cpu_pct'))} "
            f"| {num(n.get('ops_per_s'))} | {ratio(vs_null)} | {vs_limit or '–'} | {errs} |"
            + (minio_cells(r) if with_minio else ""))
    if any(is_short_line(r) for r in rows):
        out += ["", f"Lines of fewer than {SHORT_LINE_OPS} operations (DELETE of objects of 16 "
                "MiB or more: loadgen prepares 8, at most 1 GiB) last milliseconds: their rates "
                "and ratios are too noisy to rank and are not targets."]
    return out


def limits_table(lim: dict) -> list[str]:
    if not lim:
        return []
    loop = lim.get("loopback_tcp") or {}
    disk = lim.get("disk") or {}
    fs = lim.get("fsync_4k") or {}
    fs16 = lim.get("fsync_4k_16") or {}
    isal = lim.get("isal_encode_mb_per_s") or {}
    rows = [
        ("loopback TCP", f"{num(loop.get('mb_per_s'))} MB/s",
         "best of " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in
                                (loop.get("all") or {}).items())),
        ("sequential write + fsync", f"{num(disk.get('write_fsync_mb_per_s'))} MB/s",
         f"{human_size(disk.get('bytes', 0))} in 1 MiB writes, then fsync"),
        ("sequential read", f"{num(disk.get('read_mb_per_s'))} MB/s", disk.get("read_tool", "")),
        ("4 KiB write + fsync, 1 thread", f"{num(fs.get('per_s'))} /s",
         f"{fs.get('latency_ms')} ms each"),
        ("4 KiB write + fsync, 16 threads", f"{num(fs16.get('per_s'))} /s",
         "one file each; the limit for small PUTs at concurrency > 1"),
        ("MD5, one core", f"{num(lim.get('md5_mb_per_s'))} MB/s", "openssl speed -evp md5"),
        ("SHA-256, one core", f"{num(lim.get('sha256_mb_per_s'))} MB/s",
         "openssl speed -evp sha256"),
    ]
    for scheme, v in isal.items():
        rows.append((f"ISA-L encode {scheme}, one core", f"{num(v)} MB/s",
                     "ec_encode_data, 1 MiB stripes, data bytes"))
    out = ["| limit | value | how |", "|---|---:|---|"]
    out += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return out


def listing_summary(lst: dict | None) -> str:
    if not lst:
        return "listing: not run"
    if lst.get("error"):
        return f"listing: error: {lst['error']}"
    pages = ", ".join(f"{p['position']} {p['ms_median']} ms" for p in lst.get("pages", []))
    return (f"listing {lst.get('keys')} keys: pages {pages}; full listing "
            f"{num(lst.get('keys_per_s'))} keys/s; delimiter {lst.get('delimiter_prefixes')} "
            f"prefixes in {lst.get('delimiter_listing_s')} s")


def listing_table(lst: dict) -> list[str]:
    if lst.get("minio") is not None:
        return listing_compare_table(lst, lst["minio"])
    return listing_single_table(lst)


def listing_measures(lst: dict) -> list[tuple[str, float | None, str, bool]]:
    """(measure, value, unit, higher is better) for the listing workload's numbers."""
    pop = lst.get("populate") or {}
    rows = [(f"populate ({pop.get('size', 0)} B objects, c{pop.get('concurrency')})",
             pop.get("ops_per_s"), "PUT/s", True)]
    for p in lst.get("pages", []):
        rows.append((f"1000-key page at {p['position']} (median of 5)", p.get("ms_median"), "ms",
                     False))
    rows += [("full flat listing", lst.get("keys_per_s"), "keys/s", True),
             ("delimiter '/' over the bucket", lst.get("delimiter_listing_s"), "s", False),
             ("delimiter '/' inside one prefix", lst.get("delimiter_in_prefix_page_ms"), "ms",
              False)]
    return rows


def listing_compare_table(lst: dict, mlst: dict) -> list[str]:
    """Strata and MinIO side by side; the ratio is a speed ratio (rates: Strata ÷ MinIO;
    times: MinIO ÷ Strata), so > 1 means Strata is faster on every row."""
    out = ["| measure | Strata | MinIO | Strata/MinIO |", "|---|---:|---:|---:|"]
    for err_of, who in ((lst, "Strata"), (mlst, "MinIO")):
        if err_of.get("error"):
            out.append(f"| {who} error | {err_of['error'][:200]} |||")
    mine = {m: (v, u, hb) for m, v, u, hb in listing_measures(mlst)}
    for measure, v, unit, higher in listing_measures(lst):
        mv = (mine.get(measure) or (None,))[0]
        r = None
        if v and mv:
            r = v / mv if higher else mv / v
        d = 3 if unit in ("s", "ms") else 1
        out.append(f"| {measure} | {num(v, d)} {unit} | {num(mv, d)} {unit} | "
                   f"{'–' if r is None else f'**{r:.2f}**'} |")
    out.append(f"| CPU server / client | {num(lst.get('server_cpu_pct'))} % / "
               f"{num(lst.get('client_cpu_pct'))} % | {num(mlst.get('server_cpu_pct'))} % / "
               f"{num(mlst.get('client_cpu_pct'))} % | |")
    return out


def listing_single_table(lst: dict) -> list[str]:
    pop = lst.get("populate") or {}
    out = ["| measure | value |", "|---|---:|"]
    if pop:
        out.append(f"| populate ({num(lst.get('keys'))} keys, {pop.get('size', 0)} B, "
                   f"c{pop.get('concurrency')}) | {num(pop.get('ops_per_s'))} PUT/s, "
                   f"p99 {num((pop.get('latency_ms') or {}).get('p99'), 2)} ms |")
    if lst.get("error"):
        out.append(f"| error | {lst['error'][:200]} |")
    for p in lst.get("pages", []):
        out.append(f"| 1000-key page at {p['position']} (start-after, median of 5) | "
                   f"{p['ms_median']} ms ({p['keys']} keys) |")
    if lst.get("full_listing_keys") is not None:
        fp = lst.get("full_listing_page_ms") or {}
        out.append(f"| full flat listing | {num(lst.get('full_listing_keys'))} keys in "
                   f"{lst.get('full_listing_s')} s = **{num(lst.get('keys_per_s'))} keys/s** |")
        out.append(f"| full listing page latency p50 / p99 / max | {fp.get('p50')} / "
                   f"{fp.get('p99')} / {fp.get('max')} ms |")
        dp = lst.get("delimiter_page_ms") or {}
        out.append(f"| delimiter '/' over the bucket | {lst.get('delimiter_prefixes')} prefixes "
                   f"in {lst.get('delimiter_pages')} page(s), {lst.get('delimiter_listing_s')} s "
                   f"(page p50 {dp.get('p50')} ms) |")
        out.append(f"| delimiter '/' inside one prefix | "
                   f"{lst.get('delimiter_in_prefix_page_ms')} ms |")
        out.append(f"| CPU server / client | {num(lst.get('server_cpu_pct'))} % / "
                   f"{num(lst.get('client_cpu_pct'))} % |")
    return out


def complete_summary(cm: dict | None) -> str:
    if not cm:
        return "complete: not run"
    s = ", ".join(f"{ln['parts']} parts {ln.get('ms_median')} ms" for ln in cm.get("lines") or [])
    return f"CompleteMultipartUpload median: {s}" + (f"; error: {cm['error']}"
                                                    if cm.get("error") else "")


def complete_table(cm: dict) -> list[str]:
    """CompleteMultipartUpload latency (the Complete request alone) against the part count."""
    out = [f"Parts of {human_size(cm.get('part_size') or 0)}, uploaded {cm.get('parallel')} at "
           f"once (not timed); the CompleteMultipartUpload request alone is timed, "
           f"{cm.get('reps')} times per part count.", "",
           "| parts | object size | Complete median ms | each run ms | part upload s (all runs) |",
           "|---:|---:|---:|---|---:|"]
    for ln in cm.get("lines") or []:
        each = ", ".join(f"{v:g}" for v in ln.get("ms") or [])
        err = f" error: {ln['error'][:120]}" if ln.get("error") else ""
        out.append(f"| {ln['parts']} | {human_size(ln.get('object_bytes') or 0)} | "
                   f"**{num(ln.get('ms_median'), 3)}** | {each}{err} | {num(ln.get('upload_s'))} |")
    if cm.get("error") and not cm.get("lines"):
        out.append(f"| error | {cm['error'][:200]} ||||")
    mc = cm.get("minio")
    if mc is not None:
        # Same table with MinIO's median and the speed ratio (MinIO's time ÷ Strata's).
        by_parts = {ln["parts"]: ln for ln in mc.get("lines") or []}
        out[2] = out[2].rstrip("|") + "| MinIO median ms | Strata/MinIO |"
        out[3] += "---:|---:|"
        for i, ln in enumerate(cm.get("lines") or []):
            m = by_parts.get(ln["parts"]) or {}
            r = vs_minio(m.get("ms_median"), ln.get("ms_median"))
            out[4 + i] += f" {num(m.get('ms_median'), 3)} | {ratio(r)} |"
        if mc.get("error"):
            out.append(f"| MinIO error | {mc['error'][:200]} ||||||")
    return out


def mixed_summary(mx: dict | None) -> str:
    if not mx:
        return "mixed: not run"
    if mx.get("error"):
        return f"mixed: error: {mx['error']}"
    by = {c["class"]: c for c in mx.get("classes") or []}
    parts = []
    for name in ("ingest", "training", "inference"):
        c = by.get(name) or {}
        parts.append(f"{name} {num(c.get('mb_per_s'))} MB/s p99 "
                     f"{(c.get('latency_ms') or {}).get('p99')} ms")
    b = mx.get("burst") or {}
    errs = sum(c.get("errors") or 0 for c in by.values())
    return ("mixed: " + ", ".join(parts) + f"; burst {b.get('uploads')}/{b.get('streams')} in "
            f"{b.get('total_s')} s ({num(b.get('mb_per_s'))} MB/s); inference p99 during burst "
            f"{b.get('inference_p99_ms_during')} ms, outside {b.get('inference_p99_ms_outside')} ms"
            + (f"; {errs} errors" if errs else ""))


def mixed_table(mx: dict) -> list[str]:
    """The mixed pipeline profile: one row per traffic class, all measured at the same time;
    with MinIO, its rate and p99 and the speed ratios (> 1: Strata is faster)."""
    if mx.get("error") and not mx.get("classes"):
        return [f"error: {mx['error'][:200]}"]
    b = mx.get("burst") or {}
    mm = mx.get("minio")
    mby = {c["class"]: c for c in (mm or {}).get("classes") or []}
    out = [f"{mx.get('duration_s'):g} s, every class at once; the checkpoint burst "
           f"({b.get('streams')} multipart uploads of {human_size(b.get('size') or 0)} in "
           f"{human_size(b.get('part_size') or 0)} parts) started at {b.get('start_s')} s. "
           "Rows \"during/outside burst\" split the inference requests by whether they started "
           "while the burst ran; the checkpoint row's latency is each upload's time.", "",
           "| class | size | conc | ops/s | MB/s | p50 ms | p99 ms | p99.9 ms | errors |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    if mm is not None:
        out[2] += " MinIO ops/s | MinIO p99 ms | Strata/MinIO ops/s | Strata/MinIO p99 |"
        out[3] += "---:|---:|---:|---:|"
    for c in mx.get("classes") or []:
        lat = c.get("latency_ms") or {}
        errs = str(c.get("errors", 0))
        if c.get("errors"):
            errs += f" ({(c.get('first_error') or '')[:60]})"
        row = (f"| {c.get('class')} | {human_size(c.get('size') or 0)} | {c.get('concurrency')} "
               f"| {num(c.get('ops_per_s'))} | {num(c.get('mb_per_s'))} | {num(lat.get('p50'), 2)} "
               f"| {num(lat.get('p99'), 2)} | {num(lat.get('p999'), 2)} | {errs} |")
        if mm is not None:
            m = mby.get(c.get("class")) or {}
            mlat = m.get("latency_ms") or {}
            r_rate = vs_minio(c.get("ops_per_s"), m.get("ops_per_s"))
            r_p99 = vs_minio(mlat.get("p99"), lat.get("p99"))  # MinIO's time / Strata's
            row += (f" {num(m.get('ops_per_s'))} | {num(mlat.get('p99'), 2)} | {ratio(r_rate)} "
                    f"| {ratio(r_p99)} |")
        out.append(row)
    out.append("")
    tail = (f"Checkpoint burst: {b.get('uploads')} of {b.get('streams')} uploads in "
            f"**{b.get('total_s')} s**, **{num(b.get('mb_per_s'))} MB/s**"
            f"{'' if b.get('within_duration', True) else ' (ran past the readers end)'}. "
            f"Inference p99 during the burst **{b.get('inference_p99_ms_during')} ms**, outside "
            f"**{b.get('inference_p99_ms_outside')} ms**. CPU server / client "
            f"{num(mx.get('server_cpu_pct'))} % / {num(mx.get('client_cpu_pct'))} % "
            f"(whole run, 100 % = one core)"
            + (f", server RSS after {mx['server_rss_mb']} MiB" if mx.get("server_rss_mb") else "")
            + ".")
    if mm is not None:
        mb = mm.get("burst") or {}
        if mm.get("error") and not mm.get("classes"):
            tail += f" MinIO: error: {mm['error'][:200]}."
        else:
            tail += (f" MinIO: burst {mb.get('total_s')} s ({num(mb.get('mb_per_s'))} MB/s, "
                     f"Strata/MinIO {ratio(vs_minio(b.get('mb_per_s'), mb.get('mb_per_s')))}), "
                     f"inference p99 during {mb.get('inference_p99_ms_during')} ms, outside "
                     f"{mb.get('inference_p99_ms_outside')} ms, server CPU "
                     f"{num(mm.get('server_cpu_pct'))} %.")
    out.append(tail)
    return out


def churn_summary(ch: dict | None) -> str:
    """One line: baseline, the delete, the listing after it and the recovery time."""
    if not ch:
        return "churn: not run"
    if ch.get("error") and not ch.get("windows"):
        return f"churn: error: {ch['error'][:200]}"
    b, af = ch.get("baseline_ms") or {}, ch.get("after_ms") or {}
    rec = ch.get("recovery_s")
    rec_s = (f"{rec:g} s" if rec is not None else
             f"not within {ch.get('after_s')} s")
    return (f"churn: page of a/ before the delete p50 {b.get('p50')} ms; {num(ch.get('dead_keys'))}"
            f" keys deleted in {ch.get('delete_s')} s; after it p50 {af.get('p50')} p99 "
            f"{af.get('p99')} max {af.get('max')} ms; back within 2x baseline p50 "
            f"({ch.get('recovery_threshold_ms')} ms) after {rec_s}"
            + (f"; error: {ch['error'][:120]}" if ch.get("error") else ""))


def churn_table(ch: dict, who: str = "") -> list[str]:
    """The churn workload: the 1000-key page of a/ per 1-second window after the bulk delete of
    the keys right after a/ in key order, and a summary line."""
    if ch.get("error") and not ch.get("windows"):
        return [f"{who}error: {ch['error'][:200]}"]
    b, af = ch.get("baseline_ms") or {}, ch.get("after_ms") or {}
    dr = ch.get("delete_request_ms") or {}
    rec = ch.get("recovery_s")
    out = [f"{who}{num(ch.get('live_keys'))} keys under a/, {num(ch.get('dead_keys'))} keys of "
           f"{human_size(ch.get('dead_size') or 0)} under b/ right after them, "
           f"{num(ch.get('fill_keys'))} older keys under z/ (all written at "
           f"{num(ch.get('put_per_s'))} PUT/s, not measured). ListObjectsV2 prefix a/ max-keys "
           f"1000, one page after the other: before the delete {ch.get('baseline_pages')} pages, "
           f"p50 **{b.get('p50')} ms**, p99 {b.get('p99')} ms. Delete: "
           f"{ch.get('delete_requests')} DeleteObjects of 1000 keys, "
           f"{ch.get('delete_concurrency')} at once, {ch.get('delete_s')} s "
           f"({num(ch.get('deleted_keys_per_s'))} keys/s, request p50 {dr.get('p50')} ms). "
           "Windows: pages started in that second after the delete's last answer.", "",
           "| window (s after delete) | pages | p50 ms | p99 ms | max ms |",
           "|---:|---:|---:|---:|---:|"]
    for w in ch.get("windows") or []:
        out.append(f"| {w['start_s']:g}–{w['start_s'] + 1:g} | {w['pages']} | {w['p50_ms']} | "
                   f"{w['p99_ms']} | {w['max_ms']} |")
    rec_s = (f"**{rec:g} s**" if rec is not None else
             f"**not within {ch.get('after_s')} s**")
    out += ["", f"After the delete: {ch.get('after_pages')} pages in {ch.get('after_s')} s, "
            f"p50 {af.get('p50')} ms, **p99 {af.get('p99')} ms**, max {af.get('max')} ms; first "
            f"pages {', '.join(f'{v:g}' for v in ch.get('first_pages_ms') or [])} ms. Back within "
            f"2x the baseline p50 ({ch.get('recovery_threshold_ms')} ms: the end of the last 200 ms "
            f"slot whose median page was slower) after {rec_s}. CPU server / client "
            f"{num(ch.get('server_cpu_pct'))} % / {num(ch.get('client_cpu_pct'))} % (listing and "
            "delete)." + (f" Errors: {ch.get('errors')} ({ch['error'][:120]})."
                          if ch.get("error") else "")]
    return out


def latency_table(lat: dict) -> list[str]:
    """The latency workload: 4 KiB GETs, 16 connections, closed loop, timed by wrk; the null
    server, Strata and MinIO under the same client."""
    null = lat.get("null") or {}
    out = ["| server | ops/s | of null | p50 ms | p90 ms | p99 ms | p99.9 ms | server CPU % "
           "| client CPU % | errors |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name in ("null", "strata", "minio"):
        r = lat.get(name)
        if not r:
            continue
        if "error" in r:
            out.append(f"| {name} | error: {str(r['error'])[:80]} | | | | | | | | |")
            continue
        lm = r.get("latency_ms") or {}
        share = (r["ops_per_s"] / null["ops_per_s"]
                 if r.get("ops_per_s") and null.get("ops_per_s") else None)
        out.append(f"| {name} | {num(r.get('ops_per_s'))} | {ratio(share)} | {lm.get('p50')} | "
                   f"{lm.get('p90')} | {lm.get('p99')} | {lm.get('p999')} | "
                   f"{num(r.get('server_cpu_pct'))} | {num(r.get('client_cpu_pct'))} | "
                   f"{r.get('errors')} |")
    return out


def targets(res: dict, null_by_key: dict) -> list[str]:
    """Issue 8's targets, for the lines this run measured."""
    by = {key(r): r for r in res.get("strata", []) if "error" not in r}
    out = ["| target (issue 8) | measured | met |", "|---|---|:-:|"]

    def row(name: str, measured: str, ok: bool | None) -> None:
        out.append(f"| {name} | {measured} | {'–' if ok is None else ('yes' if ok else 'no')} |")

    g = by.get(("get", 4 * KIB, 16))
    if g:
        n = null_by_key.get(key(g))
        r = g["ops_per_s"] / n["ops_per_s"] if n and n.get("ops_per_s") else None
        p99 = (g.get("latency_ms") or {}).get("p99")
        # With a latency workload (wrk) the target is judged there, rate and p99 together: a
        # Go client's own scheduling adds to the p99 and its CPU to the rates here
        # (loadgen/latency.go), so this line is then informative.
        judged_by_wrk = bool(((res.get("latency") or {}).get("strata") or {}).get("latency_ms"))
        row("4 KiB GET c16 ≥ 0.60 of null" +
            (" (loadgen; informative, judged by wrk below)" if judged_by_wrk else " (loadgen)"),
            f"{ratio(r)} of null, p99 {p99} ms",
            None if r is None or judged_by_wrk else r >= 0.6)
    lat = res.get("latency") or {}
    ls, ln = lat.get("strata"), lat.get("null")
    if ls and "error" not in ls and ls.get("latency_ms"):
        share = lat.get("share", 0.6)
        r = (ls["ops_per_s"] / ln["ops_per_s"]
             if ln and "error" not in ln and ln.get("ops_per_s") else None)
        p99 = ls["latency_ms"].get("p99")
        row(f"4 KiB GET c16 ≥ {share:.2f} of null, p99 < 1 ms (wrk)",
            f"{num(ls.get('ops_per_s'))}/s = {ratio(r)} of null, p99 {p99} ms",
            None if r is None else (r >= share and p99 is not None and p99 < 1))
    p = by.get(("put", 4 * KIB, 16))
    if p:
        row("4 KiB PUT c16 > 5,000/s", f"{num(p['ops_per_s'])}/s", p["ops_per_s"] > 5000)
    p = by.get(("put", 64 * MIB, 2))
    if p:
        row("64 MiB PUT c2 ≥ 1,000 MB/s", f"{num(p.get('mb_per_s'))} MB/s",
            (p.get("mb_per_s") or 0) >= 1000)
    for c in (1, 2, 16, 64):
        g = by.get(("get", 64 * MIB, c))
        if g:
            n = null_by_key.get(key(g))
            r = g["ops_per_s"] / n["ops_per_s"] if n and n.get("ops_per_s") else None
            row(f"64 MiB GET c{c} ≥ 0.85 of null", f"{ratio(r)} of null",
                None if r is None else r >= 0.85)
    lst = res.get("listing") or {}
    if lst.get("pages"):
        worst = max(p["ms_median"] for p in lst["pages"])
        row(f"1000-key page < 10 ms at any position ({num(lst.get('keys'))} keys)",
            f"worst {worst} ms", worst < 10)
    if lst.get("keys_per_s"):
        row(f"full listing > 500,000 keys/s ({num(lst.get('keys'))} keys)",
            f"{num(lst['keys_per_s'])} keys/s", lst["keys_per_s"] > 500_000)
    ch = res.get("churn") or {}
    af = ch.get("after_ms") or {}
    if af.get("p99") is not None:
        rec = ch.get("recovery_s")
        row(f"1000-key page < 10 ms right after a bulk delete of the "
            f"{num(ch.get('dead_keys'))} keys next to it (p99 over {ch.get('after_s')} s)",
            f"p99 {af['p99']} ms, p50 {af.get('p50')} ms; within 2x baseline after "
            + (f"{rec:g} s" if rec is not None else "never"), af["p99"] < 10)
    for r in res.get("strata", []):
        m = r.get("minio")
        if "error" in r or not m or "error" in m:
            continue
        size, op = r.get("size"), r.get("op")
        v = vs_minio(exact_rate(r), exact_rate(m))
        if size == 4 * KIB and op in ("put", "get", "head", "delete"):
            row(f"4 KiB {op.upper()} c{r.get('concurrency')} ≥ 2× MinIO", f"{ratio(v)}×",
                None if v is None else v >= 2)
        elif size == 64 * MIB and op in ("put", "get"):
            row(f"64 MiB {op.upper()} c{r.get('concurrency')} ≥ 1× MinIO", f"{ratio(v)}×",
                None if v is None else v >= 1)
    rss = res.get("server_max_rss_mb")
    if rss:
        row("server RSS (informative; targets need 64 × 1 GiB uploads)", f"max {rss} MiB", None)
    return out if len(out) > 2 else []


def render(res: dict) -> str:
    null_by_key = {key(r): r for r in res.get("null", []) if "error" not in r}
    m = res.get("machine") or {}
    out = [f"## Strata benchmark ({res.get('mode')}, {res.get('date')})", ""]
    out.append(f"Machine: {m.get('cpu', '?')}, {m.get('cores')} cores, "
               f"{m.get('memory_gib')} GiB RAM, disk {m.get('disk', '?')}, "
               f"kernel {m.get('kernel')}{', ' + m['os'] if m.get('os') else ''}. "
               f"{res.get('duration_s')} s per line; PUT bodies {res.get('payload')}; "
               f"client and server share the machine.")
    if m.get("loadavg_start") is not None:
        out.append(f"Load average (1 min) at start {m['loadavg_start']:.1f}, at end "
                   f"{m.get('loadavg_end', 0):.1f}: anything above 0 is other work competing "
                   "for the same cores.")
    mi = res.get("minio")
    if mi:
        out.append("")
        out.append(f"MinIO {mi.get('version') or '(version unknown)'} (built from source by "
                   f"install.sh --with-minio), one node, {mi.get('drives')} drive folders in the "
                   "same file system (EC:2, like Strata's 2+2), "
                   + ("each line run right after Strata's (both up, the other idle), the other "
                      "workloads after Strata stopped" if mi.get("interleaved") else
                      "run after Strata stopped")
                   + ", with the same client and lines; Strata/MinIO > 1 means Strata is faster"
                   + (f"; max RSS {mi['max_rss_mb']} MiB" if mi.get("max_rss_mb") else "")
                   + (f". **MinIO error: {mi['error']}**" if mi.get("error") else "") + ".")
    out += ["", f"Command: `{res.get('command')}`", ""]
    if res.get("limits"):
        out += ["### Machine limits", ""] + limits_table(res["limits"]) + [""]
    fams = [("put", "PUT"), ("get", "GET"), ("head", "HEAD"), ("delete", "DELETE"),
            ("list", "LIST (ListObjectsV2, 1000-key page of a 1000-key prefix)")]
    for op, title in fams:
        rows = [r for r in res.get("strata", []) if r.get("op") == op]
        if not rows:
            rows = [r for r in res.get("null", []) if r.get("op") == op]
            if not rows:
                continue
            title += " (null server only)"
            out += [f"### {title}", ""] + bench_table(rows, {}, {}) + [""]
            continue
        out += [f"### {title}", ""] + bench_table(rows, res, null_by_key) + [""]
    if res.get("listing"):
        out += [f"### Listing a bucket of {num(res['listing'].get('keys'))} keys "
                f"over {res['listing'].get('prefixes')} prefixes", ""]
        out += listing_table(res["listing"]) + [""]
    mp = res.get("multipart")
    if mp is not None:
        out += ["### Multipart upload", ""]
        if mp.get("available"):
            out.append(f"{human_size(mp['size'])} in {human_size(mp['part_size'])} parts, "
                       f"{mp['parallel']} in parallel: **{num(mp.get('mb_per_s'))} MB/s** "
                       f"({mp.get('elapsed_s')} s), server CPU {num(mp.get('server_cpu_pct'))} %, "
                       f"client CPU {num(mp.get('client_cpu_pct'))} %, server RSS after "
                       f"{mp.get('server_rss_mb')} MiB.")
        else:
            out.append(f"not available: {(mp.get('error') or '')[:200]}")
        mm = mp.get("minio")
        if mm is not None:
            if mm.get("available"):
                r = vs_minio(mp.get("mb_per_s"), mm.get("mb_per_s"))
                out.append("")
                out.append(f"MinIO, same upload: **{num(mm.get('mb_per_s'))} MB/s** "
                           f"({mm.get('elapsed_s')} s), server CPU "
                           f"{num(mm.get('server_cpu_pct'))} %, client CPU "
                           f"{num(mm.get('client_cpu_pct'))} %, server RSS after "
                           f"{mm.get('server_rss_mb')} MiB. Strata/MinIO "
                           f"**{ratio(r)}**.")
            else:
                out.append(f"MinIO: not available: {(mm.get('error') or '')[:200]}")
        out.append("")
    cm = res.get("complete")
    if cm is not None:
        out += ["### CompleteMultipartUpload latency versus number of parts", ""]
        out += complete_table(cm) + [""]
    lat = res.get("latency")
    if lat and any(lat.get(k) for k in ("null", "strata", "minio")):
        if lat.get("rate"):  # runs before 2026-11-26: open loop at a share of null's rate
            out += [f"### 4 KiB GET latency at a fixed rate (open loop, {num(lat.get('rate'))}/s"
                    f" = {lat.get('share')} of the null server's "
                    f"{num(lat.get('null_closed_loop_ops_per_s'))}/s)", ""]
            out += ["; ".join(f"{n}: {num(lat[n].get('ops_per_s'))}/s, p99 "
                              f"{(lat[n].get('latency_ms') or {}).get('p99')} ms"
                              for n in ("null", "strata", "minio")
                              if lat.get(n) and "error" not in lat[n]), ""]
        else:
            out += ["### 4 KiB GET latency (16 connections, closed loop, timed by wrk)", ""]
            out += latency_table(lat) + [""]
    mx = res.get("mixed")
    if mx is not None:
        out += ["### Mixed pipeline profile", ""] + mixed_table(mx) + [""]
    ch = res.get("churn")
    if ch is not None:
        out += ["### Listing next to a bulk delete (churn)", ""]
        if ch.get("kind") == "churn" or ch.get("error"):
            out += churn_table(ch) + [""]
        if ch.get("minio") is not None:
            out += churn_table(ch["minio"], "MinIO: ") + [""]
    t = targets(res, null_by_key)
    if t:
        out += ["### Targets", ""] + t + [""]
    wv = res.get("warp_validation")
    if wv:
        out += ["### loadgen validated against warp", ""]
        if not wv.get("available"):
            out.append(f"not run: {wv.get('error')}")
        else:
            out += ["| workload | tool | ops/s | p50 ms | p99 ms | p99.9 ms | client CPU % |",
                    "|---|---|---:|---:|---:|---:|---:|"]
            tools = (("warp", "warp"), ("loadgen", "loadgen, minio-go"),
                     ("loadgen_raw", "loadgen, raw client"))
            for ln in wv["lines"]:
                name = f"{ln['op'].upper()} {human_size(ln['size'])} c{ln['concurrency']}"
                for tool, label in tools:
                    r = ln.get(tool)
                    if r is None:
                        continue
                    lat = r.get("latency_ms") or {}
                    out.append(f"| {name} | {label} | {num(r.get('ops_per_s'))} | "
                               f"{lat.get('p50')} | {lat.get('p99')} | {lat.get('p999')} | "
                               f"{num(r.get('client_cpu_pct'))} |")
        out.append("")
    out.append(f"Total run time {res.get('total_s')} s.")
    return "\n".join(out)


def plot(res: dict, path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed; no plot", file=sys.stderr)
        return
    null_by_key = {key(r): r for r in res.get("null", []) if "error" not in r}
    rows = [r for r in res.get("strata", []) if "error" not in r and r.get("op") != "list"]
    labels = [f"{r['op']} {human_size(r['size'])} c{r['concurrency']}" for r in rows]
    ratios = [line_ratios(r, res, null_by_key)[0] or 0 for r in rows]
    fig, ax = plt.subplots(figsize=(10, max(3, len(rows) * 0.3)))
    ax.barh(labels, ratios)
    ax.axvline(1.0, color="gray", linestyle="--")
    ax.set_xlabel("Strata ops/s ÷ null server (nginx) ops/s")
    ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"plot written to {path}", file=sys.stderr)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", type=Path)
    ap.add_argument("--png", type=Path, help="also plot the ratios to the null server")
    a = ap.parse_args()
    res = json.loads(a.results.read_text())
    print(render(res))
    if a.png:
        plot(res, a.png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
