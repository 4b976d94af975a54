package cluster

import (
	"iter"
	"math/rand/v2"
	"slices"
	"time"
)

// A broker's standing as a target for requests any broker can answer
// (Metadata, InitProducerId, FindCoordinator), best first. It follows the
// Java client's leastLoadedNode: a connected broker with the fewest
// requests in flight, then one being connected to, then one that can be
// dialed now; a broker whose request went unanswered past its timeout is
// the last choice until it answers again.
const (
	tierConnected = iota // an open connection: ranked by requests in flight
	tierDialing          // a dial in progress
	tierDialable         // no connection, may be dialed at once
	tierBackoff          // waiting out a reconnect backoff
	tierSilent           // stopped answering (silentSince set)
)

// standing is a broker's tier and load.
type standing struct {
	tier     int
	inFlight int       // requests awaiting a response on its connections
	tried    time.Time // when a dial last failed, for tierDialable
}

// standing reports b's tier and load at now.
func (b *Broker) standing(now time.Time) standing {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.silentSince.IsZero() {
		return standing{tier: tierSilent}
	}
	var st standing
	open, dialing, backoff := false, false, false
	for i := range b.slots {
		s := &b.slots[i]
		switch {
		case s.conn != nil && s.conn.Err() == nil:
			open = true
			st.inFlight += s.conn.InFlight()
		case s.dialing != nil:
			dialing = true
		case s.retryAt.After(now):
			backoff = true
		}
		if s.retryAt.After(st.tried) {
			st.tried = s.retryAt
		}
	}
	switch {
	case open:
		st.tier = tierConnected
	case dialing:
		st.tier = tierDialing
	case backoff:
		st.tier = tierBackoff
	default:
		st.tier = tierDialable
	}
	return st
}

// byLoad orders brokers best first (see the tiers above); equals are
// shuffled, so that load spreads.
func byLoad(brokers []*Broker, now time.Time) []*Broker {
	type ranked struct {
		b  *Broker
		st standing
	}
	rs := make([]ranked, len(brokers))
	for i, b := range brokers {
		rs[i] = ranked{b, b.standing(now)}
	}
	rand.Shuffle(len(rs), func(i, j int) { rs[i], rs[j] = rs[j], rs[i] })
	slices.SortStableFunc(rs, func(x, y ranked) int {
		if x.st.tier != y.st.tier {
			return x.st.tier - y.st.tier
		}
		if x.st.inFlight != y.st.inFlight {
			return x.st.inFlight - y.st.inFlight
		}
		return x.st.tried.Compare(y.st.tried) // least recently failed first
	})
	out := make([]*Broker, len(rs))
	for i, r := range rs {
		out[i] = r.b
	}
	return out
}

// LeastLoaded returns the brokers metadata lists (the bootstrap addresses
// until it lists any), best target first for a request any broker can
// answer: connected brokers with the fewest requests in flight first, and
// brokers that stopped answering last.
func (c *Cluster) LeastLoaded() []*Broker {
	return byLoad(c.Brokers(), time.Now())
}

// AskOrder yields the ranked brokers (LeastLoaded) one at a time, for a
// request any broker can answer: the next one in line, unless it stopped
// answering since the ranking (a request timed out after it; dialing it
// again would wait out a connection timeout), in which case the first
// that did not. A broker that stopped answering comes out only when no
// other is left. ranked is not modified.
func AskOrder(ranked []*Broker) iter.Seq[*Broker] {
	return func(yield func(*Broker) bool) {
		left := slices.Clone(ranked)
		for len(left) > 0 {
			i := max(slices.IndexFunc(left, func(b *Broker) bool { return !b.silent() }), 0)
			b := left[i]
			left = slices.Delete(left, i, i+1)
			if !yield(b) {
				return
			}
		}
	}
}
