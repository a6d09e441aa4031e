package dev.gitfn.protocol;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.gitfn.repo.RefState;

/**
 * The {@code unborn} argument of protocol v2's {@code ls-refs}, which JGit lacks: with it a
 * clone of an empty repository lands on the server's default branch, not the client's
 * ({@code init.defaultBranch}). gitfn offers it ({@code ls-refs=unborn}) on smart HTTP, takes
 * the argument out before JGit parses the request (JGit refuses arguments it does not know),
 * and answers HEAD itself when it names a branch that does not exist yet:
 * {@code unborn HEAD symref-target:<branch>}, as gitprotocol-v2 describes.
 */
final class UnbornHead {
    private static final String LS_REFS = "ls-refs";
    /** The first packet of an ls-refs request. */
    private static final String COMMAND = "0014command=ls-refs\n";
    /** An ls-refs request holds arguments only; anything larger is no request git sends. */
    private static final int MAX_REQUEST = 1024 * 1024;

    private UnbornHead() {
    }

    /** A v2 capability advertisement (pkt-lines) with {@code ls-refs} offering {@code unborn}. */
    static byte[] advertised(byte[] advertisement) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        InputStream in = new java.io.ByteArrayInputStream(advertisement);
        while (in.available() > 0) {
            PktLines.Packet packet = PktLines.read(in);
            out.writeBytes(LS_REFS.equals(packet.text()) ? PktLines.of(LS_REFS + "=unborn\n") : packet.raw());
        }
        return out.toByteArray();
    }

    /** One ls-refs request: what JGit is given, and what it said about HEAD. */
    record LsRefs(byte[] forJGit, boolean unborn, boolean symrefs, List<String> prefixes) {
        /**
         * The line that answers for HEAD before JGit's refs, when the client asked for unborn
         * and symbolic refs, HEAD passes its ref prefixes, and the branch HEAD names does not
         * exist.
         */
        Optional<String> line(RefState state) {
            if (!unborn || !symrefs || state.refs().containsKey(state.head())) {
                return Optional.empty();
            }
            if (!prefixes.isEmpty() && prefixes.stream().noneMatch("HEAD"::startsWith)) {
                return Optional.empty();
            }
            return Optional.of("unborn HEAD symref-target:" + state.head() + "\n");
        }
    }

    /**
     * Reads an ls-refs request whole from {@code in} (positioned at its start, with mark
     * support); for any other command, leaves {@code in} where it was and answers empty.
     */
    static Optional<LsRefs> read(InputStream in) throws IOException {
        in.mark(64);
        byte[] first = in.readNBytes(COMMAND.length());
        if (!new String(first, StandardCharsets.ISO_8859_1).equals(COMMAND)) {
            in.reset();
            return Optional.empty();
        }
        ByteArrayOutputStream forJGit = new ByteArrayOutputStream();
        forJGit.write(first);
        boolean arguments = false;
        boolean unborn = false;
        boolean symrefs = false;
        List<String> prefixes = new ArrayList<>();
        while (true) {
            PktLines.Packet packet = PktLines.read(in);
            if (packet.isFlush()) {
                forJGit.write(packet.raw());
                break;
            }
            if (packet.isDelimiter()) {
                arguments = true;
                forJGit.write(packet.raw());
                continue;
            }
            if (packet.text() == null || forJGit.size() + packet.raw().length > MAX_REQUEST) {
                throw new IOException("malformed or oversized ls-refs request");
            }
            String arg = packet.text();
            if (arguments && arg.equals("unborn")) {
                unborn = true;
                continue; // JGit would refuse it
            }
            if (arguments && arg.equals("symrefs")) {
                symrefs = true;
            } else if (arguments && arg.startsWith("ref-prefix ")) {
                prefixes.add(arg.substring("ref-prefix ".length()));
            }
            forJGit.write(packet.raw());
        }
        return Optional.of(new LsRefs(forJGit.toByteArray(), unborn, symrefs, List.copyOf(prefixes)));
    }

}
