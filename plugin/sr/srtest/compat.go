package srtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/hamba/avro/v2"
)

// levels are the compatibility levels.
var levels = []string{"NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE"}

// modes are the modes.
var modes = []string{"READWRITE", "READONLY", "IMPORT"}

// compatOf returns the level in force for subject name.
func (s *Server) compatOf(name string) string {
	if c, ok := s.subCompt[name]; ok {
		return c
	}
	return s.compat
}

// modeOf returns the mode in force for subject name.
func (s *Server) modeOf(name string) string {
	if m, ok := s.subMode[name]; ok {
		return m
	}
	return s.mode
}

// incompatible returns why p cannot join sub under its level; nil when
// it can. Only Avro schemas are checked.
func (s *Server) incompatible(name string, sub *subject, typ string, p parsed) []string {
	level := s.compatOf(name)
	live := sub.live()
	if level == "NONE" || typ != "AVRO" || len(live) == 0 {
		return nil
	}
	against := live[len(live)-1:]
	switch level {
	case "BACKWARD_TRANSITIVE", "FORWARD_TRANSITIVE", "FULL_TRANSITIVE":
		against = live
	}
	var msgs []string
	for _, v := range against {
		msgs = append(msgs, s.checkAvro(level, p.avro, v)...)
	}
	return msgs
}

// checkAvro checks the new schema against version v under level.
func (s *Server) checkAvro(level string, next avro.Schema, v version) []string {
	st := s.schemas[v.id-1]
	names := &avro.SchemaCache{}
	if err := s.addAvroRefs(st.refs, names, 0); err != nil {
		return []string{err.msg}
	}
	old, err := avro.ParseWithCache(st.text, "", names)
	if err != nil {
		return []string{fmt.Sprintf("version %d does not parse: %v", v.num, err)}
	}
	c := avro.NewSchemaCompatibility()
	var msgs []string
	backward := level != "FORWARD" && level != "FORWARD_TRANSITIVE"
	forward := level != "BACKWARD" && level != "BACKWARD_TRANSITIVE"
	if backward {
		if err := c.Compatible(next, old); err != nil {
			msgs = append(msgs, fmt.Sprintf("the new schema cannot read data written with version %d: %v", v.num, err))
		}
	}
	if forward {
		if err := c.Compatible(old, next); err != nil {
			msgs = append(msgs, fmt.Sprintf("version %d cannot read data written with the new schema: %v", v.num, err))
		}
	}
	return msgs
}

func (s *Server) checkCompat(r *http.Request) (any, *apiError) {
	req, err := decodeRequest(r)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	name := r.PathValue("subject")
	v, err := s.findVersion(name, r.PathValue("version"), false)
	if err != nil {
		return nil, err
	}
	p, err := s.parse(req)
	if err != nil {
		return nil, err
	}
	var msgs []string
	if level := s.compatOf(name); level != "NONE" && req.SchemaType == "AVRO" && s.schemas[v.id-1].typ == "AVRO" {
		msgs = s.checkAvro(level, p.avro, v)
	}
	out := map[string]any{"is_compatible": len(msgs) == 0}
	if len(msgs) > 0 && r.URL.Query().Get("verbose") == "true" {
		out["messages"] = msgs
	}
	return out, nil
}

// decodeSetting reads {"<field>": value} and checks value is allowed.
func decodeSetting(r *http.Request, field string, allowed []string, code int) (string, *apiError) {
	var body map[string]string
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		return "", errorf(422, code, "the request body is not JSON: %v", err)
	}
	v := body[field]
	if !slices.Contains(allowed, v) {
		return "", errorf(422, code, "Invalid %s %q", field, v)
	}
	return v, nil
}

func (s *Server) getConfig(r *http.Request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := r.PathValue("subject")
	if name == "" {
		return map[string]string{"compatibilityLevel": s.compat}, nil
	}
	c, ok := s.subCompt[name]
	if !ok {
		if r.URL.Query().Get("defaultToGlobal") != "true" {
			return nil, errorf(404, 40408, "Subject '%s' does not have subject-level compatibility configured", name)
		}
		c = s.compat
	}
	return map[string]string{"compatibilityLevel": c}, nil
}

func (s *Server) putConfig(r *http.Request) (any, *apiError) {
	level, err := decodeSetting(r, "compatibility", levels, 42203)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if name := r.PathValue("subject"); name != "" {
		s.subCompt[name] = level
	} else {
		s.compat = level
	}
	return map[string]string{"compatibility": level}, nil
}

func (s *Server) deleteConfig(r *http.Request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := r.PathValue("subject")
	c, ok := s.subCompt[name]
	if !ok {
		return nil, errorf(404, 40408, "Subject '%s' does not have subject-level compatibility configured", name)
	}
	delete(s.subCompt, name)
	return map[string]string{"compatibilityLevel": c}, nil
}

func (s *Server) getMode(r *http.Request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := r.PathValue("subject")
	if name == "" {
		return map[string]string{"mode": s.mode}, nil
	}
	m, ok := s.subMode[name]
	if !ok {
		if r.URL.Query().Get("defaultToGlobal") != "true" {
			return nil, errorf(404, 40409, "Subject '%s' does not have subject-level mode configured", name)
		}
		m = s.mode
	}
	return map[string]string{"mode": m}, nil
}

func (s *Server) putMode(r *http.Request) (any, *apiError) {
	mode, err := decodeSetting(r, "mode", modes, 42204)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	name := r.PathValue("subject")
	if mode == "IMPORT" && r.URL.Query().Get("force") != "true" && s.hasSchemas(name) {
		return nil, errorf(422, 42205, "Cannot import since found existing subjects")
	}
	if name != "" {
		s.subMode[name] = mode
	} else {
		s.mode = mode
	}
	return map[string]string{"mode": mode}, nil
}

// hasSchemas reports whether subject name (or, for "", any subject) has
// live versions.
func (s *Server) hasSchemas(name string) bool {
	for n, sub := range s.subjects {
		if (name == "" || n == name) && len(sub.live()) > 0 {
			return true
		}
	}
	return false
}

func (s *Server) deleteMode(r *http.Request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := r.PathValue("subject")
	m, ok := s.subMode[name]
	if !ok {
		return nil, errorf(404, 40409, "Subject '%s' does not have subject-level mode configured", name)
	}
	delete(s.subMode, name)
	return map[string]string{"mode": m}, nil
}
