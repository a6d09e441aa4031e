package dev.gitfn.protocol;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.errors.PackProtocolException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.revwalk.ObjectWalk;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.transport.UploadPack;
import org.eclipse.jgit.transport.WantNotValidException;

/**
 * A fetch may want, by id, only objects a ref reaches: a commit force-pushed away (a leaked
 * secret, say) is not served by its id, though git's v2 upload-pack would serve anything it
 * holds. Partial clone's lazy fetches want single blobs of old commits, so blobs and trees
 * count too. With a reachability bitmap JGit's own check is exact and fast; without one
 * JGit's walk misses objects that only older commits' trees hold, so this walks the refs'
 * objects itself until every want has been seen.
 */
final class ReachableWants implements UploadPack.RequestValidator {
    private static final UploadPack.RequestValidator WITH_BITMAP = new UploadPack.ReachableCommitRequestValidator();

    @Override
    public void checkWants(UploadPack up, List<ObjectId> wants) throws PackProtocolException, IOException {
        ObjectReader reader = up.getRevWalk().getObjectReader();
        if (reader.getBitmapIndex() != null) {
            WITH_BITMAP.checkWants(up, wants);
            return;
        }
        Set<ObjectId> unseen = new HashSet<>(wants);
        try (ObjectWalk walk = new ObjectWalk(reader)) {
            for (Ref ref : up.getAdvertisedRefs().values()) {
                ObjectId tip = ref.getObjectId();
                if (tip == null) {
                    continue;
                }
                unseen.remove(tip);
                try {
                    walk.markStart(walk.parseAny(tip));
                } catch (MissingObjectException broken) {
                    // a ref whose object is gone reaches nothing
                }
            }
            for (RevCommit c; !unseen.isEmpty() && (c = walk.next()) != null; ) {
                unseen.remove(c);
            }
            for (RevObject o; !unseen.isEmpty() && (o = walk.nextObject()) != null; ) {
                unseen.remove(o);
            }
        }
        if (!unseen.isEmpty()) {
            throw new WantNotValidException(unseen.iterator().next());
        }
    }
}
