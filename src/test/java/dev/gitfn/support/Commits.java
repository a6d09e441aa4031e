package dev.gitfn.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.eclipse.jgit.internal.storage.file.ObjectDirectory;
import org.eclipse.jgit.internal.storage.file.PackInserter;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.TreeFormatter;

import dev.gitfn.cache.PushSession;

/** Commits written straight into a push session's repository, as a push's pack would bring them. */
public final class Commits {
    private Commits() {
    }

    /**
     * One commit of one file holding {@code content} (also its message), on {@code parent}
     * (none: a root), written as a pack of its own; a fixed author and time, so the same
     * content gives the same id.
     */
    public static ObjectId insert(PushSession session, ObjectId parent, String content) throws IOException {
        try (PackInserter ins = ((ObjectDirectory) session.repository().getObjectDatabase()).newPackInserter()) {
            ObjectId blob = ins.insert(Constants.OBJ_BLOB, content.getBytes(StandardCharsets.UTF_8));
            TreeFormatter tree = new TreeFormatter();
            tree.append("file.txt", FileMode.REGULAR_FILE, blob);
            CommitBuilder c = new CommitBuilder();
            c.setTreeId(ins.insert(tree));
            if (parent != null) {
                c.setParentId(parent);
            }
            PersonIdent who = new PersonIdent("t", "t@example.com", 1_700_000_000_000L, 0);
            c.setAuthor(who);
            c.setCommitter(who);
            c.setMessage(content);
            ObjectId id = ins.insert(c);
            ins.flush();
            return id;
        }
    }
}
