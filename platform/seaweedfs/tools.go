//go:build tools

// Package tools pins the SeaweedFS module so `go build github.com/seaweedfs/seaweedfs/weed` works.
package tools

import _ "github.com/seaweedfs/seaweedfs/weed"
