// churn: ListObjectsV2 page latency right after a bulk delete (issue 8: "a 1000-key page ...
// under 10 ms at any position"). LevelDB keeps a tombstone per deleted key until a compaction
// drops it, and a page that ends just before a run of freshly deleted keys walks every one of
// them to decide IsTruncated; Strata's tombstone compactor (storage/README.md) removes them once
// the burst is quiet. This workload measures that window: how slow the page gets, and for how
// long.
//
//  1. A fresh bucket gets a live prefix a/ (1000 keys a/00000 ...) and, right after it in key
//     order, a dead run b/ (-dead keys of -dead-size, written -put-conc at once).
//  2. Baseline: prefix a/, max-keys 1000, one request after the other for -baseline.
//  3. The dead run is deleted with DeleteObjects, 1000 keys per request, -delete-conc requests
//     at once; each request and the whole delete are timed.
//  4. From the delete's last answer, the same page is requested back to back for -after;
//     every page's latency is kept with its start time, summarized per 1-second window.
//  5. The bucket is emptied and removed (not timed).
//
// Recovery time: from the delete's last answer to the end of the last 200 ms slot (pages
// grouped by start time) whose median page took more than 2x the baseline p50 (a median, so a
// few pages slowed by the shared machine alone do not count as not recovered); 0 when no slot
// did, null when the last slot still did.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/minio/minio-go/v7"
)

const (
	churnLive     = 1000                   // keys under a/: exactly one full page
	churnBatch    = 1000                   // keys per DeleteObjects request (S3's maximum)
	churnSlot     = 200 * time.Millisecond // the recovery time's resolution
	churnSlowness = 2.0                    // "recovered": rolling median within this factor of the baseline p50
)

type churnWindow struct {
	StartS float64 `json:"start_s"` // seconds after the delete's last answer
	Pages  int     `json:"pages"`
	P50    float64 `json:"p50_ms"`
	P99    float64 `json:"p99_ms"`
	Max    float64 `json:"max_ms"`
}

type churnResult struct {
	Kind          string        `json:"kind"`
	Bucket        string        `json:"bucket"`
	LiveKeys      int           `json:"live_keys"`
	DeadKeys      int           `json:"dead_keys"`
	DeadSize      int64         `json:"dead_size"`
	FillKeys      int           `json:"fill_keys"`
	PutS          float64       `json:"put_s"`
	PutPerS       float64       `json:"put_per_s"`
	BaselineS     float64       `json:"baseline_s"`
	BaselinePages int           `json:"baseline_pages"`
	Baseline      *latency      `json:"baseline_ms"`
	DeleteS       float64       `json:"delete_s"`
	DeleteReqs    int           `json:"delete_requests"`
	DeleteConc    int           `json:"delete_concurrency"`
	DeleteReqMs   *latency      `json:"delete_request_ms"`
	DeletedPerS   float64       `json:"deleted_keys_per_s"`
	AfterS        float64       `json:"after_s"`
	AfterPages    int           `json:"after_pages"`
	After         *latency      `json:"after_ms"`
	FirstPagesMs  []float64     `json:"first_pages_ms"`
	Windows       []churnWindow `json:"windows"`
	Threshold     float64       `json:"recovery_threshold_ms"`
	RecoveryS     *float64      `json:"recovery_s"`
	PageKeys      int           `json:"page_keys"`
	Truncated     bool          `json:"page_truncated"`
	ClientCPUPct  *float64      `json:"client_cpu_pct"`
	ServerCPUPct  *float64      `json:"server_cpu_pct"`
	Errors        int64         `json:"errors"`
	Error         string        `json:"error,omitempty"`
	CleanupError  string        `json:"cleanup_error,omitempty"`
}

type churnPage struct {
	at, d time.Duration // start after the reference time, latency
}

func runChurn(args []string) {
	fs := flag.NewFlagSet("churn", flag.ExitOnError)
	var c common
	c.register(fs)
	dead := fs.Int("dead", 50000, "keys in the deleted run after a/")
	deadSizeS := fs.String("dead-size", "4KiB", "size of each deleted object")
	fill := fs.Int("fill", -1, "live keys z/... of -dead-size written before the dead run, so the "+
		"index holds older data as a server in use does (-1: as many as -dead)")
	putConc := fs.Int("put-conc", 32, "concurrent PUTs while writing the keys (not measured)")
	baseline := fs.Duration("baseline", 3*time.Second, "listing before the delete")
	after := fs.Duration("after", 15*time.Second, "listing after the delete")
	delConc := fs.Int("delete-conc", 4, "DeleteObjects requests at once")
	_ = fs.Parse(args)
	deadSize := parseSize(*deadSizeS)
	// A bucket of its own per run: fresh, with no tombstones of an earlier run in its range.
	c.bucket = fmt.Sprintf("%s-%x", c.bucket, time.Now().UnixNano())
	cl, core := c.clients(*putConc)
	c.ensureBucket(cl)
	ctx := context.Background()
	res := churnResult{Kind: "churn", Bucket: c.bucket, LiveKeys: churnLive, DeadKeys: *dead,
		DeadSize: deadSize}
	fail := func(format string, a ...any) {
		res.Error = fmt.Sprintf(format, a...)
		churnCleanup(ctx, &c, cl, &res)
		emit(res)
		os.Exit(1)
	}

	live := make([]string, churnLive)
	for i := range live {
		live[i] = fmt.Sprintf("a/%05d", i)
	}
	if *fill < 0 {
		*fill = *dead
	}
	fillKeys := make([]string, *fill)
	for i := range fillKeys {
		fillKeys[i] = fmt.Sprintf("z/%08d", i)
	}
	deadKeys := make([]string, *dead)
	for i := range deadKeys {
		deadKeys[i] = fmt.Sprintf("b/%08d", i)
	}
	opts := minio.PutObjectOptions{DisableContentSha256: !c.signed, DisableMultipart: true}
	small, big := randomBytes(64), randomBytes(deadSize)
	put := func(data []byte) func(key string) error {
		return func(key string) error {
			_, err := core.PutObject(ctx, c.bucket, key, bytes.NewReader(data), int64(len(data)), "",
				"", opts)
			return err
		}
	}
	t0 := time.Now()
	if err := prepare(&c, "live a/", live, *putConc, put(small)); err != nil {
		fail("PUT a/: %v", err)
	}
	if err := prepare(&c, "older z/", fillKeys, *putConc, put(big)); err != nil {
		fail("PUT z/: %v", err)
	}
	if err := prepare(&c, "dead b/", deadKeys, *putConc, put(big)); err != nil {
		fail("PUT b/: %v", err)
	}
	res.FillKeys = *fill
	res.PutS = round(time.Since(t0).Seconds(), 3)
	res.PutPerS = round(float64(churnLive+*fill+*dead)/res.PutS, 0)

	ls := newLister(&c)
	cpu := startCPU(c.serverPids)
	// listFor lists a/ back to back for d; page start times are relative to ref.
	listFor := func(d time.Duration, ref time.Time) []churnPage {
		var pages []churnPage
		end := time.Now().Add(d)
		for time.Now().Before(end) {
			p0 := time.Now()
			r, err := ls.list("a/", "", "", "", churnLive)
			el := time.Since(p0)
			if err != nil {
				res.Errors++
				if res.Error == "" {
					res.Error = err.Error()
				}
				if res.Errors > 100 {
					break
				}
				continue
			}
			if r.keys != churnLive || r.truncated {
				res.Errors++
				if res.Error == "" {
					res.Error = fmt.Sprintf("page of a/: %d keys, truncated %v; want %d, false",
						r.keys, r.truncated, churnLive)
				}
			}
			res.PageKeys, res.Truncated = r.keys, r.truncated
			pages = append(pages, churnPage{at: p0.Sub(ref), d: el})
		}
		return pages
	}

	c.progress("  churn: baseline listing of a/ for %v", *baseline)
	bStart := time.Now()
	base := listFor(*baseline, bStart)
	res.BaselineS = round(time.Since(bStart).Seconds(), 3)
	res.BaselinePages = len(base)
	res.Baseline = summarize(durations(base))
	if res.Baseline == nil {
		fail("no baseline page: %s", res.Error)
	}

	// The delete: 1000 keys per DeleteObjects request (minio-go sends one request per call
	// when the channel holds at most 1000), -delete-conc requests at once, as a bulk-delete
	// tool sends them.
	c.progress("  churn: deleting %d keys", *dead)
	nReq := (len(deadKeys) + churnBatch - 1) / churnBatch
	reqs := make([]time.Duration, nReq)
	errs := make([]error, nReq)
	var next atomic.Int64
	var wg sync.WaitGroup
	dStart := time.Now()
	for w := 0; w < max(*delConc, 1); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				b := int(next.Add(1) - 1)
				if b >= nReq {
					return
				}
				batch := deadKeys[b*churnBatch : min((b+1)*churnBatch, len(deadKeys))]
				ch := make(chan minio.ObjectInfo, len(batch))
				for _, k := range batch {
					ch <- minio.ObjectInfo{Key: k}
				}
				close(ch)
				r0 := time.Now()
				for e := range cl.RemoveObjects(ctx, c.bucket, ch, minio.RemoveObjectsOptions{}) {
					if e.Err != nil && errs[b] == nil {
						errs[b] = fmt.Errorf("DeleteObjects %s: %w", e.ObjectName, e.Err)
					}
				}
				reqs[b] = time.Since(r0)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			fail("%v", err)
		}
	}
	deleted := time.Now()
	res.DeleteS = round(deleted.Sub(dStart).Seconds(), 3)
	res.DeleteReqs, res.DeleteConc = len(reqs), max(*delConc, 1)
	res.DeleteReqMs = summarize(reqs)
	if res.DeleteS > 0 {
		res.DeletedPerS = round(float64(*dead)/res.DeleteS, 0)
	}

	c.progress("  churn: listing a/ for %v after the delete", *after)
	pages := listFor(*after, deleted)
	res.AfterS = round(time.Since(deleted).Seconds(), 3)
	res.ClientCPUPct, res.ServerCPUPct = cpu.stop()
	c.progressDone()
	res.AfterPages = len(pages)
	for i := 0; i < len(pages) && i < 10; i++ {
		res.FirstPagesMs = append(res.FirstPagesMs, round(float64(pages[i].d)/1e6, 3))
	}
	res.Windows = churnWindows(pages)
	res.After = summarize(durations(pages))
	res.Threshold = round(churnSlowness*res.Baseline.P50, 3)
	res.RecoveryS = churnRecovery(pages, res.Threshold)
	churnCleanup(ctx, &c, cl, &res)
	emit(res)
	if res.Errors > 0 {
		os.Exit(1)
	}
}

func durations(pages []churnPage) []time.Duration {
	d := make([]time.Duration, len(pages))
	for i, p := range pages {
		d[i] = p.d
	}
	return d
}

// churnWindows groups pages by the whole second (after the delete) in which they started.
func churnWindows(pages []churnPage) []churnWindow {
	var out []churnWindow
	for i := 0; i < len(pages); {
		sec := int(pages[i].at / time.Second)
		j := i
		for j < len(pages) && int(pages[j].at/time.Second) == sec {
			j++
		}
		l := summarize(durations(pages[i:j]))
		out = append(out, churnWindow{StartS: float64(sec), Pages: j - i, P50: l.P50, P99: l.P99,
			Max: l.Max})
		i = j
	}
	return out
}

// churnRecovery: the end (seconds after the delete) of the last churnSlot whose median page
// took more than thresholdMs; 0 when none did, nil when the last slot did.
func churnRecovery(pages []churnPage, thresholdMs float64) *float64 {
	if len(pages) == 0 {
		return nil
	}
	last := int(pages[len(pages)-1].at / churnSlot)
	bad := -1
	for i := 0; i < len(pages); {
		slot := int(pages[i].at / churnSlot)
		j := i
		for j < len(pages) && int(pages[j].at/churnSlot) == slot {
			j++
		}
		d := durations(pages[i:j])
		sort.Slice(d, func(a, b int) bool { return d[a] < d[b] })
		if float64(d[(len(d)-1)/2])/1e6 > thresholdMs {
			bad = slot
		}
		i = j
	}
	if bad == last {
		return nil
	}
	v := round((time.Duration(bad+1) * churnSlot).Seconds(), 3)
	return &v
}

// churnCleanup deletes every object of the run's bucket and the bucket (not measured).
func churnCleanup(ctx context.Context, c *common, cl *minio.Client, res *churnResult) {
	objects := cl.ListObjects(ctx, c.bucket, minio.ListObjectsOptions{Recursive: true})
	for e := range cl.RemoveObjects(ctx, c.bucket, objects, minio.RemoveObjectsOptions{}) {
		if e.Err != nil {
			res.CleanupError = fmt.Sprintf("%s: %v", e.ObjectName, e.Err)
			return
		}
	}
	if err := cl.RemoveBucket(ctx, c.bucket); err != nil {
		res.CleanupError = err.Error()
	}
}
