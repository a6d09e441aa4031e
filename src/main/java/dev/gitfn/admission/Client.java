package dev.gitfn.admission;

/**
 * What the transport knows of the other end before any body is read: its address,
 * and for browsers' sake the {@code Host} and {@code Origin} it sent (null when absent).
 */
public record Client(String address, String host, String origin) {
}
