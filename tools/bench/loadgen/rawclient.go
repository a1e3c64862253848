// rawclient.go: a lean S3 client for the bench subcommand's fixed-shape requests (PUT, GET,
// HEAD, DELETE of one object), so that the load generator is not the bottleneck of a
// small-object benchmark.
//
// minio-go over net/http spent ~38 us of client CPU per 4 KiB GET here, more than the server
// under test (~34 us): at concurrency 16 the client took half of the 2 shared cores, and its
// scheduling made most of the measured tail (p99 3.1 ms where wrk, a C client, measured the
// same server at 0.6 ms). Here each worker owns one keep-alive connection and writes each
// request with a single write; responses are parsed in place from a bufio.Reader; SigV4's
// signing key is derived once a day and only the request's own hash and HMAC are computed
// per request. The requests are the ones SDKs send: header-signed SigV4, path-style.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"
)

const unsignedPayload = "UNSIGNED-PAYLOAD"

// rawSigner signs path-style requests with SigV4 headers (host, x-amz-content-sha256,
// x-amz-date). Safe for concurrent use.
type rawSigner struct {
	accessKey, secretKey, region, host string

	mu    sync.Mutex
	day   string // yyyymmdd the key below was derived for
	key   []byte // the signing key of day
	scope string // day/region/s3/aws4_request
}

func newRawSigner(c *common) *rawSigner {
	return &rawSigner{accessKey: c.accessKey, secretKey: c.secretKey, region: c.region,
		host: c.endpoint}
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// signingKey returns the key and credential scope for the UTC day of amzDate.
func (s *rawSigner) signingKey(amzDate string) ([]byte, string) {
	day := amzDate[:8]
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.day != day {
		k := hmacSHA256([]byte("AWS4"+s.secretKey), day)
		k = hmacSHA256(k, s.region)
		k = hmacSHA256(k, "s3")
		s.key = hmacSHA256(k, "aws4_request")
		s.day = day
		s.scope = day + "/" + s.region + "/s3/aws4_request"
	}
	return s.key, s.scope
}

// authorization returns the Authorization header value for a request without a query string.
func (s *rawSigner) authorization(method, path, payloadHash, amzDate string) string {
	key, scope := s.signingKey(amzDate)
	canonical := method + "\n" + path + "\n\nhost:" + s.host + "\nx-amz-content-sha256:" +
		payloadHash + "\nx-amz-date:" + amzDate +
		"\n\nhost;x-amz-content-sha256;x-amz-date\n" + payloadHash
	sum := sha256.Sum256([]byte(canonical))
	toSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	return "AWS4-HMAC-SHA256 Credential=" + s.accessKey + "/" + scope +
		", SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" +
		hex.EncodeToString(hmacSHA256(key, toSign))
}

// s3Path is the path-style request path of bucket/key, URI-encoded as SigV4 canonicalizes it
// (every byte but unreserved characters and the key's slashes).
func s3Path(bucket, key string) string {
	const hexDigits = "0123456789ABCDEF"
	b := make([]byte, 0, len(bucket)+len(key)+8)
	b = append(b, '/')
	b = append(b, bucket...)
	b = append(b, '/')
	for i := 0; i < len(key); i++ {
		ch := key[i]
		if ch >= 'A' && ch <= 'Z' || ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' ||
			ch == '-' || ch == '_' || ch == '.' || ch == '~' || ch == '/' {
			b = append(b, ch)
		} else {
			b = append(b, '%', hexDigits[ch>>4], hexDigits[ch&15])
		}
	}
	return string(b)
}

// rawConn is one worker's keep-alive connection. Not safe for concurrent use.
type rawConn struct {
	endpoint string
	signer   *rawSigner
	conn     net.Conn
	br       *bufio.Reader
	head     []byte // the request being written, reused
	discard  []byte // response bodies are read into this and dropped
	errBody  []byte // the start of the last response's body when its status was not 2xx
}

func newRawConn(endpoint string, signer *rawSigner) *rawConn {
	return &rawConn{endpoint: endpoint, signer: signer, discard: make([]byte, 256<<10)}
}

func (rc *rawConn) close() {
	if rc.conn != nil {
		rc.conn.Close()
		rc.conn = nil
	}
}

// Requests up to this size go out in one write with their header; larger bodies follow the
// header in a writev (net.Buffers), never copied.
const rawInlineBody = 64 << 10

// do sends one request and reads the whole response. It returns the status and the number of
// body bytes received; a non-2xx status is returned with the start of its body as the error.
func (rc *rawConn) do(method, path string, body []byte) (int, int64, error) {
	if rc.conn == nil {
		conn, err := net.DialTimeout("tcp", rc.endpoint, 10*time.Second)
		if err != nil {
			return 0, 0, err
		}
		rc.conn = conn
		rc.br = bufio.NewReaderSize(conn, 64<<10)
	}
	status, n, err := rc.roundTrip(method, path, body)
	if err != nil {
		rc.close() // the connection's state is unknown: the next request dials afresh
	}
	if err == nil && (status < 200 || status > 299) {
		err = fmt.Errorf("%s %s: HTTP %d: %.300s", method, path, status, rc.errBody)
	}
	return status, n, err
}

// appendRequestHead appends a signed request's line and headers, up to and including the empty
// line. A PUT (or any request with a body) carries Content-Length; its payload is unsigned.
func (s *rawSigner) appendRequestHead(h []byte, method, path string, bodyLen int,
	now time.Time) []byte {
	amzDate := now.UTC().Format("20060102T150405Z")
	payloadHash := emptySHA256
	if method == "PUT" {
		payloadHash = unsignedPayload
	}
	h = append(h, method...)
	h = append(h, ' ')
	h = append(h, path...)
	h = append(h, " HTTP/1.1\r\nHost: "...)
	h = append(h, s.host...)
	h = append(h, "\r\nX-Amz-Content-Sha256: "...)
	h = append(h, payloadHash...)
	h = append(h, "\r\nX-Amz-Date: "...)
	h = append(h, amzDate...)
	h = append(h, "\r\nAuthorization: "...)
	h = append(h, s.authorization(method, path, payloadHash, amzDate)...)
	if method == "PUT" || bodyLen > 0 {
		h = append(h, "\r\nContent-Length: "...)
		h = strconv.AppendInt(h, int64(bodyLen), 10)
	}
	return append(h, "\r\n\r\n"...)
}

func (rc *rawConn) roundTrip(method, path string, body []byte) (int, int64, error) {
	h := rc.signer.appendRequestHead(rc.head[:0], method, path, len(body), time.Now())
	var err error
	if len(body) <= rawInlineBody {
		h = append(h, body...)
		_, err = rc.conn.Write(h)
	} else {
		bufs := net.Buffers{h, body}
		_, err = bufs.WriteTo(rc.conn)
	}
	rc.head = h[:0]
	if err != nil {
		return 0, 0, err
	}
	return rc.readResponse(method == "HEAD")
}

var errBadResponse = errors.New("malformed HTTP response")

// readResponse parses the status line and headers and reads the body (Content-Length or
// chunked) to its end, so the connection is ready for the next request.
func (rc *rawConn) readResponse(noBody bool) (int, int64, error) {
	line, err := rc.br.ReadSlice('\n')
	if err != nil {
		return 0, 0, err
	}
	// "HTTP/1.1 200 OK\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, 0, errBadResponse
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, 0, errBadResponse
	}
	length := int64(-1)
	chunked, closeAfter := false, false
	for {
		line, err = rc.br.ReadSlice('\n')
		if err != nil {
			return 0, 0, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			return 0, 0, errBadResponse
		}
		name, value := line[:colon], bytes.TrimSpace(line[colon+1:])
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.ParseInt(string(value), 10, 64); err != nil || length < 0 {
				return 0, 0, errBadResponse
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			closeAfter = bytes.EqualFold(value, []byte("close"))
		}
	}
	var n int64
	rc.errBody = rc.errBody[:0]
	switch {
	case noBody || status == 204 || status == 304:
	case status > 299 && length >= 0 && length <= 64<<10:
		// An error document: kept for the error message.
		rc.errBody = append(rc.errBody, make([]byte, length)...)
		_, err = io.ReadFull(rc.br, rc.errBody)
		n = length
	case chunked:
		n, err = rc.readChunked()
	case length >= 0:
		n, err = io.CopyBuffer(io.Discard, io.LimitReader(onlyReader{rc.br}, length), rc.discard)
		if err == nil && n != length {
			err = io.ErrUnexpectedEOF
		}
	default:
		return status, 0, errBadResponse // a body delimited by the close: not expected here
	}
	if err == nil && closeAfter {
		rc.close()
	}
	return status, n, err
}

// readChunked reads a chunked body and its (empty or not) trailer section.
func (rc *rawConn) readChunked() (int64, error) {
	var total int64
	for {
		line, err := rc.br.ReadSlice('\n')
		if err != nil {
			return total, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if semi := bytes.IndexByte(line, ';'); semi >= 0 {
			line = line[:semi]
		}
		size, err := strconv.ParseInt(string(bytes.TrimSpace(line)), 16, 64)
		if err != nil || size < 0 {
			return total, errBadResponse
		}
		if size == 0 {
			for { // trailer fields, then the empty line
				line, err = rc.br.ReadSlice('\n')
				if err != nil {
					return total, err
				}
				if len(bytes.TrimRight(line, "\r\n")) == 0 {
					return total, nil
				}
			}
		}
		n, err := io.CopyBuffer(io.Discard, io.LimitReader(onlyReader{rc.br}, size), rc.discard)
		total += n
		if err == nil && n != size {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return total, err
		}
		if _, err = rc.br.Discard(2); err != nil { // the chunk's CRLF
			return total, err
		}
	}
}

// onlyReader hides bufio.Reader's WriteTo, so io.CopyBuffer reads through the given buffer
// instead of letting bufio allocate per call.
type onlyReader struct{ io.Reader }

// rawOp is the bench subcommand's operation on the raw client: the same keys (benchKeys) and
// checks as the minio-go operations in main.go (GET checks the size read).
func rawOp(c *common, op string, names *benchKeys, data []byte, conc int) opFunc {
	signer := newRawSigner(c)
	conns := make([]*rawConn, conc)
	for i := range conns {
		conns[i] = newRawConn(c.endpoint, signer)
	}
	size := int64(len(data))
	switch op {
	case "put":
		return func(_ context.Context, w int, seq int64) (int64, error) {
			_, _, err := conns[w].do("PUT", s3Path(c.bucket, names.put(w, seq)), data)
			return size, err
		}
	case "get":
		return func(_ context.Context, w int, seq int64) (int64, error) {
			key := names.read(w, seq)
			_, n, err := conns[w].do("GET", s3Path(c.bucket, key), nil)
			if err == nil && n != size {
				err = fmt.Errorf("GET %s: %d bytes, want %d", key, n, size)
			}
			return n, err
		}
	case "head":
		return func(_ context.Context, w int, seq int64) (int64, error) {
			_, _, err := conns[w].do("HEAD", s3Path(c.bucket, names.read(w, seq)), nil)
			return 0, err
		}
	case "delete":
		return func(_ context.Context, w int, seq int64) (int64, error) {
			key, err := names.del(w, seq)
			if err != nil {
				return 0, err
			}
			_, _, err = conns[w].do("DELETE", s3Path(c.bucket, key), nil)
			return 0, err
		}
	}
	fatal("unknown op %q", op)
	return nil
}
