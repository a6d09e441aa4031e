package dev.gitfn.protocol;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/** Remembers whether any byte went out, so an error can still be reported cleanly before that. */
final class TrackingOutputStream extends FilterOutputStream {
    private boolean written;

    TrackingOutputStream(OutputStream out) {
        super(out);
    }

    boolean written() {
        return written;
    }

    @Override
    public void write(int b) throws IOException {
        written = true;
        out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (len > 0) {
            written = true;
        }
        out.write(b, off, len);
    }
}
