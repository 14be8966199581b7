"""Software composition analysis: semgrep over the code, osv-scanner over the lockfile."""
