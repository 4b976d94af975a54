package sr

import (
	"context"
	"fmt"
	"strconv"
)

// maxReferenceDepth bounds how deep references of references go, so that
// a cycle in the registry cannot recurse forever.
const maxReferenceDepth = 32

// walkReferences calls visit for every schema refs reach, depth first:
// each referenced schema after the schemas it references itself, and
// each subject version once.
func (c *Client) walkReferences(ctx context.Context, refs []Reference, visit func(Reference, Schema) error) error {
	return c.walkRefs(ctx, refs, map[string]bool{}, 0, visit)
}

func (c *Client) walkRefs(ctx context.Context, refs []Reference, seen map[string]bool, depth int, visit func(Reference, Schema) error) error {
	if depth > maxReferenceDepth {
		return fmt.Errorf("sr: schema references nest deeper than %d (a cycle?)", maxReferenceDepth)
	}
	for _, ref := range refs {
		key := ref.Subject + "\x00" + strconv.Itoa(ref.Version)
		if seen[key] {
			continue
		}
		seen[key] = true
		ss, err := c.SchemaByVersion(ctx, ref.Subject, ref.Version)
		if err != nil {
			return fmt.Errorf("sr: reference %q (subject %q version %d): %w", ref.Name, ref.Subject, ref.Version, err)
		}
		if err := c.walkRefs(ctx, ss.References, seen, depth+1, visit); err != nil {
			return err
		}
		if err := visit(ref, ss.Schema); err != nil {
			return err
		}
	}
	return nil
}
