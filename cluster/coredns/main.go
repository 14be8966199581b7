// Command coredns: CoreDNS v1.15.0 with only the plugins the local cluster's Corefile names
// (pipelines/cluster/addons.py), the way CoreDNS documents compiling a selection of plugins.
// Upstream's main links all sixty-odd plugins, with the AWS, Azure, Google Cloud, etcd and
// Nomad clients; this one builds in a fraction of the time.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/ready"
)

// The plugins above, in the order upstream's core/dnsserver/zdirectives.go runs them.
func init() {
	dnsserver.Directives = []string{"ready", "health", "errors", "cache", "kubernetes"}
}

func main() {
	coremain.Run()
}
