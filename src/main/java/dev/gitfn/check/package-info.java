/**
 * The command line: {@link GitfnMain} runs the server, or with {@code store check} the
 * store check ({@link StoreCheck}), with the server's own configuration and store.
 */
package dev.gitfn.check;
