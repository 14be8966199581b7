// The pod sandbox ("pause") program of the local cluster: the upstream image cannot be pulled
// here, and what it runs is this much.
module commerce-ci/cluster/pause

go 1.22
