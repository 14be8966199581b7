"""Order confirmation e-mails, rendered from a Jinja2 template and sent to a log sink."""
