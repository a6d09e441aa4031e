package dev.gitfn.protocol;

import java.io.IOException;
import java.util.List;

import org.eclipse.jgit.transport.ReceiveCommand;
import org.eclipse.jgit.transport.ReceiveCommand.Result;
import org.eclipse.jgit.transport.ReceivePack;
import org.jboss.logging.Logger;

import dev.gitfn.cache.PushSession;

/**
 * JGit's receive-pack with one change: accepted commands are published to the
 * store by {@link PushSession#commit} (an atomic swap of the ref state) instead
 * of being written to the local copy's refs. Everything else, pack parsing,
 * fsck, connectivity checks, the status report, is JGit's own.
 */
final class StoreReceivePack extends ReceivePack {
    private static final Logger LOG = Logger.getLogger(StoreReceivePack.class);

    private final PushSession session;

    StoreReceivePack(PushSession session, long maxPackSize, long maxObjectSize) {
        super(session.repository());
        this.session = session;
        setAllowPushOptions(true);
        setMaxPackSizeLimit(maxPackSize);
        setMaxObjectSizeLimit(maxObjectSize);
    }

    @Override
    protected void executeCommands() {
        List<ReceiveCommand> toApply = filterCommands(Result.NOT_ATTEMPTED);
        if (toApply.isEmpty()) {
            return;
        }
        try {
            session.commit(toApply, isAtomic());
        } catch (IOException | RuntimeException e) {
            LOG.errorf(e, "cannot publish push to %s", session.name());
            for (ReceiveCommand cmd : toApply) {
                if (cmd.getResult() == Result.NOT_ATTEMPTED) {
                    cmd.setResult(Result.REJECTED_OTHER_REASON, "storage unavailable, nothing was changed");
                }
            }
        }
    }
}
