package kafkatest

import (
	"context"
	"fmt"
	"syscall"
)

// Pause stops node id's JVM with SIGSTOP: its sockets stay open and the
// kernel still accepts connections for it, but it answers nothing, as a
// broker frozen by a long GC pause or a suspended VM. The controllers
// fence it after broker.session.timeout.ms and move its leaderships.
// Resume continues it.
func (c *Cluster) Pause(id int32) error {
	return c.signal(id, syscall.SIGSTOP)
}

// Resume continues node id after Pause (SIGCONT) and waits until it is
// ready again: every running node lists it in its metadata.
func (c *Cluster) Resume(ctx context.Context, id int32) error {
	if err := c.signal(id, syscall.SIGCONT); err != nil {
		return err
	}
	return c.waitReady(ctx, c.opts.ReadyTimeout, nil)
}

func (c *Cluster) signal(id int32, sig syscall.Signal) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.node(id)
	if err != nil {
		return err
	}
	if n.proc == nil || n.proc.exited() {
		return fmt.Errorf("kafkatest: node %d is not running", id)
	}
	pid := n.proc.jvmPid()
	if pid <= 0 {
		return fmt.Errorf("kafkatest: node %d: no JVM pid", id)
	}
	if err := syscall.Kill(pid, sig); err != nil {
		return fmt.Errorf("kafkatest: %v to node %d (pid %d): %w", sig, id, pid, err)
	}
	return nil
}
