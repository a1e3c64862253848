// Package clients runs real Go S3 clients (aws-sdk-go-v2, minio-go) against a running Strata.
//
// The server is named by the environment, as tests/clients/run_with_server.py sets it:
// STRATA_ENDPOINT (http://127.0.0.1:PORT), STRATA_ROOT_ACCESS_KEY, STRATA_ROOT_SECRET_KEY.
package clients

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

// target is the server under test, read from the environment.
type target struct {
	endpoint  string // http://127.0.0.1:PORT
	hostPort  string // 127.0.0.1:PORT
	accessKey string
	secretKey string
}

func serverFromEnv(t *testing.T) target {
	t.Helper()
	endpoint := os.Getenv("STRATA_ENDPOINT")
	ak := os.Getenv("STRATA_ROOT_ACCESS_KEY")
	sk := os.Getenv("STRATA_ROOT_SECRET_KEY")
	if endpoint == "" || ak == "" || sk == "" {
		t.Fatal("STRATA_ENDPOINT, STRATA_ROOT_ACCESS_KEY and STRATA_ROOT_SECRET_KEY must be set; " +
			"run through tests/clients/run_with_server.py (ctest -R clients_go does)")
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		t.Fatalf("cannot parse STRATA_ENDPOINT=%q: %v", endpoint, err)
	}
	return target{strings.TrimRight(endpoint, "/"), u.Host, ak, sk}
}

// bucketName is unique per test and valid for S3.
func bucketName(t *testing.T, prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano()%1_000_000_000_000)
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func mustEqualBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: got %d bytes, want %d bytes (contents differ)", what, len(got), len(want))
	}
}
