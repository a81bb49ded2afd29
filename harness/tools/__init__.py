"""What the CLI commands do, as library functions: verify/scan, regenerate, synthesize."""
