// Command loadgen is Strata's S3 load generator for tools/bench.
//
// It drives one workload per invocation and prints one JSON object on stdout; progress goes
// to stderr. It uses minio-go, the same client library (and version) as MinIO's warp, which
// validates it (see tools/bench/README.md).
//
// Subcommands:
//
//	bench      PUT, GET, HEAD, DELETE or LIST at a fixed object size and concurrency
//	populate   fill a bucket with N small keys spread over P prefixes
//	listing    page latency at start/middle/end and keys/s of a full listing
//	multipart  one multipart upload of a large object with parallel parts
//	complete   CompleteMultipartUpload latency against the number of parts
//	loopback   loopback TCP throughput with N streams (a machine limit)
//	mixed      ingest, training reads, inference reads and a checkpoint burst at once (mixed.go)
//	churn      listing page latency next to a bulk delete, before and after it (churn.go)
//	latency    small GETs at a fixed concurrency, timed by wrk (latency.go)
//
// CPU: the measured phase of every subcommand is bracketed by reads of /proc/self/stat and,
// with -server-pid, /proc/<pid>/stat, so client and server CPU are reported for exactly the
// window that produced the throughput numbers.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/signer"
)

// common holds the flags every subcommand takes.
type common struct {
	endpoint, accessKey, secretKey, region, bucket string
	serverPids                                     string
	signed                                         bool
	quiet                                          bool
	// Open loop: the target request rate over all workers (0: closed loop, each worker sends
	// its next request when the last one is answered). Only `bench -rate` sets it.
	rate float64
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.endpoint, "endpoint", "127.0.0.1:9000", "S3 endpoint host:port (plain HTTP)")
	fs.StringVar(&c.accessKey, "access-key", os.Getenv("AWS_ACCESS_KEY_ID"), "access key")
	fs.StringVar(&c.secretKey, "secret-key", os.Getenv("AWS_SECRET_ACCESS_KEY"), "secret key")
	fs.StringVar(&c.region, "region", "us-east-1", "SigV4 region")
	fs.StringVar(&c.bucket, "bucket", "bench", "bucket to use (created if missing)")
	fs.StringVar(&c.serverPids, "server-pid", "",
		"pid(s) of the server, comma-separated, to report their summed CPU use")
	fs.BoolVar(&c.signed, "signed-payload", false,
		"sign PUT bodies (aws-chunked streaming SigV4) instead of UNSIGNED-PAYLOAD")
	fs.BoolVar(&c.quiet, "quiet", false, "no progress on stderr")
}

func (c *common) clients(conns int) (*minio.Client, minio.Core) {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns + 16,
		MaxIdleConnsPerHost: conns + 16,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		WriteBufferSize:     256 << 10,
		ReadBufferSize:      256 << 10,
	}
	cl, err := minio.New(c.endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(c.accessKey, c.secretKey, ""),
		Secure:       false,
		Region:       c.region,
		Transport:    tr,
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		fatal("client: %v", err)
	}
	return cl, minio.Core{Client: cl}
}

func (c *common) ensureBucket(cl *minio.Client) {
	ctx := context.Background()
	if ok, err := cl.BucketExists(ctx, c.bucket); err == nil && ok {
		return
	}
	if err := cl.MakeBucket(ctx, c.bucket, minio.MakeBucketOptions{Region: c.region}); err != nil {
		resp := minio.ToErrorResponse(err)
		if resp.Code != "BucketAlreadyOwnedByYou" {
			fatal("create bucket %s: %v", c.bucket, err)
		}
	}
}

func (c *common) progress(format string, args ...any) {
	if !c.quiet {
		fmt.Fprintf(os.Stderr, "\r\033[K"+format, args...)
	}
}

func (c *common) progressDone() {
	if !c.quiet {
		fmt.Fprintf(os.Stderr, "\r\033[K")
	}
}

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "loadgen: "+format+"\n", args...)
	os.Exit(2)
}

func emit(v any) {
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(v); err != nil {
		fatal("json: %v", err)
	}
}

// ---- raw ListObjectsV2 ----

// lister sends ListObjectsV2 requests signed with minio-go's SigV4 signer over plain net/http
// and scans the XML answer with byte searches instead of encoding/xml: decoding 1000 entries
// with encoding/xml costs the client more CPU than the server spends producing them, and the
// client must not be the bottleneck of a listing benchmark.
type lister struct {
	c    *common
	http *http.Client
}

type listPage struct {
	keys, prefixes int
	truncated      bool
	next           string
}

func newLister(c *common) *lister {
	tr := &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true,
		ReadBufferSize: 256 << 10}
	return &lister{c: c, http: &http.Client{Transport: tr, Timeout: 5 * time.Minute}}
}

const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

func (l *lister) list(prefix, startAfter, token, delimiter string, maxKeys int) (listPage, error) {
	q := url.Values{}
	q.Set("list-type", "2")
	q.Set("max-keys", strconv.Itoa(maxKeys))
	if prefix != "" {
		q.Set("prefix", prefix)
	}
	if startAfter != "" {
		q.Set("start-after", startAfter)
	}
	if token != "" {
		q.Set("continuation-token", token)
	}
	if delimiter != "" {
		q.Set("delimiter", delimiter)
	}
	u := "http://" + l.c.endpoint + "/" + l.c.bucket + "?" +
		strings.ReplaceAll(q.Encode(), "+", "%20")
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return listPage{}, err
	}
	req.Header.Set("X-Amz-Content-Sha256", emptySHA256)
	req = signer.SignV4(*req, l.c.accessKey, l.c.secretKey, "", l.c.region)
	resp, err := l.http.Do(req)
	if err != nil {
		return listPage{}, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return listPage{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return listPage{}, fmt.Errorf("ListObjectsV2: HTTP %d: %.300s", resp.StatusCode, body)
	}
	p := listPage{
		keys:      bytes.Count(body, []byte("<Contents>")),
		prefixes:  bytes.Count(body, []byte("<CommonPrefixes>")),
		truncated: bytes.Contains(body, []byte("<IsTruncated>true</IsTruncated>")),
	}
	const open, closeTag = "<NextContinuationToken>", "</NextContinuationToken>"
	if i := bytes.Index(body, []byte(open)); i >= 0 {
		rest := body[i+len(open):]
		if j := bytes.Index(rest, []byte(closeTag)); j >= 0 {
			p.next = html.UnescapeString(string(rest[:j]))
		}
	}
	return p, nil
}

// ---- CPU accounting from /proc/<pid>/stat ----

const clockTicks = 100.0 // USER_HZ; 100 on every Linux architecture Go supports here

// cpuTicks returns utime+stime of pid (0 = self) in clock ticks, or -1.
func cpuTicks(pid int) float64 {
	path := "/proc/self/stat"
	if pid > 0 {
		path = "/proc/" + strconv.Itoa(pid) + "/stat"
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return -1
	}
	// The command name may contain spaces and parentheses: fields start after the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return -1
	}
	ut, err1 := strconv.ParseFloat(f[11], 64) // field 14 (utime)
	st, err2 := strconv.ParseFloat(f[12], 64) // field 15 (stime)
	if err1 != nil || err2 != nil {
		return -1
	}
	return ut + st
}

// serverTicks sums cpuTicks over pids; -1 if any is unreadable.
func serverTicks(pids []int) float64 {
	sum := 0.0
	for _, p := range pids {
		t := cpuTicks(p)
		if t < 0 {
			return -1
		}
		sum += t
	}
	return sum
}

type cpuMeter struct {
	pids             []int
	client0, server0 float64
	start            time.Time
}

func startCPU(serverPids string) *cpuMeter {
	m := &cpuMeter{client0: cpuTicks(0), start: time.Now()}
	for _, f := range strings.Split(serverPids, ",") {
		if p, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && p > 0 {
			m.pids = append(m.pids, p)
		}
	}
	m.server0 = serverTicks(m.pids)
	return m
}

// stop returns client and server CPU in percent of one core over the window (nil if unknown).
func (m *cpuMeter) stop() (client, server *float64) {
	el := time.Since(m.start).Seconds()
	if c1 := cpuTicks(0); c1 >= 0 && m.client0 >= 0 && el > 0 {
		v := round((c1-m.client0)/clockTicks/el*100, 1)
		client = &v
	}
	if len(m.pids) > 0 {
		if s1 := serverTicks(m.pids); s1 >= 0 && m.server0 >= 0 && el > 0 {
			v := round((s1-m.server0)/clockTicks/el*100, 1)
			server = &v
		}
	}
	return
}

// ---- latency statistics ----

type latency struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// summarize returns percentiles in milliseconds (nearest-rank).
func summarize(d []time.Duration) *latency {
	if len(d) == 0 {
		return nil
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	rank := func(q float64) float64 {
		i := int(math.Ceil(q*float64(len(d)))) - 1
		if i < 0 {
			i = 0
		}
		return float64(d[i]) / 1e6
	}
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	return &latency{
		P50: round(rank(0.50), 3), P90: round(rank(0.90), 3), P99: round(rank(0.99), 3),
		P999: round(rank(0.999), 3), Max: round(float64(d[len(d)-1])/1e6, 3),
		Mean: round(float64(sum)/float64(len(d))/1e6, 3),
	}
}

func parseSize(s string) int64 {
	s = strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			mult = u.m
			s = strings.TrimSuffix(s, u.suffix)
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		fatal("bad size %q", s)
	}
	return n * mult
}

func randomBytes(n int64) []byte {
	b := make([]byte, n)
	// Fill 1 MiB of randomness and repeat it: incompressible enough, and cheap for 1 GiB.
	seed := make([]byte, 1<<20)
	if _, err := rand.Read(seed); err != nil {
		fatal("rand: %v", err)
	}
	for off := int64(0); off < n; off += int64(len(seed)) {
		copy(b[off:], seed)
	}
	return b
}

// ---- bench ----

type benchResult struct {
	Kind         string   `json:"kind"`
	Op           string   `json:"op"`
	Size         int64    `json:"size"`
	Concurrency  int      `json:"concurrency"`
	Ops          int64    `json:"ops"`
	Errors       int64    `json:"errors"`
	FirstError   string   `json:"first_error,omitempty"`
	ElapsedS     float64  `json:"elapsed_s"`
	OpsPerS      float64  `json:"ops_per_s"`
	MBPerS       float64  `json:"mb_per_s"`
	LatencyMs    *latency `json:"latency_ms"`
	ClientCPUPct *float64 `json:"client_cpu_pct"`
	ServerCPUPct *float64 `json:"server_cpu_pct"`
	Prepared     int      `json:"prepared_objects,omitempty"`
	TargetRate   float64  `json:"target_rate,omitempty"`
	CleanupError string   `json:"cleanup_error,omitempty"`
	Null         bool     `json:"null_server,omitempty"`
	Client       string   `json:"client,omitempty"` // bench: raw or minio (see rawclient.go)
}

type opFunc func(ctx context.Context, worker int, seq int64) (bytes int64, err error)

func runBench(args []string) {
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	var c common
	c.register(fs)
	op := fs.String("op", "get", "put|get|head|delete|list")
	sizeS := fs.String("size", "4KiB", "object size")
	conc := fs.Int("concurrency", 16, "concurrent requests")
	dur := fs.Duration("duration", 10*time.Second, "measured duration")
	objects := fs.Int("objects", 0, "objects to prepare for get/head/delete/list (0 = automatic)")
	nullKey := fs.String("null-key", "", "null-server mode: no preparation, every GET/HEAD reads this key")
	prefix := fs.String("prefix", "", "key prefix (default: unique per run)")
	keep := fs.Bool("keep", false, "keep the objects this run wrote (default: removed after "+
		"the measurement, not timed: a full matrix of 64 MiB PUTs otherwise fills the disk)")
	fs.Float64Var(&c.rate, "rate", 0, "open loop: requests per second over all workers, "+
		"latency counted from each request's scheduled time (0: closed loop)")
	client := fs.String("client", "raw", "raw: measured requests go through rawclient.go's "+
		"lean SigV4 client, one connection per worker; minio: through minio-go (as warp)")
	_ = fs.Parse(args)
	if *client != "raw" && *client != "minio" {
		fatal("unknown -client %q (raw|minio)", *client)
	}
	// Signed (aws-chunked) bodies and LIST always go through minio-go's signer.
	raw := *client == "raw" && !(c.signed && *op == "put")

	size := parseSize(*sizeS)
	if *prefix == "" {
		*prefix = fmt.Sprintf("b%d-%s-%d", time.Now().UnixNano()%1e9, *op, size)
	}
	cl, core := c.clients(*conc)
	ctx := context.Background()
	null := *nullKey != ""
	if !null {
		c.ensureBucket(cl)
	}
	data := randomBytes(size)
	putOpts := minio.PutObjectOptions{DisableContentSha256: !c.signed, DisableMultipart: true}

	put := func(key string) error {
		_, err := core.PutObject(ctx, c.bucket, key, bytes.NewReader(data), size, "", "", putOpts)
		return err
	}

	// Preparation: objects to read, stat, list or delete.
	var keys []string
	if !null && *op != "put" {
		n := *objects
		if n == 0 {
			switch {
			case *op == "list":
				n = 1000
			case *op == "delete" && size >= 16<<20:
				n = 8
			case *op == "delete":
				n = min(int(dur.Seconds()*3000), 30000)
			case size >= 16<<20:
				n = min(*conc, 4) // readers may share objects; preparation stays short
			default:
				n = 16 * *conc
			}
			// Bound what preparation writes: 1 GiB of data.
			if maxN := int((1 << 30) / max(size, 1)); n > maxN {
				n = maxN
			}
			n = max(n, 1)
		}
		keys = objectKeys(*prefix, n)
		if err := prepare(&c, *op, keys, max(*conc, 8), put); err != nil {
			fatal("preparing %d objects: %v", n, err)
		}
	}

	names := &benchKeys{prefix: *prefix, nullKey: *nullKey, prepared: keys}
	var fn opFunc
	switch {
	case raw && *op != "list":
		fn = rawOp(&c, *op, names, data, *conc)
	case *op == "put":
		fn = func(ctx context.Context, w int, seq int64) (int64, error) {
			return size, put(names.put(w, seq))
		}
	case *op == "get":
		fn = getOp(&c, core, names, size, *conc)
	case *op == "head":
		fn = func(ctx context.Context, w int, seq int64) (int64, error) {
			_, err := cl.StatObject(ctx, c.bucket, names.read(w, seq), minio.StatObjectOptions{})
			return 0, err
		}
	case *op == "delete":
		fn = func(ctx context.Context, w int, seq int64) (int64, error) {
			key, err := names.del(w, seq)
			if err != nil {
				return 0, err
			}
			return 0, cl.RemoveObject(ctx, c.bucket, key, minio.RemoveObjectOptions{})
		}
	case *op == "list":
		ls := newLister(&c)
		fn = func(ctx context.Context, w int, seq int64) (int64, error) {
			p, err := ls.list(*prefix+"/", "", "", "", 1000)
			if err == nil && p.keys != min(len(keys), 1000) {
				err = fmt.Errorf("listed %d keys, want %d", p.keys, min(len(keys), 1000))
			}
			return 0, err
		}
	default:
		fatal("unknown op %q", *op)
	}

	label := fmt.Sprintf("%s %s c%d", *op, humanSize(size), *conc)
	r := measure(&c, label, *conc, *dur, fn)
	r.Kind, r.Op, r.Size, r.Concurrency, r.Prepared, r.Null = "bench", *op, size, *conc, len(keys), null
	r.Client = "minio"
	if raw && *op != "list" {
		r.Client = "raw"
	}
	if *op == "put" || *op == "get" {
		r.MBPerS = round(r.OpsPerS*float64(size)/1e6, 2)
	}
	if !null && !*keep {
		// The measurement stands whatever the clean-up does; a failure is reported with it.
		if err := removePrefix(ctx, &c, cl, *prefix); err != nil {
			r.CleanupError = err.Error()
		}
	}
	emit(r)
}

// removePrefix deletes every object under prefix/ (DeleteObjects in batches; not measured).
func removePrefix(ctx context.Context, c *common, cl *minio.Client, prefix string) error {
	objects := cl.ListObjects(ctx, c.bucket, minio.ListObjectsOptions{Prefix: prefix + "/",
		Recursive: true})
	for e := range cl.RemoveObjects(ctx, c.bucket, objects, minio.RemoveObjectsOptions{}) {
		if e.Err != nil {
			return fmt.Errorf("%s: %w", e.ObjectName, e.Err)
		}
	}
	return nil
}

var errExhausted = errors.New("exhausted")

// benchKeys names the objects of a bench line's requests, the same for either client: PUT
// writes new keys, GET and HEAD read the prepared keys in a per-worker order (the null
// server's one key when set), DELETE takes each prepared key once (errExhausted after the
// last; a fresh missing key per request on a null server).
type benchKeys struct {
	prefix, nullKey string
	prepared        []string
	next            atomic.Int64 // DELETE: the next prepared key
}

func (k *benchKeys) put(w int, seq int64) string {
	return fmt.Sprintf("%s/w%03d-%08d", k.prefix, w, seq)
}

func (k *benchKeys) read(w int, seq int64) string {
	if k.nullKey != "" {
		return k.nullKey
	}
	return k.prepared[(int64(w)*7919+seq)%int64(len(k.prepared))]
}

func (k *benchKeys) del(w int, seq int64) (string, error) {
	if k.nullKey != "" {
		return fmt.Sprintf("%s/null-%d-%d", k.prefix, w, seq), nil
	}
	i := k.next.Add(1) - 1
	if i >= int64(len(k.prepared)) {
		return "", errExhausted
	}
	return k.prepared[i], nil
}

// objectKeys returns n keys under prefix for prepared objects.
func objectKeys(prefix string, n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("%s/obj-%07d", prefix, i)
	}
	return keys
}

// ticking calls fn every d on its own goroutine (progress lines) until stop is called.
func ticking(d time.Duration, fn func()) (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fn()
			}
		}
	}()
	return func() { close(done) }
}

// prepare writes every key with put, conc at once (not measured), showing progress as what.
// It returns the first error.
func prepare(c *common, what string, keys []string, conc int, put func(key string) error) error {
	var next, done atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	stop := ticking(500*time.Millisecond, func() {
		c.progress("  preparing %s: %d/%d objects", what, done.Load(), len(keys))
	})
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for firstErr.Load() == nil {
				i := next.Add(1) - 1
				if i >= int64(len(keys)) {
					return
				}
				if err := put(keys[i]); err != nil {
					firstErr.CompareAndSwap(nil, err.Error())
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	stop()
	c.progressDone()
	if e := firstErr.Load(); e != nil {
		return errors.New(e.(string))
	}
	return nil
}

// getOp returns the GET operation: worker w reads names.read's keys into a per-worker 256 KiB
// buffer, and checks every body is size bytes long.
func getOp(c *common, core minio.Core, names *benchKeys, size int64, conc int) opFunc {
	bufs := make([][]byte, conc)
	for i := range bufs {
		bufs[i] = make([]byte, 256<<10)
	}
	return func(ctx context.Context, w int, seq int64) (int64, error) {
		key := names.read(w, seq)
		body, _, _, err := core.GetObject(ctx, c.bucket, key, minio.GetObjectOptions{})
		if err != nil {
			return 0, err
		}
		n, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{body}, bufs[w])
		body.Close()
		if err == nil && n != size {
			err = fmt.Errorf("GET %s: %d bytes, want %d", key, n, size)
		}
		return n, err
	}
}

// measure runs fn on conc workers for dur and returns throughput and latency.
func measure(c *common, label string, conc int, dur time.Duration, fn opFunc) benchResult {
	ctx := context.Background()
	var ops, errs atomic.Int64
	var firstErr atomic.Value
	lats := make([][]time.Duration, conc)
	var wg sync.WaitGroup
	cpu := startCPU(c.serverPids)
	start := time.Now()
	deadline := start.Add(dur)
	stop := ticking(time.Second, func() {
		el := time.Since(start).Seconds()
		c.progress("  %-22s %4.0fs/%.0fs  %8d ops  %9.1f ops/s  errors %d", label, el,
			dur.Seconds(), ops.Load(), float64(ops.Load())/el, errs.Load())
	})
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			l := make([]time.Duration, 0, 4096)
			for seq := int64(0); time.Now().Before(deadline); seq++ {
				t0 := time.Now()
				if c.rate > 0 {
					// Open loop (as wrk2): worker w owns every conc-th slot of a fixed schedule.
					// Latency runs from the slot's time, so a request delayed by a slow one
					// before it counts its wait: a stall cannot hide by slowing the client.
					t0 = start.Add(time.Duration((float64(seq*int64(conc)+int64(w)) / c.rate) * 1e9))
					if t0.After(deadline) {
						break
					}
					if wait := time.Until(t0); wait > 0 {
						time.Sleep(wait)
					}
				}
				_, err := fn(ctx, w, seq)
				d := time.Since(t0)
				if errors.Is(err, errExhausted) {
					break
				}
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					if errs.Load() > 1000 {
						break
					}
					continue
				}
				ops.Add(1)
				l = append(l, d)
			}
			lats[w] = l
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	clientCPU, serverCPU := cpu.stop()
	stop()
	c.progressDone()
	var all []time.Duration
	for _, l := range lats {
		all = append(all, l...)
	}
	r := benchResult{Ops: ops.Load(), Errors: errs.Load(), ElapsedS: round(elapsed, 3),
		OpsPerS: round(float64(ops.Load())/elapsed, 1), LatencyMs: summarize(all),
		ClientCPUPct: clientCPU, ServerCPUPct: serverCPU, Concurrency: conc, TargetRate: c.rate}
	if e := firstErr.Load(); e != nil {
		r.FirstError = e.(string)
	}
	return r
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%dGiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

// ---- populate ----

func listingKey(i, prefixes int) string {
	return fmt.Sprintf("p%04d/k%08d", i%prefixes, i/prefixes)
}

func runPopulate(args []string) {
	fs := flag.NewFlagSet("populate", flag.ExitOnError)
	var c common
	c.register(fs)
	keys := fs.Int("keys", 10000, "number of keys")
	prefixes := fs.Int("prefixes", 1000, "number of top-level prefixes (p0000/ ...)")
	conc := fs.Int("concurrency", 64, "concurrent PUTs")
	sizeS := fs.String("size", "64B", "object size")
	_ = fs.Parse(args)
	size := parseSize(*sizeS)
	cl, core := c.clients(*conc)
	c.ensureBucket(cl)
	data := randomBytes(size)
	opts := minio.PutObjectOptions{DisableContentSha256: !c.signed, DisableMultipart: true}
	var next atomic.Int64
	fn := func(ctx context.Context, w int, seq int64) (int64, error) {
		i := next.Add(1) - 1
		if i >= int64(*keys) {
			return 0, errExhausted
		}
		_, err := core.PutObject(ctx, c.bucket, listingKey(int(i), *prefixes), bytes.NewReader(data),
			size, "", "", opts)
		return size, err
	}
	r := measure(&c, fmt.Sprintf("populate %d keys", *keys), *conc, 24*time.Hour, fn)
	r.Kind, r.Op, r.Size = "populate", "put", size
	emit(r)
	if r.Errors > 0 {
		os.Exit(1)
	}
}

// ---- listing ----

type pageStat struct {
	Position string  `json:"position"`
	After    string  `json:"start_after"`
	Keys     int     `json:"keys"`
	Ms       float64 `json:"ms_median"`
	MsMax    float64 `json:"ms_max"`
}

type listingResult struct {
	Kind            string     `json:"kind"`
	Keys            int        `json:"keys"`
	Prefixes        int        `json:"prefixes"`
	FullKeys        int        `json:"full_listing_keys"`
	FullS           float64    `json:"full_listing_s"`
	KeysPerS        float64    `json:"keys_per_s"`
	FullPages       int        `json:"full_listing_pages"`
	FullPageMs      *latency   `json:"full_listing_page_ms"`
	Pages           []pageStat `json:"pages"`
	DelimPrefixes   int        `json:"delimiter_prefixes"`
	DelimS          float64    `json:"delimiter_listing_s"`
	DelimPages      int        `json:"delimiter_pages"`
	DelimPageMs     *latency   `json:"delimiter_page_ms"`
	DelimInPrefixMs float64    `json:"delimiter_in_prefix_page_ms"`
	ClientCPUPct    *float64   `json:"client_cpu_pct"`
	ServerCPUPct    *float64   `json:"server_cpu_pct"`
	Error           string     `json:"error,omitempty"`
}

func runListing(args []string) {
	fs := flag.NewFlagSet("listing", flag.ExitOnError)
	var c common
	c.register(fs)
	keys := fs.Int("keys", 10000, "number of keys populate wrote")
	prefixes := fs.Int("prefixes", 1000, "number of prefixes populate used")
	repeat := fs.Int("repeat", 5, "requests per positioned page")
	_ = fs.Parse(args)
	ls := newLister(&c)
	res := listingResult{Kind: "listing", Keys: *keys, Prefixes: *prefixes}
	cpu := startCPU(c.serverPids)

	// Positioned pages: a fresh request that seeks to the start, middle and end of the key space.
	// Keys sort as p0000/k0, p0000/k1, ...; position i in sort order is prefix i/perPrefix.
	perPrefix := (*keys + *prefixes - 1) / *prefixes
	keyAt := func(pos int) string {
		return fmt.Sprintf("p%04d/k%08d", pos/perPrefix, pos%perPrefix)
	}
	positions := []struct {
		name string
		pos  int
	}{{"start", -1}, {"middle", *keys / 2}, {"end", max(*keys-1001, 0)}}
	for _, p := range positions {
		after := ""
		if p.pos >= 0 {
			after = keyAt(p.pos)
		}
		var ds []time.Duration
		n := 0
		for i := 0; i < *repeat; i++ {
			t0 := time.Now()
			r, err := ls.list("", after, "", "", 1000)
			ds = append(ds, time.Since(t0))
			if err != nil {
				res.Error = err.Error()
				emit(res)
				os.Exit(1)
			}
			n = r.keys
		}
		l := summarize(ds)
		res.Pages = append(res.Pages, pageStat{Position: p.name, After: after, Keys: n, Ms: l.P50,
			MsMax: l.Max})
	}

	// Full flat listing, page by page.
	t0 := time.Now()
	token := ""
	var pageDs []time.Duration
	for {
		p0 := time.Now()
		r, err := ls.list("", "", token, "", 1000)
		pageDs = append(pageDs, time.Since(p0))
		if err != nil {
			res.Error = err.Error()
			break
		}
		res.FullKeys += r.keys
		if len(pageDs)%10 == 0 {
			el := time.Since(t0).Seconds()
			c.progress("  listing: %d/%d keys  %.0f keys/s", res.FullKeys, *keys, float64(res.FullKeys)/el)
		}
		if !r.truncated || r.next == "" {
			break
		}
		token = r.next
	}
	res.FullS = round(time.Since(t0).Seconds(), 3)
	res.FullPages = len(pageDs)
	res.FullPageMs = summarize(pageDs)
	if res.FullS > 0 {
		res.KeysPerS = round(float64(res.FullKeys)/res.FullS, 0)
	}
	c.progressDone()

	// Delimiter listing: the 1000 common prefixes of the whole bucket.
	t0 = time.Now()
	token = ""
	pageDs = nil
	for res.Error == "" {
		p0 := time.Now()
		r, err := ls.list("", "", token, "/", 1000)
		pageDs = append(pageDs, time.Since(p0))
		if err != nil {
			res.Error = err.Error()
			break
		}
		res.DelimPrefixes += r.prefixes
		if !r.truncated || r.next == "" {
			break
		}
		token = r.next
	}
	res.DelimS = round(time.Since(t0).Seconds(), 3)
	res.DelimPages = len(pageDs)
	res.DelimPageMs = summarize(pageDs)

	// Delimiter listing inside one prefix in the middle.
	var ds []time.Duration
	for i := 0; i < *repeat && res.Error == ""; i++ {
		p0 := time.Now()
		_, err := ls.list(fmt.Sprintf("p%04d/", *prefixes/2), "", "", "/", 1000)
		ds = append(ds, time.Since(p0))
		if err != nil {
			res.Error = err.Error()
		}
	}
	if l := summarize(ds); l != nil {
		res.DelimInPrefixMs = l.P50
	}
	res.ClientCPUPct, res.ServerCPUPct = cpu.stop()
	emit(res)
}

// ---- multipart ----

type multipartResult struct {
	Kind         string   `json:"kind"`
	Available    bool     `json:"available"`
	Size         int64    `json:"size"`
	PartSize     int64    `json:"part_size"`
	Parallel     int      `json:"parallel"`
	Uploads      int      `json:"uploads"`
	ElapsedS     float64  `json:"elapsed_s"`
	MBPerS       float64  `json:"mb_per_s"`
	LatencyMs    *latency `json:"latency_ms"`
	ClientCPUPct *float64 `json:"client_cpu_pct"`
	ServerCPUPct *float64 `json:"server_cpu_pct"`
	Error        string   `json:"error,omitempty"`
}

func runMultipart(args []string) {
	fs := flag.NewFlagSet("multipart", flag.ExitOnError)
	var c common
	c.register(fs)
	sizeS := fs.String("size", "1GiB", "object size")
	partS := fs.String("part-size", "16MiB", "part size")
	parallel := fs.Int("parallel", 8, "parts uploaded in parallel")
	count := fs.Int("count", 1, "uploads, one after the other")
	_ = fs.Parse(args)
	size, part := parseSize(*sizeS), parseSize(*partS)
	cl, _ := c.clients(*parallel)
	c.ensureBucket(cl)
	data := randomBytes(size)
	res := multipartResult{Kind: "multipart", Size: size, PartSize: part, Parallel: *parallel}
	ctx := context.Background()
	var ds []time.Duration
	cpu := startCPU(c.serverPids)
	t0 := time.Now()
	for i := 0; i < *count; i++ {
		c.progress("  multipart %s upload %d/%d", humanSize(size), i+1, *count)
		u0 := time.Now()
		_, err := cl.PutObject(ctx, c.bucket, fmt.Sprintf("multipart/obj-%d", i), bytes.NewReader(data),
			size, minio.PutObjectOptions{PartSize: uint64(part), NumThreads: uint(*parallel),
				DisableContentSha256: !c.signed, ConcurrentStreamParts: false})
		if err != nil {
			res.Error = err.Error()
			break
		}
		ds = append(ds, time.Since(u0))
		res.Uploads++
	}
	el := time.Since(t0).Seconds()
	res.ClientCPUPct, res.ServerCPUPct = cpu.stop()
	c.progressDone()
	res.Available = res.Uploads > 0
	if res.Available {
		res.ElapsedS = round(el, 3)
		res.MBPerS = round(float64(size)*float64(res.Uploads)/el/1e6, 1)
		res.LatencyMs = summarize(ds)
	}
	emit(res)
}

// ---- complete ----

// completeLine is one part count of the CompleteMultipartUpload latency workload.
type completeLine struct {
	Parts       int       `json:"parts"`
	ObjectBytes int64     `json:"object_bytes"`
	Ms          []float64 `json:"ms"`
	MsMedian    float64   `json:"ms_median"`
	UploadS     float64   `json:"upload_s"`
	Error       string    `json:"error,omitempty"`
}

type completeResult struct {
	Kind     string         `json:"kind"`
	PartSize int64          `json:"part_size"`
	Reps     int            `json:"reps"`
	Parallel int            `json:"parallel"`
	Lines    []completeLine `json:"lines"`
	Error    string         `json:"error,omitempty"`
}

// runComplete measures CompleteMultipartUpload latency against the number of parts. For each
// part count N and each repetition it creates an upload, uploads N parts of -part-size bytes
// (-parallel at once; not timed), then times the CompleteMultipartUpload request alone, from
// sending to the last byte of the answer, checks the object's ETag suffix and size, and deletes
// it (not timed) so the disk does not fill. Every part has the same size: S3 requires >= 5 MiB for all but the last part.
func runComplete(args []string) {
	fs := flag.NewFlagSet("complete", flag.ExitOnError)
	var c common
	c.register(fs)
	partsS := fs.String("parts", "1,10,100,1000", "part counts, comma-separated")
	partS := fs.String("part-size", "5MiB", "size of every part (S3's minimum is 5 MiB)")
	reps := fs.Int("reps", 3, "completions per part count (the median is reported)")
	parallel := fs.Int("parallel", 4, "parts uploaded in parallel (not timed)")
	_ = fs.Parse(args)
	part := parseSize(*partS)
	cl, core := c.clients(*parallel)
	c.ensureBucket(cl)
	data := randomBytes(part)
	ctx := context.Background()
	res := completeResult{Kind: "complete", PartSize: part, Reps: *reps, Parallel: *parallel}
	for _, f := range strings.Split(*partsS, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 10000 {
			fatal("bad part count %q", f)
		}
		line := completeLine{Parts: n, ObjectBytes: int64(n) * part}
		var ds []time.Duration
		for r := 0; r < *reps && line.Error == ""; r++ {
			key := fmt.Sprintf("complete/n%05d-r%d", n, r)
			u0 := time.Now()
			parts, uploadID, err := uploadParts(ctx, &c, core, key, n, data, *parallel, r, *reps)
			line.UploadS += time.Since(u0).Seconds()
			if err != nil {
				line.Error = err.Error()
				if uploadID != "" {
					_ = core.AbortMultipartUpload(ctx, c.bucket, key, uploadID)
				}
				break
			}
			t0 := time.Now()
			info, err := core.CompleteMultipartUpload(ctx, c.bucket, key, uploadID, parts,
				minio.PutObjectOptions{})
			d := time.Since(t0)
			if err != nil {
				line.Error = "complete: " + err.Error()
				_ = core.AbortMultipartUpload(ctx, c.bucket, key, uploadID)
				break
			}
			if want := fmt.Sprintf("-%d", n); !strings.HasSuffix(strings.Trim(info.ETag, `"`), want) {
				line.Error = fmt.Sprintf("complete: ETag %q does not end in %s", info.ETag, want)
			}
			ds = append(ds, d)
			line.Ms = append(line.Ms, round(float64(d)/1e6, 3))
			// The completed object must be whole (not timed).
			if st, err := cl.StatObject(ctx, c.bucket, key, minio.StatObjectOptions{}); err != nil {
				line.Error = "head: " + err.Error()
			} else if st.Size != line.ObjectBytes {
				line.Error = fmt.Sprintf("head: size %d, want %d", st.Size, line.ObjectBytes)
			}
			if err := cl.RemoveObject(ctx, c.bucket, key, minio.RemoveObjectOptions{}); err != nil {
				line.Error = "delete: " + err.Error()
			}
		}
		c.progressDone()
		if l := summarize(ds); l != nil {
			line.MsMedian = l.P50 // nearest rank: the middle of 3
		}
		line.UploadS = round(line.UploadS, 3)
		res.Lines = append(res.Lines, line)
		if line.Error != "" && res.Error == "" {
			res.Error = fmt.Sprintf("%d parts: %s", n, line.Error)
		}
	}
	emit(res)
}

// uploadParts creates an upload for key and uploads n copies of data as parts 1..n, `parallel`
// at once. It returns the parts for CompleteMultipartUpload in order, and the upload id.
func uploadParts(ctx context.Context, c *common, core minio.Core, key string, n int, data []byte,
	parallel, rep, reps int) ([]minio.CompletePart, string, error) {
	uploadID, err := core.NewMultipartUpload(ctx, c.bucket, key, minio.PutObjectOptions{})
	if err != nil {
		return nil, "", fmt.Errorf("create: %w", err)
	}
	parts := make([]minio.CompletePart, n)
	var next, done atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for w := 0; w < parallel; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1))
				if i > n || firstErr.Load() != nil {
					return
				}
				p, err := core.PutObjectPart(ctx, c.bucket, key, uploadID, i,
					bytes.NewReader(data), int64(len(data)), minio.PutObjectPartOptions{})
				if err != nil {
					firstErr.CompareAndSwap(nil, fmt.Sprintf("part %d: %v", i, err))
					return
				}
				parts[i-1] = minio.CompletePart{PartNumber: i, ETag: p.ETag}
				c.progress("  complete: %d parts, rep %d/%d: uploaded %d", n, rep+1, reps,
					done.Add(1))
			}
		}()
	}
	wg.Wait()
	if e := firstErr.Load(); e != nil {
		return nil, uploadID, errors.New(e.(string))
	}
	return parts, uploadID, nil
}

// ---- loopback ----

// runLoopback measures loopback TCP throughput with N streams of 256 KiB writes and reads,
// sender and receiver in this process: the same Go network stack the benchmark client uses.
func runLoopback(args []string) {
	fs := flag.NewFlagSet("loopback", flag.ExitOnError)
	streams := fs.Int("streams", 1, "parallel TCP streams")
	dur := fs.Duration("duration", 2*time.Second, "duration")
	_ = fs.Parse(args)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fatal("listen: %v", err)
	}
	defer ln.Close()
	var received atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < *streams; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
			buf := make([]byte, 256<<10)
			for {
				n, err := conn.Read(buf)
				received.Add(int64(n))
				if err != nil {
					return
				}
			}
		}()
	}
	start := time.Now()
	deadline := start.Add(*dur)
	var swg sync.WaitGroup
	for i := 0; i < *streams; i++ {
		swg.Add(1)
		go func() {
			defer swg.Done()
			conn, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				fatal("dial: %v", err)
			}
			buf := randomBytes(256 << 10)
			for time.Now().Before(deadline) {
				if _, err := conn.Write(buf); err != nil {
					break
				}
			}
			conn.Close()
		}()
	}
	swg.Wait()
	wg.Wait()
	el := time.Since(start).Seconds()
	emit(map[string]any{"kind": "loopback", "streams": *streams,
		"mb_per_s": round(float64(received.Load())/el/1e6, 1)})
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: loadgen bench|populate|listing|multipart|complete|loopback|mixed|churn|latency [flags]")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "bench":
		runBench(os.Args[2:])
	case "populate":
		runPopulate(os.Args[2:])
	case "listing":
		runListing(os.Args[2:])
	case "multipart":
		runMultipart(os.Args[2:])
	case "complete":
		runComplete(os.Args[2:])
	case "loopback":
		runLoopback(os.Args[2:])
	case "mixed":
		runMixed(os.Args[2:])
	case "churn":
		runChurn(os.Args[2:])
	case "latency":
		runLatency(os.Args[2:])
	default:
		fatal("unknown subcommand %q", os.Args[1])
	}
}
