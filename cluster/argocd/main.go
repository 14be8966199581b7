// Command argocd: the Argo CD components a local cluster runs as host processes, chosen by the
// name the binary is called by (or ARGOCD_BINARY_NAME), as upstream's cmd/main.go does. The API
// server, CLI, Dex and notifications are left out: nothing here uses them, and every command
// linked in costs link time and memory.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"k8s.io/klog/v2"

	appcontroller "github.com/argoproj/argo-cd/v3/cmd/argocd-application-controller/commands"
	applicationset "github.com/argoproj/argo-cd/v3/cmd/argocd-applicationset-controller/commands"
	gitaskpass "github.com/argoproj/argo-cd/v3/cmd/argocd-git-ask-pass/commands"
	reposerver "github.com/argoproj/argo-cd/v3/cmd/argocd-repo-server/commands"
	"github.com/argoproj/argo-cd/v3/common"
	"github.com/argoproj/argo-cd/v3/util/log"
)

func init() {
	klog.SetLogger(log.NewLogrusLogger(log.NewWithCurrentConfig()))
}

// Upstream's main also calls util/grpc.DisableSRVLookups, which turns off gRPC's DNS SRV lookups
// that the grpclb balancer turns on; none of the commands linked here imports grpclb, so they are
// off already (and that function panics when it finds them off).
func main() {
	name := filepath.Base(os.Args[0])
	if value := os.Getenv("ARGOCD_BINARY_NAME"); value != "" {
		name = value
	}
	commands := map[string]func() *cobra.Command{
		common.CommandApplicationController:    appcontroller.NewCommand,
		common.CommandRepoServer:               reposerver.NewCommand,
		common.CommandApplicationSetController: applicationset.NewCommand,
		common.CommandGitAskPass:               gitaskpass.NewCommand,
	}
	command, ok := commands[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "argocd: unknown component %q (call it as one of %s, %s, %s)\n", name,
			common.CommandApplicationController, common.CommandRepoServer, common.CommandApplicationSetController)
		os.Exit(2)
	}
	if err := command().Execute(); err != nil {
		os.Exit(1)
	}
}
