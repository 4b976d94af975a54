package txn

import (
	"github.com/samsa-go/samsa/internal/lockorder"

	"context"
	"errors"
	"fmt"
	"time"

	"github.com/samsa-go/samsa/internal/cluster"
	"github.com/samsa-go/samsa/internal/wire"
	"github.com/samsa-go/samsa/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// CodeError is an error code a coordinator returned.
type CodeError struct {
	API  string
	Code int16
	Msg  string
}

func (e *CodeError) Error() string {
	s := fmt.Sprintf("%s failed with error code %d", e.API, e.Code)
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	return s
}

// coordinatorRetriable reports codes after which the coordinator request
// is retried, finding the coordinator again for the first three.
func coordinatorMoved(code int16) bool {
	return kerr.Code(code) == kerr.NotCoordinator || kerr.Code(code) == kerr.CoordinatorNotAvailable
}

func coordinatorRetriable(code int16) bool {
	switch kerr.Code(code) {
	case kerr.NotCoordinator, kerr.CoordinatorNotAvailable, kerr.CoordinatorLoadInProgress,
		kerr.ConcurrentTransactions, kerr.RequestTimedOut, kerr.NetworkException, kerr.UnknownTopicOrPartition,
		kerr.OperationNotAttempted, kerr.RebalanceInProgress:
		return true
	}
	return false
}

// findCoordinator asks any broker for the coordinator of key (a
// transactional id, keyType 1, or a group id, keyType 0).
func findCoordinator(ctx context.Context, cl *cluster.Cluster, key string, keyType int8) (*cluster.Broker, error) {
	var errs []error
	for b := range cluster.AskOrder(cl.LeastLoaded()) {
		conn, err := b.Conn(ctx, cluster.ControlConn)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		req := kmsg.NewPtrFindCoordinatorRequest()
		req.CoordinatorKey, req.CoordinatorType = key, keyType
		req.CoordinatorKeys = []string{key}
		r, err := conn.Do(ctx, req)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		resp := r.(*kmsg.FindCoordinatorResponse)
		code, node, msg := resp.ErrorCode, resp.NodeID, resp.ErrorMessage
		if len(resp.Coordinators) > 0 {
			c := resp.Coordinators[0]
			code, node, msg = c.ErrorCode, c.NodeID, c.ErrorMessage
		}
		if code != 0 {
			m := ""
			if msg != nil {
				m = *msg
			}
			errs = append(errs, &CodeError{API: "FindCoordinator", Code: code, Msg: m})
			if kerr.Code(code) == kerr.TransactionalIDAuthorizationFailed || kerr.Code(code) == kerr.GroupAuthorizationFailed {
				return nil, errs[len(errs)-1]
			}
			continue
		}
		if cb := cl.Broker(node); cb != nil {
			return cb, nil
		}
		cl.RequestRefresh()
		errs = append(errs, fmt.Errorf("coordinator %d is not in the metadata yet", node))
	}
	if len(errs) == 0 {
		return nil, errors.New("no brokers known")
	}
	return nil, errors.Join(errs...)
}

// coordinated sends requests to a coordinator found by key, finding it
// again when it moves and retrying retriable errors with backoff, until
// ctx ends. do sends one request and returns the response's error code.
type coordinated struct {
	cl      *cluster.Cluster
	key     string
	keyType int8
	backoff cluster.Backoff

	mu    lockorder.Mutex[lockorder.TxnCoordinator] // guards coord: the add loop and callers share it
	coord *cluster.Broker
}

// current returns the known coordinator, or nil.
func (c *coordinated) current() *cluster.Broker {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.coord
}

// set records the coordinator (nil: find it again).
func (c *coordinated) set(b *cluster.Broker) {
	c.mu.Lock()
	c.coord = b
	c.mu.Unlock()
}

// run calls do until it returns a code that is not retriable, and
// returns that code (0 on success) or the error that stopped it.
func (c *coordinated) run(ctx context.Context, api string, do func(*wire.Conn) (int16, string, error)) (int16, string, error) {
	var last error
	for attempt := 1; ; attempt++ {
		if attempt > 1 {
			d := c.backoff.Delay(attempt - 1)
			if d > 100*time.Millisecond && attempt < 4 {
				d = 20 * time.Millisecond // CONCURRENT_TRANSACTIONS clears quickly
			}
			if !sleep(ctx, d) {
				return 0, "", errors.Join(ctx.Err(), last)
			}
		}
		coord := c.current()
		if coord == nil {
			b, err := findCoordinator(ctx, c.cl, c.key, c.keyType)
			if err != nil {
				var ce *CodeError
				if errors.As(err, &ce) && !coordinatorRetriable(ce.Code) {
					return ce.Code, ce.Msg, nil
				}
				last = err
				continue
			}
			coord = b
			c.set(b)
		}
		conn, err := coord.Conn(ctx, cluster.ControlConn)
		if err != nil {
			c.set(nil)
			last = err
			continue
		}
		code, msg, err := do(conn)
		if err != nil {
			if ctx.Err() != nil {
				return 0, "", errors.Join(ctx.Err(), err)
			}
			c.set(nil)
			last = err
			continue
		}
		if code == 0 || !coordinatorRetriable(code) {
			return code, msg, nil
		}
		last = &CodeError{API: api, Code: code, Msg: msg}
		if coordinatorMoved(code) {
			c.set(nil)
		}
	}
}
