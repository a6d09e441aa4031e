/**
 * Push events: every accepted ref update of the ref state's history, sent to each webhook of
 * its repository (signed, in order, retried with backoff), at least once, by whichever
 * instance gets there first. The log is the outbox; a per-repository record says how far each
 * hook has been told.
 */
package dev.gitfn.events;
