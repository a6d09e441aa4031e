/**
 * The HTTP transport: smart and dumb HTTP, the API, the admission filter that
 * runs before any body is read, and the mapping of refusals to statuses.
 */
package dev.gitfn.http;
