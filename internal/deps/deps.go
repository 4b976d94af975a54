//go:build tools

// Package deps pins the module's dependencies while the packages that use
// them are being written, so that `go mod tidy` keeps them. Remove an
// import here once real code imports the package.
package deps

import (
	_ "github.com/klauspost/compress/zstd"
	_ "github.com/pierrec/lz4/v4"
	_ "github.com/twmb/franz-go/pkg/kadm"
	_ "github.com/twmb/franz-go/pkg/kfake"
	_ "github.com/twmb/franz-go/pkg/kgo"
	_ "github.com/twmb/franz-go/pkg/kmsg"
	_ "github.com/xdg-go/scram"
	_ "go.uber.org/goleak"
)
