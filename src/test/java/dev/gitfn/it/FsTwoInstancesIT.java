package dev.gitfn.it;

import java.nio.file.Path;
import java.util.Map;

/** Two instances sharing one store folder (the OS file lock carries compare-and-swap). */
class FsTwoInstancesIT extends TwoInstancesContract {
    @Override
    Map<String, String> storeEnv(Path work) {
        return Map.of("GITFN_STORAGE", "fs", "GITFN_FS_ROOT", work.resolve("store").toString());
    }
}
