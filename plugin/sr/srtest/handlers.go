package srtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hamba/avro/v2"
)

func (s *Server) listSubjects(r *http.Request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []string{}
	for name, sub := range s.subjects {
		if len(sub.live()) > 0 || r.URL.Query().Get("deleted") == "true" {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (s *Server) listVersions(r *http.Request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, err := s.liveSubject(r.PathValue("subject"))
	if err != nil {
		return nil, err
	}
	out := []int{}
	for _, v := range sub.live() {
		out = append(out, v.num)
	}
	return out, nil
}

func (s *Server) getVersion(r *http.Request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := r.PathValue("subject")
	v, err := s.findVersion(name, r.PathValue("version"), r.URL.Query().Get("deleted") == "true")
	if err != nil {
		return nil, err
	}
	return s.subjectSchema(name, v), nil
}

func (s *Server) getVersionSchema(r *http.Request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, err := s.findVersion(r.PathValue("subject"), r.PathValue("version"), false)
	if err != nil {
		return nil, err
	}
	return json.RawMessage(s.schemas[v.id-1].text), nil
}

// request is a register, lookup or compatibility request body.
type request struct {
	Schema     string      `json:"schema"`
	SchemaType string      `json:"schemaType"`
	References []reference `json:"references"`
}

func decodeRequest(r *http.Request) (request, *apiError) {
	var req request
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		return req, errorf(422, 42201, "Invalid schema: the request body is not JSON: %v", err)
	}
	if req.SchemaType == "" {
		req.SchemaType = "AVRO"
	}
	return req, nil
}

// parsed is a request's schema checked and made canonical.
type parsed struct {
	canonical string
	avro      avro.Schema // for Avro
}

// parse checks req's schema (with its references) and returns its
// canonical form. The caller holds s.mu.
func (s *Server) parse(req request) (parsed, *apiError) {
	for _, ref := range req.References {
		if _, err := s.findVersion(ref.Subject, strconv.Itoa(ref.Version), false); err != nil {
			return parsed{}, errorf(422, 42201, "Invalid schema: reference %q: %s", ref.Name, err.msg)
		}
	}
	switch req.SchemaType {
	case "AVRO":
		names := &avro.SchemaCache{}
		if err := s.addAvroRefs(req.References, names, 0); err != nil {
			return parsed{}, err
		}
		sch, err := avro.ParseWithCache(req.Schema, "", names)
		if err != nil {
			return parsed{}, errorf(422, 42201, "Invalid schema: %v", err)
		}
		return parsed{canonical: sch.String(), avro: sch}, nil
	case "JSON":
		var b bytes.Buffer
		if err := json.Compact(&b, []byte(req.Schema)); err != nil {
			return parsed{}, errorf(422, 42201, "Invalid schema: not JSON: %v", err)
		}
		return parsed{canonical: b.String()}, nil
	case "PROTOBUF":
		return s.parseProto(req)
	}
	return parsed{}, errorf(422, 42201, "Invalid schema: unknown schema type %q", req.SchemaType)
}

// protoImport finds the import statements of a .proto file.
var protoImport = regexp.MustCompile(`(?m)^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"\s*;`)

// parseProto checks that every import of a .proto schema is a well-known
// type or one of its references.
func (s *Server) parseProto(req request) (parsed, *apiError) {
	if !strings.Contains(req.Schema, "message") && !strings.Contains(req.Schema, "enum") {
		return parsed{}, errorf(422, 42201, "Invalid schema: no message or enum in the .proto text")
	}
	for _, m := range protoImport.FindAllStringSubmatch(req.Schema, -1) {
		path := m[1]
		if strings.HasPrefix(path, "google/protobuf/") || strings.HasPrefix(path, "google/type/") {
			continue
		}
		if !slices.ContainsFunc(req.References, func(r reference) bool { return r.Name == path }) {
			return parsed{}, errorf(422, 42201, "Invalid schema: import %q has no reference", path)
		}
	}
	return parsed{canonical: strings.TrimSpace(req.Schema)}, nil
}

// addAvroRefs parses the Avro schemas of refs, depth first, into names.
func (s *Server) addAvroRefs(refs []reference, names *avro.SchemaCache, depth int) *apiError {
	if depth > 32 {
		return errorf(422, 42201, "Invalid schema: references nest too deep")
	}
	for _, ref := range refs {
		v, err := s.findVersion(ref.Subject, strconv.Itoa(ref.Version), false)
		if err != nil {
			return errorf(422, 42201, "Invalid schema: reference %q: %s", ref.Name, err.msg)
		}
		st := s.schemas[v.id-1]
		if err := s.addAvroRefs(st.refs, names, depth+1); err != nil {
			return err
		}
		if _, perr := avro.ParseWithCache(st.text, "", names); perr != nil {
			return errorf(422, 42201, "Invalid schema: reference %q: %v", ref.Name, perr)
		}
	}
	return nil
}

// schemaKey is the identity of a schema: type, canonical text, references.
func schemaKey(typ, canonical string, refs []reference) string {
	b, _ := json.Marshal(refs)
	return typ + "\x00" + string(b) + "\x00" + canonical
}

func (s *Server) register(r *http.Request) (any, *apiError) {
	req, err := decodeRequest(r)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	name := r.PathValue("subject")
	if s.modeOf(name) == "READONLY" {
		return nil, errorf(422, 42205, "Subject %s is in read-only mode", name)
	}
	p, err := s.parse(req)
	if err != nil {
		return nil, err
	}
	key := schemaKey(req.SchemaType, p.canonical, req.References)
	sub := s.subjects[name]
	if sub == nil {
		sub = &subject{}
		s.subjects[name] = sub
	}
	for _, v := range sub.live() {
		if s.schemas[v.id-1].key == key {
			return map[string]int{"id": v.id}, nil
		}
	}
	if msgs := s.incompatible(name, sub, req.SchemaType, p); len(msgs) > 0 {
		return nil, errorf(409, 409, "Schema being registered is incompatible with an earlier schema for subject \"%s\", details: %s", name, strings.Join(msgs, "; "))
	}
	id := s.idFor(req, key)
	num := 1
	if n := len(sub.versions); n > 0 {
		num = sub.versions[n-1].num + 1
	}
	sub.versions = append(sub.versions, version{num: num, id: id})
	return map[string]int{"id": id}, nil
}

// idFor returns the id of the schema with key, giving it a new one if it
// has none.
func (s *Server) idFor(req request, key string) int {
	for _, st := range s.schemas {
		if st.key == key {
			return st.id
		}
	}
	id := len(s.schemas) + 1
	s.schemas = append(s.schemas, stored{id: id, typ: req.SchemaType, text: req.Schema, refs: req.References, key: key})
	return id
}

func (s *Server) lookup(r *http.Request) (any, *apiError) {
	req, err := decodeRequest(r)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	name := r.PathValue("subject")
	sub, err := s.liveSubject(name)
	if err != nil {
		return nil, err
	}
	p, err := s.parse(req)
	if err != nil {
		return nil, err
	}
	key := schemaKey(req.SchemaType, p.canonical, req.References)
	for _, v := range sub.live() {
		if s.schemas[v.id-1].key == key {
			return s.subjectSchema(name, v), nil
		}
	}
	return nil, errorf(404, 40403, "Schema not found")
}

func (s *Server) deleteSubject(r *http.Request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := r.PathValue("subject")
	sub := s.subjects[name]
	if sub == nil || len(sub.versions) == 0 {
		return nil, errorf(404, 40401, "Subject '%s' not found.", name)
	}
	out := []int{}
	if r.URL.Query().Get("permanent") == "true" {
		if len(sub.live()) > 0 {
			return nil, errorf(404, 40405, "Subject '%s' was not deleted first before being permanently deleted", name)
		}
		for _, v := range sub.versions {
			out = append(out, v.num)
		}
		delete(s.subjects, name)
		return out, nil
	}
	if len(sub.live()) == 0 {
		return nil, errorf(404, 40404, "Subject '%s' was soft deleted.", name)
	}
	for i := range sub.versions {
		if !sub.versions[i].deleted {
			sub.versions[i].deleted = true
			out = append(out, sub.versions[i].num)
		}
	}
	return out, nil
}

func (s *Server) deleteVersion(r *http.Request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := r.PathValue("subject")
	permanent := r.URL.Query().Get("permanent") == "true"
	v, err := s.findVersion(name, r.PathValue("version"), permanent)
	if err != nil {
		return nil, err
	}
	sub := s.subjects[name]
	i := slices.IndexFunc(sub.versions, func(x version) bool { return x.num == v.num })
	if permanent {
		if !v.deleted {
			return nil, errorf(404, 40407, "Version %d not deleted first before being permanently deleted", v.num)
		}
		sub.versions = slices.Delete(sub.versions, i, i+1)
	} else {
		sub.versions[i].deleted = true
	}
	return v.num, nil
}

// schemaByID returns the stored schema with the path's id.
func (s *Server) schemaByID(r *http.Request) (stored, *apiError) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil || id <= 0 || id > len(s.schemas) {
		return stored{}, errorf(404, 40403, "Schema %s not found", r.PathValue("id"))
	}
	return s.schemas[id-1], nil
}

func (s *Server) getByID(r *http.Request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.schemaByID(r)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"schema": st.text}
	if st.typ != "AVRO" {
		out["schemaType"] = st.typ
	}
	if len(st.refs) > 0 {
		out["references"] = st.refs
	}
	return out, nil
}

// uses returns the live subject versions holding st.
func (s *Server) uses(st stored) []map[string]any {
	out := []map[string]any{}
	for name, sub := range s.subjects {
		for _, v := range sub.live() {
			if v.id == st.id {
				out = append(out, map[string]any{"subject": name, "version": v.num})
			}
		}
	}
	slices.SortFunc(out, func(a, b map[string]any) int {
		return strings.Compare(a["subject"].(string), b["subject"].(string))
	})
	return out
}

func (s *Server) versionsByID(r *http.Request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.schemaByID(r)
	if err != nil {
		return nil, err
	}
	return s.uses(st), nil
}

func (s *Server) subjectsByID(r *http.Request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.schemaByID(r)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, u := range s.uses(st) {
		out = append(out, u["subject"].(string))
	}
	return slices.Compact(out), nil
}
