/**
 * Admission: the one step every transport (smart HTTP, the tunnel, the API) takes
 * before it reads a body or touches a repository, and the one table of refusals
 * ({@link dev.gitfn.admission.Refusal.Reason}) from which each transport takes its
 * wire form. Above {@code auth} and {@code cache}; below the transports.
 */
package dev.gitfn.admission;
