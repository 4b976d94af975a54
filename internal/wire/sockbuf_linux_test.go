//go:build linux

package wire

import (
	"context"
	"net"
	"syscall"
	"testing"
)

// TestSocketBuffersFollowOptions checks what send.buffer.bytes and
// receive.buffer.bytes do to a broker connection's socket: a positive size
// is set (Linux reports twice the size asked for), and 0 or -1 leaves the
// socket as a plain dial leaves it, so the kernel keeps tuning it.
func TestSocketBuffersFollowOptions(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	accepted := make(chan net.Conn, 8)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	defer func() {
		for len(accepted) > 0 {
			_ = (<-accepted).Close()
		}
	}()
	addr := ln.Addr().String()
	plain, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	osSend, osRecv := socketBuffers(t, plain)
	_ = plain.Close()

	for _, tc := range []struct {
		name               string
		send, recv         int
		wantSend, wantRecv int
	}{
		{"os default (-1)", -1, -1, osSend, osRecv},
		{"os default (0)", 0, 0, osSend, osRecv},
		{"java's sizes", 131072, 32768, 2 * 131072, 2 * 32768},
		{"other sizes", 65536, 16384, 2 * 65536, 2 * 16384},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nc, err := dialTransport(context.Background(), addr, &Options{SendBuffer: tc.send, ReceiveBuffer: tc.recv})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = nc.Close() }()
			send, recv := socketBuffers(t, nc)
			if send != tc.wantSend || recv != tc.wantRecv {
				t.Fatalf("SO_SNDBUF %d, SO_RCVBUF %d; want %d, %d (a plain dial: %d, %d)",
					send, recv, tc.wantSend, tc.wantRecv, osSend, osRecv)
			}
		})
	}
}

func socketBuffers(t *testing.T, nc net.Conn) (send, recv int) {
	t.Helper()
	raw, err := nc.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var serr, rerr error
	if err := raw.Control(func(fd uintptr) {
		send, serr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF)
		recv, rerr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF)
	}); err != nil {
		t.Fatal(err)
	}
	if serr != nil || rerr != nil {
		t.Fatal(serr, rerr)
	}
	return send, recv
}
