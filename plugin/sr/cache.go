package sr

import (
	"strconv"
	"sync"
	"time"
)

// cache holds the registry answers a Client keeps. Its mutex is a leaf:
// nothing is called while it is held.
type cache struct {
	mu       sync.RWMutex
	ids      map[int]Schema           // global id -> schema
	schemas  map[string]SubjectSchema // schemaKey -> id (and version when looked up)
	versions map[string]SubjectSchema // subject "\x00" version -> schema
	latests  map[string]latestEntry   // subject -> latest version
}

// latestEntry is a subject's latest version and when it was fetched.
type latestEntry struct {
	s  SubjectSchema
	at time.Time
}

func (c *cache) init() {
	c.ids = map[int]Schema{}
	c.schemas = map[string]SubjectSchema{}
	c.versions = map[string]SubjectSchema{}
	c.latests = map[string]latestEntry{}
}

func versionKey(subject string, version int) string {
	return subject + "\x00" + strconv.Itoa(version)
}

func (c *cache) byID(id int) (Schema, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	s, ok := c.ids[id]
	return s, ok
}

func (c *cache) putID(id int, s Schema) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ids[id] = s
}

func (c *cache) bySchema(key string) (SubjectSchema, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	s, ok := c.schemas[key]
	return s, ok
}

func (c *cache) putSchema(key string, s SubjectSchema) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.schemas[key]; ok && s.Version == 0 {
		s.Version = old.Version // a register answer has no version
	}
	c.schemas[key] = s
	c.ids[s.ID] = s.Schema
}

func (c *cache) version(subject string, version int) (SubjectSchema, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	s, ok := c.versions[versionKey(subject, version)]
	return s, ok
}

func (c *cache) putVersion(s SubjectSchema) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.versions[versionKey(s.Subject, s.Version)] = s
	c.ids[s.ID] = s.Schema
}

// latest returns subject's cached latest version unless it is older than
// ttl (0: never too old; negative: never cached).
func (c *cache) latest(subject string, ttl time.Duration) (SubjectSchema, bool) {
	if ttl < 0 {
		return SubjectSchema{}, false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.latests[subject]
	if !ok || (ttl > 0 && time.Since(e.at) > ttl) {
		return SubjectSchema{}, false
	}
	return e.s, true
}

func (c *cache) putLatest(s SubjectSchema, ttl time.Duration) {
	if ttl < 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.latests[s.Subject] = latestEntry{s: s, at: time.Now()}
}

// forgetSubject drops what is cached about subject's versions (after a
// delete); ids stay, as they never change meaning.
func (c *cache) forgetSubject(subject string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.latests, subject)
	for k, s := range c.versions {
		if s.Subject == subject {
			delete(c.versions, k)
		}
	}
	for k, s := range c.schemas {
		if s.Subject == subject {
			delete(c.schemas, k)
		}
	}
}
