// Package srtest runs an in-process schema registry that serves the
// Confluent Schema Registry REST API on loopback, for tests and examples
// of code that uses a registry.
//
// It keeps subjects, versions, global ids (one id per distinct schema,
// shared across subjects, as Confluent's registry does), references,
// soft and hard deletes, compatibility levels and modes. Avro schemas are
// parsed (with their references) and checked for compatibility with
// github.com/hamba/avro/v2 at every level; JSON schemas must be JSON;
// Protobuf schemas must declare a reference for each import outside the
// well-known types, but are not parsed, and neither they nor JSON
// schemas get compatibility checks. It can require basic or bearer
// authentication, serve TLS, count requests and fail requests on demand.
package srtest

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Options configures a Server.
type Options struct {
	// User and Password, when User is set, make every request need HTTP
	// basic authentication with them.
	User, Password string
	// BearerToken, when set, makes every request need "Authorization:
	// Bearer <BearerToken>".
	BearerToken string
	// TLS serves https with a self-signed certificate (see
	// Server.HTTPClient and Server.Certificate).
	TLS bool
	// PathPrefix serves the API under a prefix such as
	// "/apis/ccompat/v7".
	PathPrefix string
}

// Server is an in-process schema registry. Its methods are safe for
// concurrent use.
type Server struct {
	srv      *httptest.Server
	opts     Options
	requests atomic.Int64
	failMu   sync.Mutex // guards fails; a leaf lock
	fails    []int      // statuses of the next requests to fail

	mu       sync.Mutex // guards the registry state below; a leaf lock
	schemas  []stored   // by id-1
	subjects map[string]*subject
	compat   string
	subCompt map[string]string
	mode     string
	subMode  map[string]string
}

// stored is one distinct schema, with the id it got.
type stored struct {
	id   int
	typ  string
	text string
	refs []reference
	key  string // identity: type, canonical text, references
}

// subject is a subject's versions in order.
type subject struct {
	versions []version
}

// version is one version of a subject.
type version struct {
	num     int
	id      int
	deleted bool
}

type reference struct {
	Name    string `json:"name"`
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

// NewServer starts a Server on loopback; Close stops it.
func NewServer(opts Options) *Server {
	s := &Server{opts: opts, subjects: map[string]*subject{}, compat: "BACKWARD",
		subCompt: map[string]string{}, mode: "READWRITE", subMode: map[string]string{}}
	mux := http.NewServeMux()
	s.routes(mux, strings.TrimSuffix(opts.PathPrefix, "/"))
	h := http.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serve(mux, w, r) }))
	s.srv = httptest.NewUnstartedServer(h)
	// A client that refuses the certificate is a test's business, not
	// noise in its log.
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if opts.TLS {
		s.srv.StartTLS()
	} else {
		s.srv.Start()
	}
	return s
}

// URL is the registry's base URL, with the PathPrefix.
func (s *Server) URL() string { return s.srv.URL + strings.TrimSuffix(s.opts.PathPrefix, "/") }

// HTTPClient returns an HTTP client that trusts the Server's TLS
// certificate.
func (s *Server) HTTPClient() *http.Client { return s.srv.Client() }

// Certificate returns the TLS certificate the Server presents, in DER,
// or nil without TLS.
func (s *Server) Certificate() []byte {
	if c := s.srv.Certificate(); c != nil {
		return c.Raw
	}
	return nil
}

// Close stops the Server.
func (s *Server) Close() { s.srv.Close() }

// Requests returns how many requests the Server has received.
func (s *Server) Requests() int64 { return s.requests.Load() }

// FailNext makes the next len(statuses) requests fail with these HTTP
// statuses (a registry error body with the status as error code), in
// order, before they are handled. It panics on a status outside 400-599.
func (s *Server) FailNext(statuses ...int) {
	for _, st := range statuses {
		if st < 400 || st > 599 {
			panic(fmt.Sprintf("srtest: FailNext(%d): not an error status", st))
		}
	}
	s.failMu.Lock()
	defer s.failMu.Unlock()
	s.fails = append(s.fails, statuses...)
}

// serve authenticates, injects failures and dispatches.
func (s *Server) serve(mux *http.ServeMux, w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if !s.authorized(r) {
		writeError(w, http.StatusUnauthorized, 401, "Unauthorized")
		return
	}
	s.failMu.Lock()
	fail := 0
	if len(s.fails) > 0 {
		fail, s.fails = s.fails[0], s.fails[1:]
	}
	s.failMu.Unlock()
	if fail != 0 {
		writeError(w, fail, fail, "injected failure")
		return
	}
	mux.ServeHTTP(w, r)
}

func (s *Server) authorized(r *http.Request) bool {
	switch {
	case s.opts.User != "":
		u, p, ok := r.BasicAuth()
		return ok && u == s.opts.User && p == s.opts.Password
	case s.opts.BearerToken != "":
		return r.Header.Get("Authorization") == "Bearer "+s.opts.BearerToken
	}
	return true
}

// apiError is an error answer.
type apiError struct {
	status, code int
	msg          string
}

func (e *apiError) Error() string { return e.msg }

func errorf(status, code int, format string, args ...any) *apiError {
	return &apiError{status, code, fmt.Sprintf(format, args...)}
}

func writeError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error_code": code, "message": msg})
}

// handler adapts a function returning an answer or an *apiError.
func handler(fn func(r *http.Request) (any, *apiError)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		out, err := fn(r)
		if err != nil {
			writeError(w, err.status, err.code, err.msg)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
		_ = json.NewEncoder(w).Encode(out)
	}
}

// routes registers the API under prefix.
func (s *Server) routes(mux *http.ServeMux, prefix string) {
	for pattern, fn := range map[string]func(*http.Request) (any, *apiError){
		"GET /subjects":                                             s.listSubjects,
		"GET /subjects/{subject}/versions":                          s.listVersions,
		"GET /subjects/{subject}/versions/{version}":                s.getVersion,
		"GET /subjects/{subject}/versions/{version}/schema":         s.getVersionSchema,
		"POST /subjects/{subject}/versions":                         s.register,
		"POST /subjects/{subject}":                                  s.lookup,
		"DELETE /subjects/{subject}":                                s.deleteSubject,
		"DELETE /subjects/{subject}/versions/{version}":             s.deleteVersion,
		"GET /schemas/ids/{id}":                                     s.getByID,
		"GET /schemas/ids/{id}/versions":                            s.versionsByID,
		"GET /schemas/ids/{id}/subjects":                            s.subjectsByID,
		"POST /compatibility/subjects/{subject}/versions/{version}": s.checkCompat,
		"GET /config":              s.getConfig,
		"PUT /config":              s.putConfig,
		"GET /config/{subject}":    s.getConfig,
		"PUT /config/{subject}":    s.putConfig,
		"DELETE /config/{subject}": s.deleteConfig,
		"GET /mode":                s.getMode,
		"PUT /mode":                s.putMode,
		"GET /mode/{subject}":      s.getMode,
		"PUT /mode/{subject}":      s.putMode,
		"DELETE /mode/{subject}":   s.deleteMode,
	} {
		method, path, _ := strings.Cut(pattern, " ")
		mux.Handle(method+" "+prefix+path, handler(fn))
	}
}

// live returns the versions of sub not deleted.
func (sub *subject) live() []version {
	var out []version
	for _, v := range sub.versions {
		if !v.deleted {
			out = append(out, v)
		}
	}
	return out
}

// liveSubject returns the subject named name if it has live versions.
func (s *Server) liveSubject(name string) (*subject, *apiError) {
	sub := s.subjects[name]
	if sub == nil || len(sub.live()) == 0 {
		return nil, errorf(404, 40401, "Subject '%s' not found.", name)
	}
	return sub, nil
}

// findVersion returns version spec ("latest", "-1" or a number) of sub.
func (s *Server) findVersion(name, spec string, deleted bool) (version, *apiError) {
	sub := s.subjects[name]
	if sub == nil {
		return version{}, errorf(404, 40401, "Subject '%s' not found.", name)
	}
	vs := sub.live()
	if deleted {
		vs = sub.versions
	}
	if spec == "latest" || spec == "-1" {
		if len(vs) == 0 {
			return version{}, errorf(404, 40401, "Subject '%s' not found.", name)
		}
		return vs[len(vs)-1], nil
	}
	var n int
	if _, err := fmt.Sscanf(spec, "%d", &n); err != nil || n <= 0 {
		return version{}, errorf(422, 42202, "The specified version '%s' is not a valid version id.", spec)
	}
	i := slices.IndexFunc(vs, func(v version) bool { return v.num == n })
	if i < 0 {
		return version{}, errorf(404, 40402, "Version %d not found.", n)
	}
	return vs[i], nil
}

// subjectSchema is the answer describing one version.
func (s *Server) subjectSchema(name string, v version) map[string]any {
	st := s.schemas[v.id-1]
	out := map[string]any{"subject": name, "version": v.num, "id": v.id, "schema": st.text}
	if st.typ != "AVRO" {
		out["schemaType"] = st.typ
	}
	if len(st.refs) > 0 {
		out["references"] = st.refs
	}
	return out
}
