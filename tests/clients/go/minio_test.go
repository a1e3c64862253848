package clients

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

func newMinioClient(t *testing.T) *minio.Client {
	t.Helper()
	srv := serverFromEnv(t)
	c, err := minio.New(srv.hostPort, &minio.Options{
		Creds:        credentials.NewStaticV4(srv.accessKey, srv.secretKey, ""),
		Secure:       false,
		Region:       "us-east-1",
		BucketLookup: minio.BucketLookupPath,
		MaxRetries:   1,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func minioBucket(t *testing.T, ctx context.Context, c *minio.Client) string {
	t.Helper()
	name := bucketName(t, "go-minio")
	if err := c.MakeBucket(ctx, name, minio.MakeBucketOptions{Region: "us-east-1"}); err != nil {
		t.Fatalf("MakeBucket %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		for o := range c.ListObjects(ctx, name, minio.ListObjectsOptions{Recursive: true}) {
			if o.Err != nil {
				t.Errorf("cleanup: list: %v", o.Err)
				return
			}
			if err := c.RemoveObject(ctx, name, o.Key, minio.RemoveObjectOptions{}); err != nil {
				t.Errorf("cleanup: remove %s: %v", o.Key, err)
			}
		}
		if err := c.RemoveBucket(ctx, name); err != nil {
			t.Errorf("cleanup: remove bucket %s: %v", name, err)
		}
	})
	return name
}

func TestMinioPutGetAndStat(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := newMinioClient(t)
	b := minioBucket(t, ctx, c)
	if ok, err := c.BucketExists(ctx, b); err != nil || !ok {
		t.Fatalf("BucketExists(%s) = %v, %v", b, ok, err)
	}
	data := randomBytes(t, 1*mib+5)
	info, err := c.PutObject(ctx, b, "photos/a.jpg", bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{ContentType: "image/jpeg", UserMetadata: map[string]string{"camera": "x100"}})
	if err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	if info.Size != int64(len(data)) {
		t.Errorf("PutObject size %d, want %d", info.Size, len(data))
	}
	obj, err := c.GetObject(ctx, b, "photos/a.jpg", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(obj)
	obj.Close()
	if err != nil {
		t.Fatalf("GetObject read: %v", err)
	}
	mustEqualBytes(t, "GetObject", got, data)
	st, err := c.StatObject(ctx, b, "photos/a.jpg", minio.StatObjectOptions{})
	if err != nil {
		t.Fatalf("StatObject: %v", err)
	}
	if st.ContentType != "image/jpeg" || st.UserMetadata["Camera"] != "x100" {
		t.Errorf("StatObject content type %q metadata %v", st.ContentType, st.UserMetadata)
	}
	// minio-go's GetObject is an io.ReaderAt: ranged reads as media players and archives do.
	obj, err = c.GetObject(ctx, b, "photos/a.jpg", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1000)
	if _, err := obj.ReadAt(buf, 500000); err != nil {
		t.Fatalf("ReadAt: %v", err)
	}
	obj.Close()
	mustEqualBytes(t, "ReadAt", buf, data[500000:501000])
}

func TestMinioListObjectsRecursiveAndByFolder(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := newMinioClient(t)
	b := minioBucket(t, ctx, c)
	keys := []string{"a/1", "a/2", "a/b/3", "c"}
	for _, k := range keys {
		if _, err := c.PutObject(ctx, b, k, strings.NewReader(k), int64(len(k)), minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	var all []string
	for o := range c.ListObjects(ctx, b, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			t.Fatalf("ListObjects: %v", o.Err)
		}
		all = append(all, o.Key)
	}
	sort.Strings(all)
	if strings.Join(all, ",") != strings.Join(keys, ",") {
		t.Errorf("recursive listing %v, want %v", all, keys)
	}
	var top []string
	for o := range c.ListObjects(ctx, b, minio.ListObjectsOptions{Prefix: "a/"}) {
		if o.Err != nil {
			t.Fatalf("ListObjects: %v", o.Err)
		}
		top = append(top, o.Key)
	}
	if strings.Join(top, ",") != "a/1,a/2,a/b/" {
		t.Errorf("listing of a/ %v, want [a/1 a/2 a/b/]", top)
	}
}

func TestMinioFPutObjectOfTwentyMiBUsesMultipart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	c := newMinioClient(t)
	b := minioBucket(t, ctx, c)
	data := randomBytes(t, 20*mib)
	path := filepath.Join(t.TempDir(), "twenty.bin")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	info, err := c.FPutObject(ctx, b, "big/twenty.bin", path, minio.PutObjectOptions{PartSize: 5 * mib})
	if err != nil {
		t.Fatalf("FPutObject (multipart, 5 MiB parts): %v", err)
	}
	if !strings.HasSuffix(info.ETag, "-4") {
		t.Errorf("ETag %q, want a multipart ETag ending in -4", info.ETag)
	}
	out := filepath.Join(t.TempDir(), "back.bin")
	if err := c.FGetObject(ctx, b, "big/twenty.bin", out, minio.GetObjectOptions{}); err != nil {
		t.Fatalf("FGetObject: %v", err)
	}
	back, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	mustEqualBytes(t, "FGetObject", back, data)
}

func TestMinioRemoveObjectsDeletesABatch(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := newMinioClient(t)
	b := minioBucket(t, ctx, c)
	objects := make(chan minio.ObjectInfo, 10)
	for i := 0; i < 10; i++ {
		k := fmt.Sprintf("batch/%d", i)
		if _, err := c.PutObject(ctx, b, k, strings.NewReader(k), int64(len(k)), minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
		objects <- minio.ObjectInfo{Key: k}
	}
	close(objects)
	for e := range c.RemoveObjects(ctx, b, objects, minio.RemoveObjectsOptions{}) {
		t.Errorf("RemoveObjects: %s: %v", e.ObjectName, e.Err)
	}
	n := 0
	for o := range c.ListObjects(ctx, b, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		n++
	}
	if n != 0 {
		t.Errorf("%d objects left after RemoveObjects", n)
	}
}
