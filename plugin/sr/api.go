package sr

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
)

// SchemaType is the kind of a schema, as the registry names it.
type SchemaType string

// The schema types. The registry omits the type of Avro schemas; the
// Client reports them as Avro.
const (
	Avro     SchemaType = "AVRO"
	Protobuf SchemaType = "PROTOBUF"
	JSON     SchemaType = "JSON"
)

// Reference is a schema's reference to another registered schema: a
// Protobuf import (Name is the import path), a JSON Schema $ref (Name is
// the referenced URL) or an Avro named type defined in another schema
// (Name is the type's full name).
type Reference struct {
	Name    string `json:"name"`
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

// Schema is a schema's text with its type and references.
type Schema struct {
	Schema     string      `json:"schema"`
	Type       SchemaType  `json:"schemaType,omitempty"`
	References []Reference `json:"references,omitempty"`
}

// SubjectSchema is a schema registered under a subject: its global id and
// its version within the subject.
type SubjectSchema struct {
	Subject string `json:"subject"`
	Version int    `json:"version"`
	ID      int    `json:"id"`
	Schema
}

// SubjectVersion names one version of one subject.
type SubjectVersion struct {
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

// Latest is the version number that asks for a subject's latest version.
const Latest = -1

// Compatibility is a compatibility level (the registry's config).
type Compatibility string

// The compatibility levels.
const (
	CompatNone               Compatibility = "NONE"
	CompatBackward           Compatibility = "BACKWARD"
	CompatBackwardTransitive Compatibility = "BACKWARD_TRANSITIVE"
	CompatForward            Compatibility = "FORWARD"
	CompatForwardTransitive  Compatibility = "FORWARD_TRANSITIVE"
	CompatFull               Compatibility = "FULL"
	CompatFullTransitive     Compatibility = "FULL_TRANSITIVE"
)

// Mode is a registry's or subject's mode.
type Mode string

// The modes.
const (
	ModeReadWrite Mode = "READWRITE"
	ModeReadOnly  Mode = "READONLY"
	ModeImport    Mode = "IMPORT"
)

// CompatibilityResult is the answer of a compatibility check.
type CompatibilityResult struct {
	IsCompatible bool     `json:"is_compatible"`
	Messages     []string `json:"messages,omitempty"`
}

// typed returns s with an empty type read as Avro.
func (s Schema) typed() Schema {
	if s.Type == "" {
		s.Type = Avro
	}
	return s
}

// wire returns s as sent: an Avro schema without its type, as every
// registry accepts.
func (s Schema) wire() Schema {
	if s.Type == Avro {
		s.Type = ""
	}
	return s
}

// versionSeg is a version number as a path segment.
func versionSeg(v int) string {
	if v == Latest {
		return "latest"
	}
	return strconv.Itoa(v)
}

// boolQuery returns q with key=true when b, else q unchanged.
func boolQuery(key string, b bool) url.Values {
	if !b {
		return nil
	}
	return url.Values{key: {"true"}}
}

// Subjects returns the registered subjects (GET /subjects).
func (c *Client) Subjects(ctx context.Context) ([]string, error) {
	var out []string
	err := c.do(ctx, "GET", []string{"subjects"}, nil, nil, &out)
	return out, err
}

// Versions returns the versions of subject (GET /subjects/{subject}/versions).
func (c *Client) Versions(ctx context.Context, subject string) ([]int, error) {
	var out []int
	err := c.do(ctx, "GET", []string{"subjects", subject, "versions"}, nil, nil, &out)
	return out, err
}

// SchemaByVersion returns version of subject, or its latest version for
// Latest. A numbered version is cached; Latest is fetched every time (see
// LatestSchema for the cached one).
func (c *Client) SchemaByVersion(ctx context.Context, subject string, version int) (SubjectSchema, error) {
	if version != Latest {
		if s, ok := c.cache.version(subject, version); ok {
			return s, nil
		}
	}
	var out SubjectSchema
	if err := c.do(ctx, "GET", []string{"subjects", subject, "versions", versionSeg(version)}, nil, nil, &out); err != nil {
		return SubjectSchema{}, err
	}
	out.Schema = out.Schema.typed()
	c.cache.putVersion(out)
	return out, nil
}

// LatestSchema returns the latest version of subject, cached for
// ClientConfig.LatestCacheTTL.
func (c *Client) LatestSchema(ctx context.Context, subject string) (SubjectSchema, error) {
	if s, ok := c.cache.latest(subject, c.cfg.LatestCacheTTL); ok {
		return s, nil
	}
	s, err := c.SchemaByVersion(ctx, subject, Latest)
	if err != nil {
		return SubjectSchema{}, err
	}
	c.cache.putLatest(s, c.cfg.LatestCacheTTL)
	return s, nil
}

// Register registers s under subject and returns its id (POST
// /subjects/{subject}/versions); registering a schema the subject already
// has returns its id. normalize asks the registry to normalize the schema
// first (normalize.schemas). The answer is cached.
func (c *Client) Register(ctx context.Context, subject string, s Schema, normalize bool) (int, error) {
	s = s.typed()
	key := schemaKey(subject, s, normalize)
	if ss, ok := c.cache.bySchema(key); ok {
		return ss.ID, nil
	}
	var out struct {
		ID int `json:"id"`
	}
	err := c.do(ctx, "POST", []string{"subjects", subject, "versions"}, boolQuery("normalize", normalize), s.wire(), &out)
	if err != nil {
		return 0, err
	}
	c.cache.putSchema(key, SubjectSchema{Subject: subject, ID: out.ID, Schema: s})
	return out.ID, nil
}

// LookupSchema returns the id and version of s under subject (POST
// /subjects/{subject}), or an error matching ErrSchemaNotFound or
// ErrSubjectNotFound. The answer is cached.
func (c *Client) LookupSchema(ctx context.Context, subject string, s Schema, normalize bool) (SubjectSchema, error) {
	s = s.typed()
	key := schemaKey(subject, s, normalize)
	if ss, ok := c.cache.bySchema(key); ok && ss.Version != 0 {
		return ss, nil
	}
	var out SubjectSchema
	err := c.do(ctx, "POST", []string{"subjects", subject}, boolQuery("normalize", normalize), s.wire(), &out)
	if err != nil {
		return SubjectSchema{}, err
	}
	out.Schema = out.Schema.typed()
	c.cache.putSchema(key, out)
	return out, nil
}

// SchemaByID returns the schema with the global id (GET
// /schemas/ids/{id}), cached for the Client's lifetime.
func (c *Client) SchemaByID(ctx context.Context, id int) (Schema, error) {
	if s, ok := c.cache.byID(id); ok {
		return s, nil
	}
	var out Schema
	if err := c.do(ctx, "GET", []string{"schemas", "ids", strconv.Itoa(id)}, nil, nil, &out); err != nil {
		return Schema{}, err
	}
	out = out.typed()
	c.cache.putID(id, out)
	return out, nil
}

// SubjectVersionsByID returns the subjects and versions that hold the
// schema with the global id (GET /schemas/ids/{id}/versions).
func (c *Client) SubjectVersionsByID(ctx context.Context, id int) ([]SubjectVersion, error) {
	var out []SubjectVersion
	err := c.do(ctx, "GET", []string{"schemas", "ids", strconv.Itoa(id), "versions"}, nil, nil, &out)
	return out, err
}

// CheckCompatibility checks s against version of subject (Latest for the
// latest; POST /compatibility/subjects/{subject}/versions/{version}),
// with the registry's reasons when it is not compatible.
func (c *Client) CheckCompatibility(ctx context.Context, subject string, version int, s Schema) (CompatibilityResult, error) {
	var out CompatibilityResult
	path := []string{"compatibility", "subjects", subject, "versions", versionSeg(version)}
	err := c.do(ctx, "POST", path, boolQuery("verbose", true), s.typed().wire(), &out)
	return out, err
}

// DeleteSubject deletes subject (soft, or hard when permanent; a hard
// delete needs a soft one first) and returns the versions it had.
func (c *Client) DeleteSubject(ctx context.Context, subject string, permanent bool) ([]int, error) {
	var out []int
	err := c.do(ctx, "DELETE", []string{"subjects", subject}, boolQuery("permanent", permanent), nil, &out)
	c.cache.forgetSubject(subject)
	return out, err
}

// DeleteVersion deletes one version of subject (soft, or hard when
// permanent) and returns its number.
func (c *Client) DeleteVersion(ctx context.Context, subject string, version int, permanent bool) (int, error) {
	var out int
	err := c.do(ctx, "DELETE", []string{"subjects", subject, "versions", versionSeg(version)}, boolQuery("permanent", permanent), nil, &out)
	c.cache.forgetSubject(subject)
	return out, err
}

// configPath is the path of the global ("" subject) or a subject's
// config or mode.
func configPath(kind, subject string) []string {
	if subject == "" {
		return []string{kind}
	}
	return []string{kind, subject}
}

// Config returns the compatibility level of subject, or the global one
// for "" (GET /config[/{subject}]). A subject without a level of its own
// reports the global one (defaultToGlobal).
func (c *Client) Config(ctx context.Context, subject string) (Compatibility, error) {
	var out struct {
		Level Compatibility `json:"compatibilityLevel"`
		Alt   Compatibility `json:"compatibility"`
	}
	err := c.do(ctx, "GET", configPath("config", subject), boolQuery("defaultToGlobal", subject != ""), nil, &out)
	if out.Level == "" {
		out.Level = out.Alt
	}
	return out.Level, err
}

// SetConfig sets the compatibility level of subject, or the global one
// for "" (PUT /config[/{subject}]).
func (c *Client) SetConfig(ctx context.Context, subject string, level Compatibility) error {
	in := map[string]Compatibility{"compatibility": level}
	return c.do(ctx, "PUT", configPath("config", subject), nil, in, nil)
}

// DeleteConfig removes subject's own compatibility level, so that the
// global one applies (DELETE /config/{subject}).
func (c *Client) DeleteConfig(ctx context.Context, subject string) error {
	if subject == "" {
		return fmt.Errorf("sr: DeleteConfig needs a subject")
	}
	return c.do(ctx, "DELETE", configPath("config", subject), nil, nil, nil)
}

// Mode returns the mode of subject, or the global one for "" (GET
// /mode[/{subject}]); a subject without a mode of its own reports the
// global one.
func (c *Client) Mode(ctx context.Context, subject string) (Mode, error) {
	var out struct {
		Mode Mode `json:"mode"`
	}
	err := c.do(ctx, "GET", configPath("mode", subject), boolQuery("defaultToGlobal", subject != ""), nil, &out)
	return out.Mode, err
}

// SetMode sets the mode of subject, or the global one for "" (PUT
// /mode[/{subject}]). force allows IMPORT on a registry or subject that
// has schemas.
func (c *Client) SetMode(ctx context.Context, subject string, mode Mode, force bool) error {
	in := map[string]Mode{"mode": mode}
	return c.do(ctx, "PUT", configPath("mode", subject), boolQuery("force", force), in, nil)
}

// DeleteMode removes subject's own mode (DELETE /mode/{subject}).
func (c *Client) DeleteMode(ctx context.Context, subject string) error {
	if subject == "" {
		return fmt.Errorf("sr: DeleteMode needs a subject")
	}
	return c.do(ctx, "DELETE", configPath("mode", subject), nil, nil, nil)
}

// schemaKey is the cache key of s under subject.
func schemaKey(subject string, s Schema, normalize bool) string {
	refs, _ := json.Marshal(s.References)
	n := "0"
	if normalize {
		n = "1"
	}
	return subject + "\x00" + n + string(s.Type) + "\x00" + string(refs) + "\x00" + s.Schema
}
