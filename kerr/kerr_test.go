package kerr

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"

	"github.com/samsa-go/samsa/internal/kerr"
)

// TestConstantsMatchTable parses codes.go and checks that it declares
// exactly one constant per code of internal/kerr's table (NONE aside),
// named after the Kafka name, so a table edit without go generate fails.
func TestConstantsMatchTable(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "codes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int16]string{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			lit := vs.Values[0]
			neg := false
			if u, ok := lit.(*ast.UnaryExpr); ok && u.Op == token.SUB {
				lit, neg = u.X, true
			}
			n, err := strconv.Atoi(lit.(*ast.BasicLit).Value)
			if err != nil {
				t.Fatal(err)
			}
			if neg {
				n = -n
			}
			got[int16(n)] = vs.Names[0].Name
		}
	}
	want := 0
	for _, info := range kerr.All() {
		if info.Code == 0 {
			if _, ok := got[0]; ok {
				t.Error("codes.go declares a constant for NONE (0)")
			}
			continue
		}
		want++
		name := strings.ToUpper(got[info.Code])
		if strings.ReplaceAll(info.Name, "_", "") != name {
			t.Errorf("code %d: constant %q does not spell %s; run go generate", info.Code, got[info.Code], info.Name)
		}
	}
	if len(got) != want {
		t.Errorf("codes.go has %d constants; the table has %d codes besides NONE; run go generate", len(got), want)
	}
}

func TestCodeMethods(t *testing.T) {
	for _, info := range kerr.All() {
		c := Code(info.Code)
		if c.Name() != info.Name || c.Retriable() != info.Retriable {
			t.Errorf("Code(%d) = {%s retriable=%v}; want {%s %v}", info.Code, c.Name(), c.Retriable(), info.Name, info.Retriable)
		}
		want := info.Name + " (" + strconv.Itoa(int(info.Code)) + "): " + info.Description
		if c.Error() != want {
			t.Errorf("Code(%d).Error() = %q; want %q", info.Code, c.Error(), want)
		}
	}
	spot := []struct {
		c         Code
		n         int16
		name      string
		retriable bool
	}{
		{UnknownServerError, -1, "UNKNOWN_SERVER_ERROR", false},
		{NotLeaderOrFollower, 6, "NOT_LEADER_OR_FOLLOWER", true},
		{MessageTooLarge, 10, "MESSAGE_TOO_LARGE", false},
		{InvalidConfig, 40, "INVALID_CONFIG", false},
		{InvalidProducerIDMapping, 49, "INVALID_PRODUCER_ID_MAPPING", false},
		{ConcurrentTransactions, 51, "CONCURRENT_TRANSACTIONS", true},
		{SASLAuthenticationFailed, 58, "SASL_AUTHENTICATION_FAILED", false},
		{ProducerFenced, 90, "PRODUCER_FENCED", false},
		{ShareSessionLimitReached, 133, "SHARE_SESSION_LIMIT_REACHED", true},
	}
	for _, s := range spot {
		if int16(s.c) != s.n || s.c.Name() != s.name || s.c.Retriable() != s.retriable {
			t.Errorf("%s = {%d %s %v}", s.name, int16(s.c), s.c.Name(), s.c.Retriable())
		}
	}
}

func TestUnknownCode(t *testing.T) {
	c := Code(4242)
	if c.Name() != "" || c.Retriable() {
		t.Errorf("Code(4242) = {%q %v}; want {\"\" false}", c.Name(), c.Retriable())
	}
	if got, want := c.Error(), "Kafka error code 4242: a code this client does not know"; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
}
