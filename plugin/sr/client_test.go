package sr_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samsa-go/samsa/plugin/sr"
	"github.com/samsa-go/samsa/plugin/sr/srtest"
	"github.com/twmb/franz-go/pkg/sr/srfake"
)

const (
	moneyAvro = `{"type":"record","name":"Money","namespace":"samsa.test","fields":[
		{"name":"currency","type":"string"},{"name":"units","type":"long"}]}`
	userV1 = `{"type":"record","name":"User","namespace":"samsa.test","fields":[
		{"name":"name","type":"string"}]}`
	userV2 = `{"type":"record","name":"User","namespace":"samsa.test","fields":[
		{"name":"name","type":"string"},{"name":"age","type":"int","default":-1}]}`
	// userBad drops the default: it cannot read data written with userV1.
	userBad = `{"type":"record","name":"User","namespace":"samsa.test","fields":[
		{"name":"name","type":"string"},{"name":"email","type":"string"}]}`
)

// recorder is a RoundTripper that records each request's method, escaped
// path and query.
type recorder struct {
	mu   sync.Mutex
	reqs []string
	next http.RoundTripper
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	line := req.Method + " " + req.URL.EscapedPath()
	if req.URL.RawQuery != "" {
		line += "?" + req.URL.RawQuery
	}
	r.reqs = append(r.reqs, line)
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

func (r *recorder) requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

// newClient returns a Client of url recording its requests, closed at
// the end of the test.
func newClient(t testing.TB, url string, mod func(*sr.ClientConfig)) (*sr.Client, *recorder) {
	t.Helper()
	rec := &recorder{next: http.DefaultTransport}
	cfg := sr.ClientConfig{URLs: []string{url}, HTTPClient: &http.Client{Transport: rec},
		RetryBackoff: time.Millisecond, RetryMaxBackoff: 5 * time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	c, err := sr.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, rec
}

func newServer(t testing.TB, opts srtest.Options) *srtest.Server {
	s := srtest.NewServer(opts)
	t.Cleanup(s.Close)
	return s
}

// registries are the two in-process registries the client is checked
// against: this module's srtest and franz-go's srfake, written
// independently from the same documented API.
func registries(t *testing.T) map[string]string {
	ours := newServer(t, srtest.Options{})
	theirs := srfake.New()
	t.Cleanup(theirs.Close)
	return map[string]string{"srtest": ours.URL(), "srfake": theirs.URL()}
}

func TestClientSubjectsVersionsAndLookups(t *testing.T) {
	for name, url := range registries(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			c, _ := newClient(t, url, nil)
			id1, err := c.Register(ctx, "users-value", sr.Schema{Schema: userV1, Type: sr.Avro}, false)
			if err != nil {
				t.Fatal(err)
			}
			id2, err := c.Register(ctx, "users-value", sr.Schema{Schema: userV2}, false)
			if err != nil {
				t.Fatal(err)
			}
			if id1 == id2 || id1 <= 0 {
				t.Fatalf("ids %d and %d: want two distinct positive ids", id1, id2)
			}
			// The same schema under another subject keeps its id.
			if id, err := c.Register(ctx, "other-value", sr.Schema{Schema: userV1}, false); err != nil || id != id1 {
				t.Fatalf("same schema in another subject: id %d, %v; want %d", id, err, id1)
			}
			subjects, err := c.Subjects(ctx)
			if err != nil || !slices.Equal(subjects, []string{"other-value", "users-value"}) {
				t.Fatalf("Subjects = %v, %v", subjects, err)
			}
			versions, err := c.Versions(ctx, "users-value")
			if err != nil || !slices.Equal(versions, []int{1, 2}) {
				t.Fatalf("Versions = %v, %v", versions, err)
			}
			latest, err := c.SchemaByVersion(ctx, "users-value", sr.Latest)
			if err != nil || latest.ID != id2 || latest.Version != 2 || latest.Type != sr.Avro || latest.Subject != "users-value" {
				t.Fatalf("latest = %+v, %v", latest, err)
			}
			v1, err := c.SchemaByVersion(ctx, "users-value", 1)
			if err != nil || v1.ID != id1 || !strings.Contains(v1.Schema.Schema, `"name"`) {
				t.Fatalf("version 1 = %+v, %v", v1, err)
			}
			got, err := c.LookupSchema(ctx, "users-value", sr.Schema{Schema: userV2, Type: sr.Avro}, false)
			if err != nil || got.ID != id2 || got.Version != 2 {
				t.Fatalf("LookupSchema = %+v, %v", got, err)
			}
			byID, err := c.SchemaByID(ctx, id2)
			if err != nil || byID.Type != sr.Avro || !strings.Contains(byID.Schema, "age") {
				t.Fatalf("SchemaByID = %+v, %v", byID, err)
			}
			uses, err := c.SubjectVersionsByID(ctx, id1)
			if err != nil || len(uses) != 2 {
				t.Fatalf("SubjectVersionsByID = %+v, %v", uses, err)
			}
			_, err = c.LookupSchema(ctx, "users-value", sr.Schema{Schema: moneyAvro}, false)
			if !errors.Is(err, sr.ErrSchemaNotFound) {
				t.Fatalf("looking up an unregistered schema: %v; want ErrSchemaNotFound", err)
			}
			_, err = c.Versions(ctx, "nobody")
			var e *sr.Error
			if !errors.Is(err, sr.ErrSubjectNotFound) || !errors.As(err, &e) || e.StatusCode != 404 || e.Code != 40401 || e.Message == "" {
				t.Fatalf("Versions of a missing subject: %#v; want a 404 with code 40401 and a message", err)
			}
			deleted, err := c.DeleteSubject(ctx, "other-value", false)
			if err != nil || !slices.Equal(deleted, []int{1}) {
				t.Fatalf("DeleteSubject = %v, %v", deleted, err)
			}
			if _, err := c.DeleteSubject(ctx, "other-value", true); err != nil {
				t.Fatalf("hard delete after the soft one: %v", err)
			}
			if subjects, _ := c.Subjects(ctx); !slices.Equal(subjects, []string{"users-value"}) {
				t.Fatalf("Subjects after deleting other-value = %v", subjects)
			}
		})
	}
}

func TestClientConfigModeAndCompatibility(t *testing.T) {
	for name, url := range registries(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			c, _ := newClient(t, url, nil)
			if _, err := c.Register(ctx, "users-value", sr.Schema{Schema: userV1}, false); err != nil {
				t.Fatal(err)
			}
			if err := c.SetConfig(ctx, "", sr.CompatFull); err != nil {
				t.Fatal(err)
			}
			if lvl, err := c.Config(ctx, ""); err != nil || lvl != sr.CompatFull {
				t.Fatalf("global Config = %q, %v", lvl, err)
			}
			if lvl, err := c.Config(ctx, "users-value"); err != nil || lvl != sr.CompatFull {
				t.Fatalf("subject Config defaulting to global = %q, %v", lvl, err)
			}
			if err := c.SetConfig(ctx, "users-value", sr.CompatBackward); err != nil {
				t.Fatal(err)
			}
			if lvl, err := c.Config(ctx, "users-value"); err != nil || lvl != sr.CompatBackward {
				t.Fatalf("subject Config = %q, %v", lvl, err)
			}
			res, err := c.CheckCompatibility(ctx, "users-value", sr.Latest, sr.Schema{Schema: userV2})
			if err != nil || !res.IsCompatible {
				t.Fatalf("adding a field with a default: %+v, %v; want compatible", res, err)
			}
			if name == "srtest" { // srfake does not check Avro compatibility
				res, err = c.CheckCompatibility(ctx, "users-value", 1, sr.Schema{Schema: userBad})
				if err != nil || res.IsCompatible || len(res.Messages) == 0 {
					t.Fatalf("adding a field without a default: %+v, %v; want incompatible with reasons", res, err)
				}
				_, err = c.Register(ctx, "users-value", sr.Schema{Schema: userBad}, false)
				if !errors.Is(err, sr.ErrIncompatibleSchema) {
					t.Fatalf("registering an incompatible schema: %v; want ErrIncompatibleSchema", err)
				}
			}
			if err := c.DeleteConfig(ctx, "users-value"); err != nil {
				t.Fatal(err)
			}
			if err := c.SetMode(ctx, "users-value", sr.ModeReadOnly, false); err != nil {
				t.Fatal(err)
			}
			if m, err := c.Mode(ctx, "users-value"); err != nil || m != sr.ModeReadOnly {
				t.Fatalf("Mode = %q, %v", m, err)
			}
			if m, err := c.Mode(ctx, ""); err != nil || m != sr.ModeReadWrite {
				t.Fatalf("global Mode = %q, %v", m, err)
			}
			if _, err := c.Register(ctx, "users-value", sr.Schema{Schema: userV2}, false); err == nil && name == "srtest" {
				t.Fatal("registered in a READONLY subject") // srfake does not enforce modes
			}
			if err := c.DeleteMode(ctx, "users-value"); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Register(ctx, "users-value", sr.Schema{Schema: userV2}, false); err != nil {
				t.Fatalf("registering after the subject's mode was removed: %v", err)
			}
		})
	}
}

// Subject names with slashes (Protobuf import paths) are escaped as one
// path segment.
func TestClientEscapesSubjects(t *testing.T) {
	s := newServer(t, srtest.Options{})
	c, rec := newClient(t, s.URL(), nil)
	ctx := context.Background()
	sch := sr.Schema{Schema: `{"type":"string"}`, Type: sr.JSON}
	if _, err := c.Register(ctx, "a/b c.json", sch, true); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SchemaByVersion(ctx, "a/b c.json", 1); err != nil {
		t.Fatal(err)
	}
	want := []string{"POST /subjects/a%2Fb%20c.json/versions?normalize=true", "GET /subjects/a%2Fb%20c.json/versions/1"}
	if got := rec.requests(); !slices.Equal(got, want) {
		t.Fatalf("requests %q, want %q", got, want)
	}
}

// Answers that cannot change are served from the cache.
func TestClientCaches(t *testing.T) {
	s := newServer(t, srtest.Options{})
	c, rec := newClient(t, s.URL(), func(cfg *sr.ClientConfig) { cfg.LatestCacheTTL = time.Hour })
	ctx := context.Background()
	sch := sr.Schema{Schema: userV1, Type: sr.Avro}
	id, err := c.Register(ctx, "u", sch, false)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if got, err := c.Register(ctx, "u", sch, false); err != nil || got != id {
			t.Fatal(got, err)
		}
		if _, err := c.SchemaByID(ctx, id); err != nil {
			t.Fatal(err)
		}
		if _, err := c.LookupSchema(ctx, "u", sch, false); err != nil {
			t.Fatal(err)
		}
		if _, err := c.LatestSchema(ctx, "u"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.SchemaByVersion(ctx, "u", 1); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"POST /subjects/u/versions", "POST /subjects/u", "GET /subjects/u/versions/latest"}
	if got := rec.requests(); !slices.Equal(got, want) {
		t.Fatalf("requests %q, want %q (one each, the rest from the cache)", got, want)
	}
}

func TestClientRetriesServerErrors(t *testing.T) {
	s := newServer(t, srtest.Options{})
	c, rec := newClient(t, s.URL(), nil)
	ctx := context.Background()
	s.FailNext(503, 500, 429)
	if _, err := c.Subjects(ctx); err != nil {
		t.Fatalf("after three retryable failures and three retries: %v", err)
	}
	if n := len(rec.requests()); n != 4 {
		t.Fatalf("%d requests, want 4", n)
	}
	s.FailNext(503, 503, 503, 503, 503)
	_, err := c.Subjects(ctx)
	var e *sr.Error
	if !errors.As(err, &e) || e.StatusCode != 503 || e.Message != "injected failure" {
		t.Fatalf("after exhausting the retries: %v; want the 503", err)
	}
	if n := len(rec.requests()); n != 8 {
		t.Fatalf("%d requests, want 8 (1 + 3 retries)", n)
	}
	_, _ = c.Subjects(ctx) // consumes the fifth injected failure
	before := len(rec.requests())
	_, err = c.Versions(ctx, "missing")
	if !errors.Is(err, sr.ErrSubjectNotFound) || len(rec.requests()) != before+1 {
		t.Fatalf("a 404: %v after %d requests; want one request, not retried", err, len(rec.requests())-before)
	}
}

func TestClientRetryStopsWithContext(t *testing.T) {
	s := newServer(t, srtest.Options{})
	c, _ := newClient(t, s.URL(), func(cfg *sr.ClientConfig) {
		cfg.RetryBackoff, cfg.RetryMaxBackoff, cfg.Retries = time.Hour, time.Hour, 5
	})
	s.FailNext(503)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Subjects(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, &sr.Error{Code: 503}) {
		t.Fatalf("err = %v; want the deadline and the 503 it ended", err)
	}
}

// A request that cannot reach the first URL goes to the next.
func TestClientFailsOverToTheNextURL(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close()
	s := newServer(t, srtest.Options{})
	c, _ := newClient(t, dead, func(cfg *sr.ClientConfig) { cfg.URLs = append(cfg.URLs, s.URL()) })
	if _, err := c.Register(context.Background(), "x", sr.Schema{Schema: userV1}, false); err != nil {
		t.Fatalf("with the first URL down: %v", err)
	}
}

func TestClientAuthentication(t *testing.T) {
	ctx := context.Background()
	t.Run("basic", func(t *testing.T) {
		s := newServer(t, srtest.Options{User: "alice", Password: "s3cret"})
		good, _ := newClient(t, s.URL(), func(cfg *sr.ClientConfig) { cfg.BasicAuth = &sr.BasicAuth{User: "alice", Password: "s3cret"} })
		if _, err := good.Subjects(ctx); err != nil {
			t.Fatal(err)
		}
		bad, rec := newClient(t, s.URL(), func(cfg *sr.ClientConfig) { cfg.BasicAuth = &sr.BasicAuth{User: "alice", Password: "wrong"} })
		if _, err := bad.Subjects(ctx); !errors.Is(err, sr.ErrUnauthorized) || len(rec.requests()) != 1 {
			t.Fatalf("wrong password: %v after %d requests; want ErrUnauthorized, not retried", err, len(rec.requests()))
		}
	})
	t.Run("bearer", func(t *testing.T) {
		s := newServer(t, srtest.Options{BearerToken: "tok-2"})
		calls := 0
		c, _ := newClient(t, s.URL(), func(cfg *sr.ClientConfig) {
			cfg.BearerToken = func(context.Context) (string, error) { calls++; return "tok-" + string(rune('0'+calls)), nil }
		})
		if _, err := c.Subjects(ctx); !errors.Is(err, sr.ErrUnauthorized) {
			t.Fatalf("first token: %v; want ErrUnauthorized", err)
		}
		if _, err := c.Subjects(ctx); err != nil {
			t.Fatalf("refreshed token: %v", err)
		}
	})
	t.Run("tls", func(t *testing.T) {
		s := newServer(t, srtest.Options{TLS: true})
		cert, err := x509.ParseCertificate(s.Certificate())
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		pool.AddCert(cert)
		c, err := sr.NewClient(sr.ClientConfig{URLs: []string{s.URL()}, TLS: &tls.Config{RootCAs: pool}, Retries: -1})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Subjects(ctx); err != nil {
			t.Fatalf("with the server's CA: %v", err)
		}
		untrusting, _ := sr.NewClient(sr.ClientConfig{URLs: []string{s.URL()}, Retries: -1})
		defer untrusting.Close()
		if _, err := untrusting.Subjects(ctx); err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("without the server's CA: %v; want a certificate error", err)
		}
	})
}

func TestNewClientRefusesBadConfig(t *testing.T) {
	for _, cfg := range []sr.ClientConfig{
		{},
		{URLs: []string{"registry:8081"}},
		{URLs: []string{"http://r"}, BasicAuth: &sr.BasicAuth{}, BearerToken: func(context.Context) (string, error) { return "", nil }},
	} {
		if _, err := sr.NewClient(cfg); err == nil {
			t.Errorf("NewClient(%+v) accepted", cfg)
		}
	}
}
