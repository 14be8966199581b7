"""`commerce-ci cluster`: a single-node Kubernetes and Argo CD on this machine, as host processes.

Kubernetes and Argo CD are built from their own Go modules at pinned versions (`versions.py`,
the Go modules under `cluster/`), etcd, containerd, runc and the CNI plugins come from Debian's
packages, and the in-cluster essentials whose upstream images cannot be pulled here (pause,
CoreDNS, the OpenTelemetry Collector, Prometheus, Redis) are built by the project's own
daemonless image code and pushed to the embedded registry. Argo CD is configured from this
repository's `argocd/` tree through a small local overlay (`overlay.py`), and deploys what
`commerce-ci release` commits to the embedded GitOps remote.
"""
