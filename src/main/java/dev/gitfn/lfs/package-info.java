/**
 * Git LFS: objects kept per repository in the store, what a batch request may do with each
 * (presigned store URLs where the store can give them, gitfn's own transfer endpoints where it
 * cannot), and the check that an uploaded object's bytes are the ones its oid names.
 */
package dev.gitfn.lfs;
