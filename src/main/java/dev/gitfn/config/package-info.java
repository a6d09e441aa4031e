/**
 * The {@code gitfn.*} configuration, the choice of store and of published area,
 * and how JSON is read.
 */
package dev.gitfn.config;
