"""GitOps write-back: what to change in a values file (values), how to commit it (git), and the
commands that combine both (commands: write_back, promote, rollback)."""
