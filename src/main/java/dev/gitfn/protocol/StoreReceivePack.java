package dev.gitfn.protocol;

import java.io.IOException;
import java.util.List;

import org.eclipse.jgit.errors.LargeObjectException;
import org.eclipse.jgit.errors.TooLargePackException;
import org.eclipse.jgit.internal.submodule.SubmoduleValidator.SubmoduleValidationException;
import org.eclipse.jgit.transport.ReceiveCommand;
import org.eclipse.jgit.transport.ReceiveCommand.Result;
import org.eclipse.jgit.transport.ReceivePack;
import org.jboss.logging.Logger;

import dev.gitfn.audit.AuditLog;
import dev.gitfn.auth.RepoAccess;
import dev.gitfn.cache.PushSession;
import dev.gitfn.cache.Pusher;
import dev.gitfn.config.GitfnConfig;
import dev.gitfn.repo.RepoMovedException;
import dev.gitfn.repo.RepoNotFoundException;

/**
 * JGit's receive-pack with one change: accepted commands are published to the
 * store by {@link PushSession#commit} (an atomic swap of the ref state) instead
 * of being written to the local copy's refs. Everything else, pack parsing,
 * fsck, connectivity checks, the status report, is JGit's own.
 */
final class StoreReceivePack extends ReceivePack {
    private static final Logger LOG = Logger.getLogger(StoreReceivePack.class);

    private final PushSession session;
    private final RepoAccess rules;
    private final GitfnConfig.Limits limits;
    private final Pusher pusher;

    private final java.util.Optional<Long> defaultQuota;
    private final AuditLog audit;
    private final LockHolders locks;

    /** Who holds a Git LFS lock on which path of the repository (path to holder), read when a push needs it. */
    interface LockHolders {
        java.util.Map<String, String> read() throws IOException;
    }

    StoreReceivePack(PushSession session, RepoAccess rules, Pusher pusher, GitfnConfig.Limits limits,
            java.util.Optional<Long> defaultQuota, AuditLog audit, LockHolders locks) {
        super(session.repository());
        this.locks = locks;
        this.audit = audit;
        this.defaultQuota = defaultQuota;
        this.session = session;
        this.pusher = pusher;
        this.rules = rules;
        this.limits = limits;
        setAllowPushOptions(true);
        // The pack's size is bounded by the request stream (PktLineLimiter.forPush), which fails
        // with JGit's TooLargePackException; JGit's own bound would end the stream early instead.
        setMaxObjectSizeLimit(limits.maxObjectSize().asLongValue());
    }

    /**
     * A pack over the limit is refused by JGit in the status report ("unpack error Pack
     * exceeds the limit"); before that, git is told the limit and where such a push can go.
     */
    @Override
    protected void receivePackAndCheckConnectivity() throws IOException, LargeObjectException,
            SubmoduleValidationException {
        try {
            super.receivePackAndCheckConnectivity();
        } catch (TooLargePackException e) {
            sendMessage("this server accepts packs up to " + limits.maxPackSize().asLongValue()
                    + " bytes (gitfn.limits.max-pack-size); nothing was changed");
            limits.packTooLargeHint().ifPresent(this::sendMessage);
            throw e;
        }
    }

    @Override
    protected void executeCommands() {
        refuseNamesNoFileSystemHolds();
        refuseDeletingHead();
        refuseProtectedRewrites();
        refuseChangesToOthersLocks();
        refuseOverQuota();
        List<ReceiveCommand> toApply = filterCommands(Result.NOT_ATTEMPTED);
        if (toApply.isEmpty()) {
            return;
        }
        try {
            session.commit(toApply, isAtomic(), pusher);
            auditRewrites(toApply);
            reportAsGitDoes(toApply);
        } catch (RepoNotFoundException gone) {
            // Deleted or renamed while this push was under way: its swap never landed.
            String why = gone instanceof RepoMovedException moved ? "renamed to " + moved.to() + ", push there"
                    : "the repository was deleted";
            for (ReceiveCommand cmd : toApply) {
                if (cmd.getResult() == Result.NOT_ATTEMPTED) {
                    cmd.setResult(Result.REJECTED_OTHER_REASON, why + "; nothing was changed");
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.errorf(e, "cannot publish push to %s", session.name());
            for (ReceiveCommand cmd : toApply) {
                if (cmd.getResult() == Result.NOT_ATTEMPTED) {
                    cmd.setResult(Result.REJECTED_OTHER_REASON, "storage unavailable, nothing was changed");
                }
            }
        }
    }

    /**
     * A force push or a ref deletion that landed is audited, and stored before git hears of
     * it: the history can undo it, the audit log says who did it.
     */
    private void auditRewrites(List<ReceiveCommand> applied) {
        for (ReceiveCommand cmd : applied) {
            boolean deleted = cmd.getType() == ReceiveCommand.Type.DELETE;
            if (cmd.getResult() != Result.OK || !deleted && cmd.getType() != ReceiveCommand.Type.UPDATE_NONFASTFORWARD) {
                continue;
            }
            java.util.Map<String, Object> detail = new java.util.LinkedHashMap<>();
            detail.put("ref", cmd.getRefName());
            detail.put("oldId", cmd.getOldId().name());
            if (!deleted) {
                detail.put("newId", cmd.getNewId().name());
            }
            audit.recordStored(audit.event(deleted ? "push.delete" : "push.force", pusher.who(), pusher.tokenId(),
                    pusher.transport(), null, session.name().value(), detail));
        }
    }

    /**
     * A ref that clashes with an existing one by path ({@code a} against {@code a/b}) is
     * reported as git's server reports it: the reason in a {@code remote: error:} line,
     * and {@code failed to update ref} as the command's status.
     */
    private void reportAsGitDoes(List<ReceiveCommand> commands) {
        for (ReceiveCommand cmd : commands) {
            String message = cmd.getMessage();
            if (cmd.getResult() == Result.REJECTED_OTHER_REASON && message != null
                    && message.startsWith("cannot lock ref")) {
                sendError(message + "; cannot create '" + cmd.getRefName() + "'");
                cmd.setResult(Result.REJECTED_OTHER_REASON, "failed to update ref");
            }
        }
    }

    /** Longest ref name component: a file name of 255 bytes less git's {@code .lock} suffix. */
    static final int MAX_COMPONENT_BYTES = 250;

    /**
     * A ref whose name has a component longer than a file name may be is refused, as git's
     * own server refuses it (it cannot create the lock file); accepted, it would break every
     * copy of the repository kept in folders, the cache's among them.
     */
    private void refuseNamesNoFileSystemHolds() {
        boolean refused = false;
        for (ReceiveCommand cmd : filterCommands(Result.NOT_ATTEMPTED)) {
            for (String component : cmd.getRefName().split("/")) {
                if (component.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_COMPONENT_BYTES) {
                    cmd.setResult(Result.REJECTED_OTHER_REASON, "cannot lock ref: a name component is longer than "
                            + MAX_COMPONENT_BYTES + " bytes");
                    refused = true;
                    break;
                }
            }
        }
        if (refused && isAtomic()) {
            ReceiveCommand.abort(filterCommands(Result.NOT_ATTEMPTED));
        }
    }

    /**
     * The branch HEAD names cannot be deleted, as git's {@code receive.denyDeleteCurrent}
     * does by default: a repository whose HEAD names nothing clones as an empty one.
     * HEAD moves through the API; with {@code --atomic} the whole push is refused.
     */
    private void refuseDeletingHead() {
        boolean refused = false;
        for (ReceiveCommand cmd : filterCommands(Result.NOT_ATTEMPTED)) {
            if (cmd.getType() == ReceiveCommand.Type.DELETE && cmd.getRefName().equals(session.head())) {
                sendError("HEAD names this branch: with it deleted, a clone would check out nothing.");
                sendError("refusing to delete the current branch: " + cmd.getRefName());
                cmd.setResult(Result.REJECTED_OTHER_REASON, "deletion of the current branch prohibited");
                refused = true;
            }
        }
        if (refused && isAtomic()) {
            ReceiveCommand.abort(filterCommands(Result.NOT_ATTEMPTED));
        }
    }

    /**
     * A push that would take the repository past its quota is refused before anything is
     * stored (git prints the use and the quota); one that adds nothing (a deletion) goes on.
     */
    private void refuseOverQuota() {
        Long quota = rules.quotaOr(defaultQuota.orElse(null));
        List<ReceiveCommand> pending = filterCommands(Result.NOT_ATTEMPTED);
        if (quota == null || pending.isEmpty()) {
            return;
        }
        PushSession.Usage usage;
        try {
            usage = session.usage();
        } catch (IOException e) {
            LOG.warnf(e, "cannot measure %s for its quota", session.name());
            return;
        }
        if (!usage.over(quota)) {
            return;
        }
        sendError(usage.exceeded(session.name(), quota));
        for (ReceiveCommand cmd : pending) {
            cmd.setResult(Result.REJECTED_OTHER_REASON, "quota exceeded");
        }
    }

    /**
     * Protected refs may move forward only: deleting one or rewinding it (a force
     * push) is refused. With {@code --atomic} one refusal aborts the whole push.
     */
    private void refuseProtectedRewrites() {
        boolean refused = false;
        for (ReceiveCommand cmd : filterCommands(Result.NOT_ATTEMPTED)) {
            if (!rules.isProtected(cmd.getRefName())) {
                continue;
            }
            if (cmd.getType() == ReceiveCommand.Type.DELETE) {
                cmd.setResult(Result.REJECTED_OTHER_REASON, "protected branch: deletion refused");
                refused = true;
            } else if (cmd.getType() == ReceiveCommand.Type.UPDATE_NONFASTFORWARD) {
                cmd.setResult(Result.REJECTED_OTHER_REASON, "protected branch: force-push refused");
                refused = true;
            }
        }
        if (refused && isAtomic()) {
            ReceiveCommand.abort(filterCommands(Result.NOT_ATTEMPTED));
        }
    }

    /**
     * With {@code enforceLocks} on, a branch update that changes a file someone else holds a
     * Git LFS lock on is refused (as git-lfs's own locks verify would stop it on the client):
     * the tip's tree against the old tip's (a new branch against HEAD's), only the locked paths
     * walked. A deletion changes no file. With {@code --atomic} one refusal aborts the push.
     */
    private void refuseChangesToOthersLocks() {
        List<ReceiveCommand> pending = filterCommands(Result.NOT_ATTEMPTED);
        if (!rules.enforceLocks() || pending.isEmpty()) {
            return;
        }
        java.util.Map<String, String> held;
        try {
            held = locks.read();
        } catch (IOException e) {
            LOG.warnf(e, "cannot read the LFS locks of %s", session.name());
            for (ReceiveCommand cmd : pending) {
                cmd.setResult(Result.REJECTED_OTHER_REASON, "storage unavailable, nothing was changed");
            }
            return;
        }
        java.util.Map<String, String> others = new java.util.TreeMap<>();
        held.forEach((path, holder) -> {
            if (!holder.equals(pusher.who() == null ? dev.gitfn.lfs.LfsLocks.ANONYMOUS : pusher.who())) {
                others.put(path, holder);
            }
        });
        if (others.isEmpty()) {
            return;
        }
        boolean refused = false;
        for (ReceiveCommand cmd : pending) {
            if (cmd.getType() == ReceiveCommand.Type.DELETE || !cmd.getRefName().startsWith("refs/heads/")) {
                continue;
            }
            try {
                java.util.List<String> touched = lockedPathsChanged(cmd, others.keySet());
                if (!touched.isEmpty()) {
                    String path = touched.get(0);
                    sendError(path + " is locked by " + others.get(path) + " (git lfs locks); the lock's holder, or an "
                            + "admin or the owner with git lfs unlock --force, can release it");
                    cmd.setResult(Result.REJECTED_OTHER_REASON, "locked file changed: " + path);
                    refused = true;
                }
            } catch (IOException e) {
                cmd.setResult(Result.REJECTED_OTHER_REASON, "cannot check LFS locks: " + e.getMessage());
                refused = true;
            }
        }
        if (refused && isAtomic()) {
            ReceiveCommand.abort(filterCommands(Result.NOT_ATTEMPTED));
        }
    }

    /** The paths of {@code locked} whose content differs between the command's old and new tips. */
    private java.util.List<String> lockedPathsChanged(ReceiveCommand cmd, java.util.Set<String> locked)
            throws IOException {
        org.eclipse.jgit.lib.Repository repo = session.repository();
        try (org.eclipse.jgit.revwalk.RevWalk walk = new org.eclipse.jgit.revwalk.RevWalk(repo);
                org.eclipse.jgit.treewalk.TreeWalk tw = new org.eclipse.jgit.treewalk.TreeWalk(repo)) {
            org.eclipse.jgit.lib.ObjectId base = cmd.getType() == ReceiveCommand.Type.CREATE
                    ? repo.resolve(session.head()) : cmd.getOldId();
            if (base == null) {
                tw.addTree(new org.eclipse.jgit.treewalk.EmptyTreeIterator());
            } else {
                tw.addTree(walk.parseCommit(base).getTree());
            }
            tw.addTree(walk.parseCommit(cmd.getNewId()).getTree());
            tw.setRecursive(true);
            tw.setFilter(org.eclipse.jgit.treewalk.filter.AndTreeFilter.create(
                    org.eclipse.jgit.treewalk.filter.PathFilterGroup.createFromStrings(locked),
                    org.eclipse.jgit.treewalk.filter.TreeFilter.ANY_DIFF));
            java.util.List<String> changed = new java.util.ArrayList<>();
            while (tw.next()) {
                if (locked.contains(tw.getPathString())) {
                    changed.add(tw.getPathString());
                }
            }
            return changed;
        }
    }
}
