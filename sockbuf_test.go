package samsa

import "testing"

// TestDefaultSocketBuffers checks the socket buffers a default producer's
// broker connections ask for: the send buffer left to the OS (its kernel
// tuning stays on; internal/wire's TestSocketBuffersFollowOptions checks
// what the socket then gets) and Java's 32 KiB receive buffer; and that a
// size set in the configuration reaches the connection.
func TestDefaultSocketBuffers(t *testing.T) {
	c := DefaultConfig()
	c.BootstrapServers = []string{"127.0.0.1:9092"}
	o, err := c.wireOptions()
	if err != nil {
		t.Fatal(err)
	}
	if o.SendBuffer > 0 || o.ReceiveBuffer != 32768 {
		t.Fatalf("default socket buffers: send %d, receive %d; want the OS's (<= 0) and 32768", o.SendBuffer, o.ReceiveBuffer)
	}
	c.SendBufferBytes = 131072
	if o, err = c.wireOptions(); err != nil || o.SendBuffer != 131072 {
		t.Fatalf("send.buffer.bytes=131072: options %+v, %v", o, err)
	}
}
