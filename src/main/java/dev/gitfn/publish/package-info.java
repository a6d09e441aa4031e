/**
 * The published area: a static copy of public repositories' dumb-HTTP files, kept
 * apart from the store so that the store stays private and only this copy sits
 * behind a static server or a CDN. Derived from the store after every push and
 * access change; rebuilt whole by {@code POST /api/publish}.
 */
package dev.gitfn.publish;
