/**
 * Who a request is and what it may do: personal access tokens, OIDC JWTs, the
 * admin token, users and per-repository access records kept in the store under
 * {@code .gitfn/}, and the start-up guard. Asked by {@code dev.gitfn.admission}.
 */
package dev.gitfn.auth;
