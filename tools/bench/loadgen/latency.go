// latency.go: the latency subcommand: small GETs at a fixed concurrency, driven by wrk.
//
// Issue 8 asks for 4 KiB GETs at concurrency 16 with p99 under 1 ms. A Go client cannot
// measure that on 2 cores it shares with the server: even the raw client (rawclient.go) shows
// p99 ~1.6 ms against a server wrk measures at ~0.6 ms, because the Go scheduler wakes the
// goroutines whose responses have arrived in its own order (its run queue is not FIFO) and a
// response can wait a scheduling round before its time is taken. wrk (Debian package, C, one
// epoll loop per thread) takes the time as soon as it reads the response.
//
// The requests are the ones an SDK sends: path-style GETs with SigV4 headers. They are signed
// here, one per prepared object, before the run (SigV4 accepts a request for 15 minutes after
// its x-amz-date: a run must stay well inside that), and wrk's Lua request() hands them out in
// rotation. The null server ignores the signature.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
)

// wrkScript is the Lua given to wrk: request() returns the next pre-signed request; done()
// prints one JSON line (latencies in microseconds) for runLatency to read.
const wrkScript = `
local requests = {
%s}
local n = #requests
local i = 0

-- setup() runs in the main script state once per thread: each thread starts its rotation at
-- its own offset, so the threads do not read the same key at once.
local threads = 0
setup = function(thread)
  thread:set("offset", threads * %d)
  threads = threads + 1
end

init = function(args)
  i = (tonumber(offset) or 0) %% n
end

request = function()
  i = i %% n + 1
  return requests[i]
end

done = function(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%%d,"duration_us":%%d,"bytes":%%d,"errors":{"connect":%%d,"read":%%d,' ..
    '"write":%%d,"status":%%d,"timeout":%%d},"p50":%%d,"p90":%%d,"p99":%%d,"p999":%%d,' ..
    '"max":%%d,"mean":%%f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max, latency.mean))
end
`

// wrkSummary is what wrkScript's done() prints.
type wrkSummary struct {
	Requests   int64 `json:"requests"`
	DurationUs int64 `json:"duration_us"`
	Bytes      int64 `json:"bytes"`
	Errors     struct {
		Connect, Read, Write, Status, Timeout int64
	} `json:"errors"`
	P50, P90, P99, P999, Max int64
	Mean                     float64
}

// luaString quotes s as a Lua string literal.
func luaString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == '"' || ch == '\\':
			b.WriteByte('\\')
			b.WriteByte(ch)
		case ch < 0x20 || ch >= 0x7f:
			fmt.Fprintf(&b, "\\%03d", ch)
		default:
			b.WriteByte(ch)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func runLatency(args []string) {
	fs := flag.NewFlagSet("latency", flag.ExitOnError)
	var c common
	c.register(fs)
	sizeS := fs.String("size", "4KiB", "object size")
	conc := fs.Int("concurrency", 16, "connections (closed loop: one request in flight on each)")
	threads := fs.Int("threads", 2, "wrk threads")
	dur := fs.Duration("duration", 10*time.Second, "measured duration (at most 10m: signatures age)")
	objects := fs.Int("objects", 256, "objects to prepare and read in rotation")
	nullKey := fs.String("null-key", "", "null-server mode: no preparation, every GET reads this key")
	wrkPath := fs.String("wrk", "wrk", "the wrk binary (Debian package wrk)")
	_ = fs.Parse(args)
	if *dur > 10*time.Minute {
		fatal("-duration %v: pre-signed requests are valid for 15 minutes", *dur)
	}
	exe, err := exec.LookPath(*wrkPath)
	if err != nil {
		fatal("wrk is not installed (apt-get install wrk, or tools/bench/install.sh): %v", err)
	}

	size := parseSize(*sizeS)
	prefix := fmt.Sprintf("lat%d-%d", time.Now().UnixNano()%1e9, size)
	ctx := context.Background()
	cl, core := c.clients(8)
	keys := []string{*nullKey}
	if *nullKey == "" {
		c.ensureBucket(cl)
		keys = objectKeys(prefix, max(*objects, 1))
		data := randomBytes(size)
		opts := minio.PutObjectOptions{DisableMultipart: true}
		put := func(key string) error {
			_, err := core.PutObject(ctx, c.bucket, key, bytes.NewReader(data), size, "", "", opts)
			return err
		}
		if err := prepare(&c, "latency", keys, 8, put); err != nil {
			fatal("preparing %d objects: %v", len(keys), err)
		}
	}

	// One signed request per key, in the Lua table; each wrk thread starts at its own offset.
	signer := newRawSigner(&c)
	var table strings.Builder
	now := time.Now()
	for _, k := range keys {
		head := signer.appendRequestHead(nil, "GET", s3Path(c.bucket, k), 0, now)
		table.WriteString("  " + luaString(string(head)) + ",\n")
	}
	dir, err := os.MkdirTemp("", "loadgen-wrk")
	if err != nil {
		fatal("temp dir: %v", err)
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "requests.lua")
	stride := max(len(keys)/max(*threads, 1), 1)
	lua := fmt.Sprintf(wrkScript, table.String(), stride)
	if err := os.WriteFile(script, []byte(lua), 0o600); err != nil {
		fatal("writing %s: %v", script, err)
	}

	cmd := exec.Command(exe, "-t", strconv.Itoa(*threads), "-c", strconv.Itoa(*conc), "-d",
		fmt.Sprintf("%ds", max(int(dur.Seconds()+0.5), 1)), "-s", script, "http://"+c.endpoint+"/")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	c.progress("  latency: wrk %d threads, %d connections, %v", *threads, *conc, *dur)
	meter := startCPU(c.serverPids)
	runErr := cmd.Run()
	_, serverCPU := meter.stop()
	el := time.Since(meter.start).Seconds()
	c.progressDone()

	r := benchResult{Kind: "latency", Op: "get", Size: size, Concurrency: *conc,
		Prepared: len(keys), Null: *nullKey != "", Client: "wrk", ServerCPUPct: serverCPU}
	if *nullKey != "" {
		r.Prepared = 0
	}
	var s wrkSummary
	line := stdout.Bytes()
	if i := bytes.LastIndex(line, []byte(`{"requests"`)); i >= 0 {
		line = line[i:]
		if j := bytes.IndexByte(line, '\n'); j >= 0 {
			line = line[:j]
		}
	}
	if err := json.Unmarshal(line, &s); err != nil || runErr != nil {
		r.FirstError = fmt.Sprintf("wrk: %v %v: %.300s", runErr, err, stderr.String()+stdout.String())
		r.Errors = 1
	} else {
		if st := cmd.ProcessState; st != nil && el > 0 {
			v := round((st.UserTime()+st.SystemTime()).Seconds()/el*100, 1)
			r.ClientCPUPct = &v
		}
		r.Ops = s.Requests
		r.ElapsedS = round(float64(s.DurationUs)/1e6, 3)
		if s.DurationUs > 0 {
			r.OpsPerS = round(float64(s.Requests)/(float64(s.DurationUs)/1e6), 1)
			r.MBPerS = round(r.OpsPerS*float64(size)/1e6, 2)
		}
		ms := func(us int64) float64 { return round(float64(us)/1000, 3) }
		r.LatencyMs = &latency{P50: ms(s.P50), P90: ms(s.P90), P99: ms(s.P99), P999: ms(s.P999),
			Max: ms(s.Max), Mean: round(s.Mean/1000, 3)}
		e := s.Errors
		r.Errors = e.Connect + e.Read + e.Write + e.Status + e.Timeout
		if r.Errors > 0 {
			r.FirstError = fmt.Sprintf("wrk errors: connect %d read %d write %d status %d "+
				"timeout %d", e.Connect, e.Read, e.Write, e.Status, e.Timeout)
		}
		// Every response carried at least the object: a short body would be an error the
		// status does not show.
		if s.Requests > 0 && s.Bytes/s.Requests < size {
			r.Errors++
			r.FirstError = fmt.Sprintf("%d bytes per response, want at least %d",
				s.Bytes/s.Requests, size)
		}
	}
	if *nullKey == "" {
		if err := removePrefix(ctx, &c, cl, prefix); err != nil {
			r.CleanupError = err.Error()
		}
	}
	emit(r)
}
