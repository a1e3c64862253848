package main

// The mixed pipeline profile (issue 8): an ML pipeline's four kinds of traffic on one server at
// the same time, so each class's numbers show what the others cost it.
//
//	ingest      writers PUT new objects back to back (-ingest-size, -ingest-conc streams)
//	training    readers GET large pre-populated objects (-train-size, -train-conc streams)
//	inference   readers GET small pre-populated objects (-infer-size, -infer-conc): latency-bound
//	checkpoint  once, at -burst-at: -burst-streams multipart uploads of -burst-size each
//
// Readers' objects are written first (not measured). Ingest, training and inference each run
// measure() on their own workers for -duration, all started together; the burst starts at
// -burst-at and always runs to its end, even past -duration. Inference latency is also split
// by whether a request started while the burst was running.

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/minio/minio-go/v7"
)

// mixedClass is one traffic class of the mixed profile: loadgen's usual line (ops/s, MB/s,
// latency, errors) under a class name. CPU is reported for the whole run, not per class.
type mixedClass struct {
	Class string `json:"class"`
	benchResult
}

type burstResult struct {
	Streams       int      `json:"streams"`
	Size          int64    `json:"size"`
	PartSize      int64    `json:"part_size"`
	StartS        float64  `json:"start_s"`
	TotalS        float64  `json:"total_s"`
	MBPerS        float64  `json:"mb_per_s"`
	Uploads       int      `json:"uploads"`
	Errors        int      `json:"errors"`
	FirstError    string   `json:"first_error,omitempty"`
	UploadMs      *latency `json:"upload_ms"`
	WithinRun     bool     `json:"within_duration"`
	InferenceOps  int      `json:"inference_ops_during"`
	InferenceP99  *float64 `json:"inference_p99_ms_during"`
	InferenceP99O *float64 `json:"inference_p99_ms_outside"`
}

type mixedResult struct {
	Kind         string       `json:"kind"`
	DurationS    float64      `json:"duration_s"`
	ElapsedS     float64      `json:"elapsed_s"`
	Classes      []mixedClass `json:"classes"`
	Burst        burstResult  `json:"burst"`
	TrainObjects int          `json:"train_objects"`
	InferObjects int          `json:"infer_objects"`
	ClientCPUPct *float64     `json:"client_cpu_pct"`
	ServerCPUPct *float64     `json:"server_cpu_pct"`
	Error        string       `json:"error,omitempty"`
}

// timedOp is one successful inference request: when it started and how long it took.
type timedOp struct {
	start time.Time
	d     time.Duration
}

func runMixed(args []string) {
	fs := flag.NewFlagSet("mixed", flag.ExitOnError)
	var c common
	c.register(fs)
	dur := fs.Duration("duration", 30*time.Second, "measured duration of the readers and writers")
	ingestS := fs.String("ingest-size", "1MiB", "object size of the ingest writers")
	ingestConc := fs.Int("ingest-conc", 4, "ingest writers")
	trainS := fs.String("train-size", "64MiB", "object size the training readers read")
	trainConc := fs.Int("train-conc", 2, "training readers")
	trainObjects := fs.Int("train-objects", 0, "training objects to prepare (0 = train-conc)")
	inferS := fs.String("infer-size", "4KiB", "object size the inference readers read")
	inferConc := fs.Int("infer-conc", 8, "inference readers")
	inferObjects := fs.Int("infer-objects", 1000, "inference objects to prepare")
	burstAt := fs.Duration("burst-at", 0, "when the checkpoint burst starts (0 = duration/3)")
	burstStreams := fs.Int("burst-streams", 4, "checkpoint uploads at once (0 = no burst)")
	burstS := fs.String("burst-size", "256MiB", "size of each checkpoint upload")
	burstPartS := fs.String("burst-part-size", "16MiB", "part size of the checkpoint uploads")
	prefix := fs.String("prefix", "", "key prefix (default: unique per run)")
	_ = fs.Parse(args)

	ingestSize, trainSize, inferSize := parseSize(*ingestS), parseSize(*trainS), parseSize(*inferS)
	burstSize, burstPart := parseSize(*burstS), parseSize(*burstPartS)
	if *trainObjects == 0 {
		*trainObjects = max(*trainConc, 1)
	}
	if *burstAt == 0 {
		*burstAt = *dur / 3
	}
	if *burstAt >= *dur {
		fatal("-burst-at %v must be before the end of -duration %v", *burstAt, *dur)
	}
	if burstPart <= 0 || burstSize < burstPart {
		fatal("-burst-size %d must be at least one part of -burst-part-size %d", burstSize,
			burstPart)
	}
	// Every part is one shared buffer of -burst-part-size: round the upload up to whole parts.
	burstSize = (burstSize + burstPart - 1) / burstPart * burstPart
	if *prefix == "" {
		*prefix = fmt.Sprintf("mixed%d", time.Now().UnixNano()%1e9)
	}
	conns := *ingestConc + *trainConc + *inferConc + *burstStreams
	cl, core := c.clients(conns)
	c.ensureBucket(cl)
	ctx := context.Background()
	putOpts := minio.PutObjectOptions{DisableContentSha256: !c.signed, DisableMultipart: true}
	putter := func(data []byte) func(string) error {
		return func(key string) error {
			_, err := core.PutObject(ctx, c.bucket, key, bytes.NewReader(data), int64(len(data)),
				"", "", putOpts)
			return err
		}
	}

	// What the readers read (not measured).
	trainKeys := objectKeys(*prefix+"/train", *trainObjects)
	if err := prepare(&c, "training", trainKeys, min(*trainObjects, 4),
		putter(randomBytes(trainSize))); err != nil {
		fatal("preparing %d training objects: %v", *trainObjects, err)
	}
	inferKeys := objectKeys(*prefix+"/infer", *inferObjects)
	if err := prepare(&c, "inference", inferKeys, 16, putter(randomBytes(inferSize))); err != nil {
		fatal("preparing %d inference objects: %v", *inferObjects, err)
	}

	// The classes share this process and its progress line: their own measure() stays quiet.
	quiet := c
	quiet.quiet = true
	ingestData := randomBytes(ingestSize)
	ingestFn := func(ctx context.Context, w int, seq int64) (int64, error) {
		key := fmt.Sprintf("%s/ingest/w%03d-%08d", *prefix, w, seq)
		_, err := core.PutObject(ctx, c.bucket, key, bytes.NewReader(ingestData), ingestSize, "",
			"", putOpts)
		return ingestSize, err
	}
	trainFn := getOp(&c, core, &benchKeys{prepared: trainKeys}, trainSize, *trainConc)
	inferGet := getOp(&c, core, &benchKeys{prepared: inferKeys}, inferSize, *inferConc)
	inferOps := make([][]timedOp, *inferConc) // per worker: measure() calls worker w's fn only
	inferFn := func(ctx context.Context, w int, seq int64) (int64, error) {
		t0 := time.Now()
		n, err := inferGet(ctx, w, seq)
		if err == nil {
			inferOps[w] = append(inferOps[w], timedOp{t0, time.Since(t0)})
		}
		return n, err
	}

	res := mixedResult{Kind: "mixed", DurationS: dur.Seconds(), TrainObjects: *trainObjects,
		InferObjects: *inferObjects}
	res.Burst = burstResult{Streams: *burstStreams, Size: burstSize, PartSize: burstPart}
	var ingest, train, infer benchResult
	var burstStart, burstEnd time.Time
	var done atomic.Int32
	cpu := startCPU(c.serverPids)
	start := time.Now()
	var wg sync.WaitGroup
	wg.Add(4)
	go func() { defer wg.Done(); ingest = measure(&quiet, "ingest", *ingestConc, *dur, ingestFn) }()
	go func() { defer wg.Done(); train = measure(&quiet, "training", *trainConc, *dur, trainFn) }()
	go func() { defer wg.Done(); infer = measure(&quiet, "inference", *inferConc, *dur, inferFn) }()
	go func() {
		defer wg.Done()
		if *burstStreams <= 0 {
			return
		}
		time.Sleep(time.Until(start.Add(*burstAt)))
		burstStart = time.Now()
		checkpointBurst(ctx, &quiet, core, *prefix, burstSize, burstPart, *burstStreams,
			&res.Burst)
		burstEnd = time.Now()
		done.Store(1)
	}()
	stopProgress := ticking(time.Second, func() {
		state := "before the burst"
		switch {
		case done.Load() == 1:
			state = "burst done"
		case time.Since(start) >= *burstAt:
			state = "burst running"
		}
		c.progress("  mixed %4.0fs/%.0fs  %s", time.Since(start).Seconds(), dur.Seconds(), state)
	})
	wg.Wait()
	stopProgress()
	c.progressDone()
	elapsed := time.Since(start)
	res.ElapsedS = round(elapsed.Seconds(), 3)
	res.ClientCPUPct, res.ServerCPUPct = cpu.stop()

	class := func(name, op string, size int64, r benchResult) mixedClass {
		r.Kind, r.Op, r.Size = "mixed", op, size
		r.ClientCPUPct, r.ServerCPUPct = nil, nil // measure()'s are the whole process's
		r.MBPerS = round(r.OpsPerS*float64(size)/1e6, 2)
		return mixedClass{Class: name, benchResult: r}
	}
	res.Classes = []mixedClass{
		class("ingest", "put", ingestSize, ingest),
		class("training", "get", trainSize, train),
		class("inference", "get", inferSize, infer),
	}
	if *burstStreams > 0 {
		b := &res.Burst
		b.StartS = round(burstStart.Sub(start).Seconds(), 3)
		b.TotalS = round(burstEnd.Sub(burstStart).Seconds(), 3)
		b.WithinRun = !burstEnd.After(start.Add(*dur))
		if b.TotalS > 0 {
			b.MBPerS = round(float64(burstSize)*float64(b.Uploads)/b.TotalS/1e6, 1)
		}
		// Inference split by whether a request started while the burst ran, and each part's
		// rate over the reader window it covers.
		var during, outside []time.Duration
		for _, ops := range inferOps {
			for _, o := range ops {
				if !o.start.Before(burstStart) && o.start.Before(burstEnd) {
					during = append(during, o.d)
				} else {
					outside = append(outside, o.d)
				}
			}
		}
		readersEnd := start.Add(time.Duration(infer.ElapsedS * float64(time.Second)))
		inWindow := max(minTime(burstEnd, readersEnd).Sub(burstStart).Seconds(), 0)
		outWindow := max(infer.ElapsedS-inWindow, 0)
		split := func(name string, d []time.Duration, window float64) mixedClass {
			r := benchResult{Concurrency: *inferConc, Ops: int64(len(d)), ElapsedS: round(window, 3),
				LatencyMs: summarize(d)}
			if window > 0 {
				r.OpsPerS = round(float64(len(d))/window, 1)
			}
			return class(name, "get", inferSize, r)
		}
		dc, oc := split("inference during burst", during, inWindow),
			split("inference outside burst", outside, outWindow)
		b.InferenceOps = len(during)
		if dc.LatencyMs != nil {
			b.InferenceP99 = &dc.LatencyMs.P99
		}
		if oc.LatencyMs != nil {
			b.InferenceP99O = &oc.LatencyMs.P99
		}
		// The burst itself as a class: uploads, each one's time, their summed MB/s.
		bc := benchResult{Concurrency: *burstStreams, Ops: int64(b.Uploads), Errors: int64(b.Errors),
			FirstError: b.FirstError, ElapsedS: b.TotalS, LatencyMs: b.UploadMs}
		if b.TotalS > 0 {
			bc.OpsPerS = round(float64(b.Uploads)/b.TotalS, 3)
		}
		res.Classes = append(res.Classes, dc, oc, class("checkpoint burst", "multipart",
			burstSize, bc))
	}
	emit(res)
	for _, cl := range res.Classes {
		if cl.Errors > 0 {
			os.Exit(1)
		}
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// checkpointBurst runs streams multipart uploads of size bytes at once, each uploading its
// parts one after the other (a checkpoint writer per rank), and records them in b.
func checkpointBurst(ctx context.Context, c *common, core minio.Core, prefix string, size,
	part int64, streams int, b *burstResult) {
	nParts := int(size / part) // size is a multiple of part (runMixed rounds it up)
	data := randomBytes(part)
	var mu sync.Mutex
	var ds []time.Duration
	var wg sync.WaitGroup
	for s := 0; s < streams; s++ {
		wg.Add(1)
		go func(s int) {
			defer wg.Done()
			key := fmt.Sprintf("%s/checkpoint/rank%03d", prefix, s)
			t0 := time.Now()
			parts, uploadID, err := uploadParts(ctx, c, core, key, nParts, data, 1, 0, 1)
			if err == nil {
				_, err = core.CompleteMultipartUpload(ctx, c.bucket, key, uploadID, parts,
					minio.PutObjectOptions{})
			}
			d := time.Since(t0)
			if err != nil && uploadID != "" {
				_ = core.AbortMultipartUpload(ctx, c.bucket, key, uploadID)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				b.Errors++
				if b.FirstError == "" {
					b.FirstError = err.Error()
				}
				return
			}
			b.Uploads++
			ds = append(ds, d)
		}(s)
	}
	wg.Wait()
	b.UploadMs = summarize(ds)
}
