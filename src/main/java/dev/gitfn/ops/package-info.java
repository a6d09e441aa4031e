/**
 * Operability: what probes, scrapers and log collectors read on the management
 * port (health, Prometheus meters named {@code gitfn_*}) and the log format.
 * It reads the counters the other layers keep; nothing here decides a request.
 */
package dev.gitfn.ops;
