// Preloaded by the smoke tests into each process of an example: it ends the process after 60 s
// whatever happens, so a server never outlives a test run. The timer alone keeps nothing alive.
setTimeout(() => process.exit(124), 60_000).unref();
