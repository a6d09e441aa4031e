/**
 * The audit log: one JSON line per administrative action, rewrite of history and
 * refused sign-in, in the console log and as append-only objects in the store under
 * {@code .gitfn/audit/}. Written by the layers that act (admission, the API, the push);
 * it decides nothing.
 */
package dev.gitfn.audit;
