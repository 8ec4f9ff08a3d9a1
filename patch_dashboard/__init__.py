"""patch-dashboard: keeps a cloud's running workloads on patched, hardened images."""
