/**
 * The read-only web view: what a page shows of a repository (read through JGit from the
 * same cached copy git is served from), a README rendered safely, and the browser session.
 * Mapping to HTTP and admission live in {@code dev.gitfn.http}.
 */
package dev.gitfn.web;
