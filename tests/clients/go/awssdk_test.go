package clients

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

const mib = 1 << 20

// newAwsClient is what a user of Strata writes: static keys, path style, a custom endpoint,
// and the SDK's defaults for everything else (checksums included).
func newAwsClient(t *testing.T) *s3.Client {
	srv := serverFromEnv(t)
	return s3.New(s3.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(srv.endpoint),
		UsePathStyle:     true,
		Credentials:      credentials.NewStaticCredentialsProvider(srv.accessKey, srv.secretKey, ""),
		RetryMaxAttempts: 1,
	})
}

func awsBucket(t *testing.T, ctx context.Context, c *s3.Client) string {
	t.Helper()
	name := bucketName(t, "go-awssdk")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("CreateBucket %s: %v", name, err)
	}
	t.Cleanup(func() { awsEmptyAndDelete(t, c, name) })
	return name
}

// awsEmptyAndDelete removes what a test left, one key at a time so that a DeleteObjects failure
// is reported by the test that exercises it, not here.
func awsEmptyAndDelete(t *testing.T, c *s3.Client, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(name)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Errorf("cleanup: list %s: %v", name, err)
			return
		}
		for _, o := range page.Contents {
			if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(name), Key: o.Key}); err != nil {
				t.Errorf("cleanup: delete %s/%s: %v", name, *o.Key, err)
			}
		}
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Errorf("cleanup: delete bucket %s: %v", name, err)
	}
}

func getAll(t *testing.T, ctx context.Context, c *s3.Client, bucket, key string) []byte {
	t.Helper()
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("GetObject %s: %v", key, err)
	}
	defer out.Body.Close()
	body, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("reading GetObject %s: %v", key, err)
	}
	return body
}

func TestAwsSdkPutGetRoundTripsBodyAndMetadata(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := newAwsClient(t)
	b := awsBucket(t, ctx, c)
	data := randomBytes(t, 300*1024+7)
	_, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(b), Key: aws.String("dir/obj.bin"), Body: bytes.NewReader(data),
		ContentType: aws.String("application/x-test"), Metadata: map[string]string{"origin": "go-sdk"},
	})
	if err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("dir/obj.bin")})
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	got, err := io.ReadAll(out.Body)
	out.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	mustEqualBytes(t, "GetObject body", got, data)
	if aws.ToString(out.ContentType) != "application/x-test" {
		t.Errorf("Content-Type %q, want application/x-test", aws.ToString(out.ContentType))
	}
	if out.Metadata["origin"] != "go-sdk" {
		t.Errorf("metadata %v, want origin=go-sdk", out.Metadata)
	}
	ranged, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("dir/obj.bin"), Range: aws.String("bytes=100-199")})
	if err != nil {
		t.Fatalf("ranged GetObject: %v", err)
	}
	part, _ := io.ReadAll(ranged.Body)
	ranged.Body.Close()
	mustEqualBytes(t, "ranged GetObject", part, data[100:200])

	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("missing")})
	var nsk *types.NoSuchKey
	if !errors.As(err, &nsk) {
		t.Errorf("GetObject of a missing key: %v, want NoSuchKey", err)
	}
}

func TestAwsSdkListObjectsV2PaginatorVisitsEveryKeyOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := newAwsClient(t)
	b := awsBucket(t, ctx, c)
	var want []string
	for i := 0; i < 7; i++ {
		key := fmt.Sprintf("logs/2024/%02d.txt", i)
		want = append(want, key)
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(key), Body: strings.NewReader(key)}); err != nil {
			t.Fatalf("PutObject %s: %v", key, err)
		}
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("other.txt"), Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(b), Prefix: aws.String("logs/"), MaxKeys: aws.Int32(3)})
	var got []string
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListObjectsV2 page %d: %v", pages+1, err)
		}
		pages++
		for _, o := range page.Contents {
			got = append(got, aws.ToString(o.Key))
		}
	}
	if pages != 3 {
		t.Errorf("%d pages for 7 keys by 3, want 3", pages)
	}
	sort.Strings(got)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("listed %v, want %v", got, want)
	}
	d, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b), Delimiter: aws.String("/")})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.CommonPrefixes) != 1 || aws.ToString(d.CommonPrefixes[0].Prefix) != "logs/" || len(d.Contents) != 1 {
		t.Errorf("delimiter listing: prefixes %v, %d objects; want [logs/] and 1 object", d.CommonPrefixes, len(d.Contents))
	}
}

func TestAwsSdkManagerUploaderSendsMultipartInFiveMiBParts(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	c := newAwsClient(t)
	b := awsBucket(t, ctx, c)
	data := randomBytes(t, 17*mib+123) // 4 parts: 5+5+5+2 MiB
	up := manager.NewUploader(c, func(u *manager.Uploader) {
		u.PartSize = 5 * mib
		u.Concurrency = 2
		u.LeavePartsOnError = false
	})
	res, err := up.Upload(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("big/upload.bin"), Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatalf("manager.Uploader.Upload (multipart): %v", err)
	}
	if res.UploadID == "" {
		t.Errorf("the uploader did not use multipart upload for %d bytes", len(data))
	}
	if etag := aws.ToString(res.ETag); !strings.HasSuffix(strings.Trim(etag, `"`), "-4") {
		t.Errorf("ETag %s, want a multipart ETag ending in -4", etag)
	}
	mustEqualBytes(t, "multipart object read back", getAll(t, ctx, c, b, "big/upload.bin"), data)
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("big/upload.bin")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt64(head.ContentLength) != int64(len(data)) {
		t.Errorf("HEAD Content-Length %d, want %d", aws.ToInt64(head.ContentLength), len(data))
	}
}

func TestAwsSdkDeleteObjectsRemovesEveryKeyAndReportsThem(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := newAwsClient(t)
	b := awsBucket(t, ctx, c)
	var ids []types.ObjectIdentifier
	for i := 0; i < 5; i++ {
		key := fmt.Sprintf("del/%d", i)
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(key), Body: strings.NewReader(key)}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, types.ObjectIdentifier{Key: aws.String(key)})
	}
	ids = append(ids, types.ObjectIdentifier{Key: aws.String("del/never-existed")})
	out, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(b), Delete: &types.Delete{Objects: ids}})
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) {
			t.Fatalf("DeleteObjects: %s: %s", ae.ErrorCode(), ae.ErrorMessage())
		}
		t.Fatalf("DeleteObjects: %v", err)
	}
	if len(out.Errors) != 0 {
		t.Errorf("DeleteObjects errors: %+v", out.Errors)
	}
	if len(out.Deleted) != 6 {
		t.Errorf("DeleteObjects reported %d deleted, want 6 (a missing key counts as deleted)", len(out.Deleted))
	}
	l, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b)})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Contents) != 0 {
		t.Errorf("%d objects left after DeleteObjects", len(l.Contents))
	}
}
