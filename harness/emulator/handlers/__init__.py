"""Route handlers, one module per resource: each takes a Request and returns a wire dict."""
