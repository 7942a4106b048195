"""Features computed from a validated frame: calendar and holiday columns, covariate encoding and
the one float32 input array the windows are cut from."""
