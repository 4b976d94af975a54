// Package testpb holds the Protobuf messages of the plugin's tests and
// examples. Regenerate with `go generate` (needs protoc and
// protoc-gen-go v1.36.12 on PATH).
package testpb

//go:generate protoc -I . -I /usr/include --go_out=. --go_opt=paths=import --go_opt=module=github.com/samsa-go/samsa/plugin/sr/internal/testpb samsa/test/common.proto samsa/test/order.proto
